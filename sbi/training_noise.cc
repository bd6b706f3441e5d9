#include "sbi/training_noise.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/normal_fill.h"
#include "io/h5_file.h"
#include "sbi/x_mask.h"

namespace sbi {

TrainingNoise constant_training_noise(double sigma, const core::DataShape& shape) {
  char value[32];
  std::snprintf(value, sizeof value, "%g", sigma);
  core::check(std::isfinite(sigma) && sigma > 0,
              std::string("--noise-sigma ") + value + " must be finite and > 0");
  core::check(!shape.is_set(), std::string("--noise-sigma cannot apply to x, ") +
                                   shape.describe() +
                                   ": training noise applies to images and vectors");
  return {Eigen::VectorXd::Constant(shape.flat_dim(), sigma), std::string("gaussian, sigma ") + value};
}

TrainingNoise read_training_noise_map(const std::string& path, const core::DataShape& shape,
                                      const std::string& what) {
  const std::string where = what + " " + path;
  io::H5File f = open_pixel_map_file(path, what);
  core::check(f.is_dataset("/noise_map"),
              where + " has no /noise_map dataset (the noise standard deviation per pixel, of "
                      "the shape of one x)");
  check_pixel_map_shape(f.shape("/noise_map"), shape, where + ": /noise_map");
  std::vector<size_t> file_shape;
  const std::vector<double> values = f.read_array("/noise_map", &file_shape);
  double lo = 0, hi = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!(std::isfinite(v) && v >= 0)) {
      char value[32];
      std::snprintf(value, sizeof value, "%g", v);
      throw core::Error(where + ": /noise_map has " + (std::isnan(v) ? "NaN" : value) + " at " +
                        pixel_position(i, file_shape) +
                        "; a noise standard deviation is finite and >= 0");
    }
    lo = i == 0 ? v : std::min(lo, v);
    hi = i == 0 ? v : std::max(hi, v);
  }
  core::check(hi > 0, where + ": /noise_map is 0 everywhere; there is no noise to add");
  TrainingNoise noise;
  noise.sigma.resize(shape.flat_dim());
  const Eigen::Index n = static_cast<Eigen::Index>(values.size());
  for (Eigen::Index i = 0; i < noise.sigma.size(); ++i) noise.sigma[i] = values[i % n];
  char range[96];
  std::snprintf(range, sizeof range, " (%g .. %g)", lo, hi);
  noise.description = "gaussian, sigma per pixel from " + path + ": /noise_map" + range;
  return noise;
}

void add_gaussian_noise(const Eigen::VectorXd& sigma, core::Rng* rng, Eigen::MatrixXd* x) {
  core::check(sigma.size() == x->rows(),
              "add_gaussian_noise: sigma has " + std::to_string(sigma.size()) +
                  " entries but x has " + std::to_string(x->rows()) + " rows");
  Eigen::VectorXd z(x->rows());
  for (Eigen::Index j = 0; j < x->cols(); ++j) {
    core::fill_standard_normal(rng, z.data(), static_cast<std::size_t>(z.size()));
    x->col(j).array() += sigma.array() * z.array();
  }
}

}  // namespace sbi
