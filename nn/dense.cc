#include "nn/dense.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "core/memory_budget.h"
#include "nn/gemm.h"

namespace sbi::nn {
namespace {

// Refuses, before allocating, a layer that cannot fit: training holds 4 copies of its
// weights (values, gradients, Adam's two moments). Returns `in`.
int checked_in(int in, int out) {
  core::check(in >= 0 && out >= 0, "Dense: a layer of " + std::to_string(in) + " x " +
                                        std::to_string(out) + " has a negative size");
  core::check_memory(4.0 * sizeof(double) * (static_cast<double>(in) + 1.0) * out,
                     "a dense layer of " + std::to_string(in) + " x " + std::to_string(out) +
                         " (weights, gradients and Adam moments)");
  return in;
}

}  // namespace

Dense::Dense(int in, int out)
    : weight_(Matrix::Zero(out, checked_in(in, out))),
      bias_(Matrix::Zero(out, 1)),
      grad_weight_(Matrix::Zero(out, in)),
      grad_bias_(Matrix::Zero(out, 1)) {}

void Dense::initialize(Init init, core::Rng* rng) {
  const double in = std::max(1, this->in());
  const double out = this->out();
  auto fill_uniform = [rng](Matrix* m, double bound) {
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = rng->uniform(-bound, bound);
  };
  bias_.setZero();
  switch (init) {
    case Init::kPyTorch:
      fill_uniform(&weight_, 1.0 / std::sqrt(in));
      fill_uniform(&bias_, 1.0 / std::sqrt(in));
      break;
    case Init::kGlorotUniform: fill_uniform(&weight_, std::sqrt(6.0 / (in + out))); break;
    case Init::kHeNormal:
      for (Eigen::Index i = 0; i < weight_.size(); ++i)
        weight_.data()[i] = rng->normal() * std::sqrt(2.0 / in);
      break;
    case Init::kZero: weight_.setZero(); break;
  }
}

void Dense::forward(const Matrix& x, Matrix* y) const {
  affine(weight_, bias_.data(), x, y);
}

void Dense::backward(const Matrix& x, const Matrix& grad_y, Matrix* grad_x, bool param_grads) {
  if (param_grads) {
    add_outer_products(grad_y, x, &grad_weight_);
    grad_bias_.col(0) += grad_y.rowwise().sum();
  }
  if (grad_x != nullptr) {
    transposed_product(weight_, grad_y, grad_x);
  }
}

void Dense::add_gradients(const MatrixF& grad_weight, const Eigen::VectorXf& grad_bias) {
  if (grad_weight.rows() != grad_weight_.rows() || grad_weight.cols() != grad_weight_.cols() ||
      grad_bias.size() != grad_bias_.rows())
    throw core::Error("Dense::add_gradients: gradients of another layer's shape");
  add_widened(grad_weight.data(), grad_weight.size(), grad_weight_.data());
  add_widened(grad_bias.data(), grad_bias.size(), grad_bias_.data());
}

Parameters Dense::parameters() {
  return {{"weight", &weight_, &grad_weight_}, {"bias", &bias_, &grad_bias_}};
}

}  // namespace sbi::nn
