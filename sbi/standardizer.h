// z-scoring: u = (v - mean) / std per dimension, with statistics from the training set
// stored in the model file. A constant dimension keeps std = 1 (it carries no information
// and must not divide by zero).
#pragma once

#include <Eigen/Core>

namespace sbi {

struct Standardizer {
  Eigen::VectorXd mean, std;

  static Standardizer fit(const Eigen::MatrixXd& columns);
  static Standardizer identity(int dim);

  int dim() const { return static_cast<int>(mean.size()); }
  Eigen::MatrixXd apply(const Eigen::MatrixXd& v) const {
    return (v.colwise() - mean).array().colwise() / std.array();
  }
  Eigen::MatrixXd invert(const Eigen::MatrixXd& u) const {
    return (u.array().colwise() * std.array()).matrix().colwise() + mean;
  }
  // log |du/dv| = -sum log std: added to a density of u to get the density of v.
  double log_abs_det() const { return -std.array().log().sum(); }
};

}  // namespace sbi
