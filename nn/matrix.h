// The numeric types of the networks. In memory one sample per column: a batch of B
// samples of dimension D is a D x B matrix (column-major, so one sample is contiguous).
#pragma once

#include <Eigen/Core>

namespace sbi::nn {

using Scalar = double;
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

// Single precision, for the passes that may run in it (nn/float_mlp.h, Mlp's training
// passes with Precision::kFloat32).
using MatrixF = Eigen::MatrixXf;

// The arithmetic of a network's passes: double throughout, or the matrix products and
// activations in float (inputs, outputs, weights kept and gradients accumulated in double).
enum class Precision { kFloat64, kFloat32 };

}  // namespace sbi::nn
