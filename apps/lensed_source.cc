#include "apps/lensed_source.h"

#include <cmath>

#include "apps/task_from_flags.h"
#include "core/error.h"
#include "io/h5_file.h"
#include "simulators/lensing/lensing_operator.h"
#include "simulators/registry.h"

namespace sbi::app {

std::vector<std::string> LensedSource::lens_names() const {
  return {"theta_E", "q", "phi", "gamma1", "gamma2"};
}

std::vector<std::string> lensed_source_inputs(const Flags& flags) {
  std::vector<std::string> inputs = {flags.get("lens", "")};
  for (const auto& [key, value] : flags.key_values("param"))
    if (key == "psf_file" || key == "noise_file") inputs.push_back(value);
  return inputs;
}

LensedSource lensed_source(const Flags& flags, int rows, int cols) {
  LensedSource m{simulators::make_task("lensing", flags.key_values("param"), read_2d_dataset), nullptr, {}, {}, {}};
  m.lensing = &static_cast<const simulators::StrongLensing&>(*m.task.simulator);

  const std::string path = flags.required("lens");
  io::H5File f = io::H5File::open_read(path);
  core::check(f.is_dataset("/theta"), "--lens " + path + " has no /theta dataset (the lens parameters)");
  const Eigen::MatrixXd theta = f.read_matrix("/theta", -1, io::NanPolicy::kReject);
  core::check(theta.rows() >= 5, "--lens " + path + ": /theta has " + std::to_string(theta.rows()) +
                                     " columns; the lens needs theta_E, q, phi, gamma1, gamma2 first");
  const long row = flags.get_int("lens-row", 0);
  core::check(row >= 0 && row < theta.cols(), "--lens-row " + std::to_string(row) + ": " + path +
                                                  " has " + std::to_string(theta.cols()) + " rows");
  m.lens = theta.col(row).head(5);
  const double theta_e = m.lens[0], q = m.lens[1];
  core::check(theta_e >= 0, "--lens " + path + ": theta_E = " + std::to_string(theta_e) + " must be >= 0");
  core::check(q >= 1e-6 && q <= 1, "--lens " + path + ": q = " + std::to_string(q) + " must be in [1e-6, 1]");

  m.grid.rows = rows;
  m.grid.cols = cols;
  m.grid.pixel_scale = flags.get_double("source-pixel-scale", 0.05);
  core::check(std::isfinite(m.grid.pixel_scale) && m.grid.pixel_scale > 0,
              "--source-pixel-scale must be finite and > 0 (arcsec)");
  const simulators::lensing::LensModel lens = simulators::lens_of<double>(m.lens.data());
  const Eigen::SparseMatrix<double> b = simulators::lensing::lensing_operator(m.lensing->grid(), lens, m.grid);
  const simulators::lensing::Convolver* psf = m.lensing->convolver();
  m.forward = psf ? Eigen::SparseMatrix<double>(psf->matrix() * b) : b;
  return m;
}

}  // namespace sbi::app
