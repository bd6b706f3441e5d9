// The numeric types of the networks. In memory one sample per column: a batch of B
// samples of dimension D is a D x B matrix (column-major, so one sample is contiguous).
#pragma once

#include <Eigen/Core>

namespace sbi::nn {

using Scalar = double;
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

// Single precision, for the inference passes that may run in it (nn/float_mlp.h).
using MatrixF = Eigen::MatrixXf;

}  // namespace sbi::nn
