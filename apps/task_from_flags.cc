#include "apps/task_from_flags.h"

#include "core/error.h"
#include "io/h5_file.h"
#include "simulators/registry.h"

namespace sbi::app {

std::vector<std::string> task_input_files(const Flags& flags) {
  std::vector<std::string> files;
  for (const auto& [key, value] : flags.key_values("param"))
    if (key == "psf_file" || key == "noise_file") files.push_back(value);
  return files;
}

Eigen::MatrixXd read_2d_dataset(const std::string& path, const std::string& dataset) {
  io::H5File f = io::H5File::open_read(path);
  core::check(f.is_dataset(dataset), path + " has no " + dataset + " dataset");
  const std::vector<size_t> shape = f.shape(dataset);
  core::check(shape.size() == 2, dataset + " in " + path + " must be 2-D (rows, columns), has " +
                                     std::to_string(shape.size()) + " dimensions");
  // read_matrix transposes (N, D) files into D x N: the transpose is the file's layout.
  return f.read_matrix(dataset, static_cast<long>(shape[1]), io::NanPolicy::kReject).transpose();
}

simulators::Task task_from_flags(const Flags& flags) {
  return simulators::make_task(flags.required("task"), flags.key_values("param"), read_2d_dataset);
}

}  // namespace sbi::app
