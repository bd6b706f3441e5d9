#include "nn/activation.h"

#include "core/error.h"

namespace sbi::nn {

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::kReLU;
  if (name == "tanh") return Activation::kTanh;
  if (name == "silu") return Activation::kSiLU;
  if (name == "elu") return Activation::kELU;
  throw core::Error("unknown activation '" + name + "' (expected relu, tanh, silu or elu)");
}

std::vector<std::string> activation_names() { return {"relu", "tanh", "silu", "elu"}; }

std::string activation_name(Activation a) {
  switch (a) {
    case Activation::kReLU: return "relu";
    case Activation::kTanh: return "tanh";
    case Activation::kSiLU: return "silu";
    case Activation::kELU: return "elu";
  }
  return "?";
}

void activate(Activation a, const Matrix& pre, Matrix* out) {
  out->resize(pre.rows(), pre.cols());
  auto x = pre.array();
  switch (a) {
    case Activation::kReLU: out->array() = x.max(Scalar(0)); break;
    case Activation::kTanh: out->array() = x.tanh(); break;
    // SiLU(x) = x * sigmoid(x) (Elfwing et al. 2018).
    case Activation::kSiLU: out->array() = x / (Scalar(1) + (-x).exp()); break;
    case Activation::kELU: out->array() = (x > 0).select(x, x.exp() - Scalar(1)); break;
  }
}

void activation_backward(Activation a, const Matrix& pre, const Matrix& out,
                         const Matrix& grad_out, Matrix* grad_pre) {
  grad_pre->resize(pre.rows(), pre.cols());
  auto x = pre.array();
  auto y = out.array();
  auto g = grad_out.array();
  switch (a) {
    case Activation::kReLU: grad_pre->array() = (x > 0).select(g, Scalar(0)); break;
    case Activation::kTanh: grad_pre->array() = g * (Scalar(1) - y.square()); break;
    case Activation::kSiLU: {
      // d/dx x s(x) = s(x) (1 + x (1 - s(x))), with s(x) = y / x recomputed stably.
      auto s = Scalar(1) / (Scalar(1) + (-x).exp());
      grad_pre->array() = g * s * (Scalar(1) + x * (Scalar(1) - s));
      break;
    }
    case Activation::kELU: grad_pre->array() = (x > 0).select(g, g * (y + Scalar(1))); break;
  }
}

}  // namespace sbi::nn
