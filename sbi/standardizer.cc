#include "sbi/standardizer.h"

#include <cmath>

#include "core/error.h"

namespace sbi {

Standardizer Standardizer::fit(const Eigen::MatrixXd& columns) {
  core::check(columns.cols() >= 2, "Standardizer::fit: need at least 2 samples, got " +
                                       std::to_string(columns.cols()));
  Standardizer s;
  s.mean = columns.rowwise().mean();
  s.std = ((columns.colwise() - s.mean).array().square().rowwise().sum() / (columns.cols() - 1))
              .sqrt();
  for (Eigen::Index i = 0; i < s.std.size(); ++i)
    if (!(s.std[i] > 1e-12 * std::max(1.0, std::abs(s.mean[i])))) s.std[i] = 1.0;
  return s;
}

Standardizer Standardizer::identity(int dim) {
  return {Eigen::VectorXd::Zero(dim), Eigen::VectorXd::Ones(dim)};
}

}  // namespace sbi
