// The mean and the sample standard deviation of every row of a matrix holding one sample
// per column (draws of θ, simulations of x): what the summaries, the standardisation and the
// predictive checks print and store.
#pragma once

#include <algorithm>

#include <Eigen/Core>

namespace sbi::core {

struct RowMoments {
  Eigen::VectorXd mean;
  Eigen::VectorXd sd;  // with n - 1 in the denominator; 0 for a single column
};

inline RowMoments row_moments(const Eigen::MatrixXd& columns) {
  RowMoments m;
  m.mean = columns.rowwise().mean();
  const double denominator = static_cast<double>(std::max<Eigen::Index>(1, columns.cols() - 1));
  m.sd = ((columns.colwise() - m.mean).array().square().rowwise().sum() / denominator).sqrt();
  return m;
}

}  // namespace sbi::core
