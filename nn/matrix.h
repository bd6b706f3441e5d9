// The numeric types of the networks. In memory one sample per column: a batch of B
// samples of dimension D is a D x B matrix (column-major, so one sample is contiguous).
#pragma once

#include <Eigen/Core>

#include "nn/precision.h"

namespace sbi::nn {

using Scalar = double;
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

// Single precision, for the passes that may run in it (nn/float_mlp.h, Mlp's training
// passes with Precision::kFloat32).
using MatrixF = Eigen::MatrixXf;

// Conversions between the precisions, as plain loops that the compiler vectorises (Eigen
// 3.4's cast<float>() of a double matrix runs one element at a time); the matrix forms
// resize `to`, the pointer form writes n values.
inline void round_to_float(const double* from, Eigen::Index n, float* to) {
  for (Eigen::Index i = 0; i < n; ++i) to[i] = static_cast<float>(from[i]);
}
inline void round_to_float(const Matrix& from, MatrixF* to) {
  to->resize(from.rows(), from.cols());
  round_to_float(from.data(), from.size(), to->data());
}
inline void widen_to_double(const MatrixF& from, Matrix* to) {
  to->resize(from.rows(), from.cols());
  const float* f = from.data();
  double* t = to->data();
  for (Eigen::Index i = 0; i < from.size(); ++i) t[i] = static_cast<double>(f[i]);
}

// to[i] += from[i] for i < n, widened (float gradients into double buffers).
inline void add_widened(const float* from, Eigen::Index n, double* to) {
  for (Eigen::Index i = 0; i < n; ++i) to[i] += static_cast<double>(from[i]);
}

}  // namespace sbi::nn
