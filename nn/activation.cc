#include "nn/activation.h"

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::nn {

namespace {
const core::EnumNames<Activation>& activations() {
  static const core::EnumNames<Activation> names("activation", {"relu", "tanh", "silu", "elu"});
  return names;
}
}  // namespace

Activation parse_activation(const std::string& name) { return activations().parse(name); }
std::string activation_name(Activation value) { return activations().name(value); }
std::vector<std::string> activation_names() { return activations().names(); }

namespace {
template <class M>
void activate_any(Activation a, const M& pre, M* out) {
  using T = typename M::Scalar;
  out->resize(pre.rows(), pre.cols());
  auto x = pre.array();
  switch (a) {
    case Activation::kReLU: out->array() = x.max(T(0)); break;
    case Activation::kTanh: out->array() = x.tanh(); break;
    // SiLU(x) = x * sigmoid(x) (Elfwing et al. 2018).
    case Activation::kSiLU: out->array() = x / (T(1) + (-x).exp()); break;
    case Activation::kELU: out->array() = (x > 0).select(x, x.exp() - T(1)); break;
  }
}
}  // namespace

void activate(Activation a, const Matrix& pre, Matrix* out) { activate_any(a, pre, out); }
void activate(Activation a, const MatrixF& pre, MatrixF* out) { activate_any(a, pre, out); }

namespace {
template <class M>
void activation_backward_any(Activation a, const M& pre, const M& out, const M& grad_out,
                             M* grad_pre) {
  using T = typename M::Scalar;
  grad_pre->resize(pre.rows(), pre.cols());
  auto x = pre.array();
  auto y = out.array();
  auto g = grad_out.array();
  switch (a) {
    case Activation::kReLU: grad_pre->array() = (x > 0).select(g, T(0)); break;
    case Activation::kTanh: grad_pre->array() = g * (T(1) - y.square()); break;
    case Activation::kSiLU: {
      // d/dx x s(x) = s(x) (1 + x (1 - s(x))), with s(x) = y / x recomputed stably.
      auto s = T(1) / (T(1) + (-x).exp());
      grad_pre->array() = g * s * (T(1) + x * (T(1) - s));
      break;
    }
    case Activation::kELU: grad_pre->array() = (x > 0).select(g, g * (y + T(1))); break;
  }
}
}  // namespace

void activation_backward(Activation a, const Matrix& pre, const Matrix& out,
                         const Matrix& grad_out, Matrix* grad_pre) {
  activation_backward_any(a, pre, out, grad_out, grad_pre);
}

void activation_backward(Activation a, const MatrixF& pre, const MatrixF& out,
                         const MatrixF& grad_out, MatrixF* grad_pre) {
  activation_backward_any(a, pre, out, grad_out, grad_pre);
}

}  // namespace sbi::nn
