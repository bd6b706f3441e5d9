#include "sbi/simulation_data.h"

#include "core/error.h"
#include "io/h5_file.h"

namespace sbi {
namespace {

std::vector<std::string> names_or_default(const io::H5File& f, const char* attr,
                                          const std::string& prefix, long n) {
  if (f.has_attr("/", attr)) {
    std::vector<std::string> names = f.get_string_list_attr("/", attr);
    if (static_cast<long>(names.size()) == n) return names;
  }
  std::vector<std::string> names;
  for (long i = 0; i < n; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

}  // namespace

SimulationData load_simulations(const std::string& path, NonFinitePolicy policy) {
  io::H5File f = io::H5File::open_read(path);
  for (const char* name : {"/theta", "/x"})
    core::check(f.is_dataset(name), path + " has no " + name +
                                        " dataset (a simulation file needs /theta (N, D_theta) "
                                        "and /x (N, D_x))");
  const Eigen::MatrixXd theta = f.read_matrix("/theta");
  const Eigen::MatrixXd x = f.read_matrix("/x");
  core::check(theta.cols() == x.cols(), path + ": /theta has " + std::to_string(theta.cols()) +
                                            " rows but /x has " + std::to_string(x.cols()) +
                                            "; they must pair up row by row");
  for (Eigen::Index j = 0; j < theta.cols(); ++j)
    core::check(theta.col(j).allFinite(),
                path + ": /theta row " + std::to_string(j) + " has NaN or Inf");
  std::vector<Eigen::Index> keep;
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    if (x.col(j).allFinite()) {
      keep.push_back(j);
    } else if (policy == NonFinitePolicy::kError) {
      throw core::Error(path + ": /x row " + std::to_string(j) +
                        " has NaN or Inf (use --drop-nonfinite to skip such rows)");
    }
  }
  SimulationData d;
  d.dropped_nonfinite = x.cols() - static_cast<long>(keep.size());
  d.theta = theta(Eigen::all, keep);
  d.x = x(Eigen::all, keep);
  d.parameter_names = names_or_default(f, "parameter_names", "theta_", theta.rows());
  d.data_names = names_or_default(f, "data_names", "x_", x.rows());
  if (f.has_attr("/", "prior")) d.prior = core::Prior::parse(f.get_string_attr("/", "prior"));
  return d;
}

Eigen::MatrixXd load_observations(const std::string& path, int expected_dim) {
  io::H5File f = io::H5File::open_read(path);
  core::check(f.is_dataset("/x"), path + " has no /x dataset (an observation file holds /x "
                                         "of shape (D,) or (K, D))");
  const std::vector<size_t> shape = f.shape("/x");
  Eigen::MatrixXd x = f.read_matrix("/x");
  if (shape.size() == 1) x.transposeInPlace();  // (D,) is one observation, not D of dim 1
  core::check(x.rows() == expected_dim,
              path + ": /x has dimension " + std::to_string(x.rows()) + " (shape " +
                  (shape.size() == 1 ? "(" + std::to_string(shape[0]) + ",)"
                                     : "(" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) + ")") +
                  "), but the model was trained on data of dimension " + std::to_string(expected_dim));
  core::check(x.allFinite(), path + ": /x contains NaN or Inf");
  return x;
}

}  // namespace sbi
