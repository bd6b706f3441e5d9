// Mlp's single-precision passes (Precision::kFloat32): the structure of Mlp::forward and
// Mlp::backward in mlp.cc, step for step, on float copies. Only the matrix products,
// activations and the batch sums of the bias gradients run in float; what leaves the
// network (outputs, input gradients, weight gradients) is widened back to double.
#include <utility>

#include "nn/gemm.h"
#include "nn/mlp.h"

namespace sbi::nn {

const Matrix& Mlp::forward_single(const Matrix& x, MlpCache* cache) const {
  MlpSingleCache* c = &cache->single;
  const Activation act = options_.activation;
  const size_t n = layers_.size();
  c->weight.resize(n);
  c->bias.resize(n);
  for (size_t l = 0; l < n; ++l) {
    round_to_float(layers_[l].weight(), &c->weight[l]);
    c->bias[l] = layers_[l].bias().col(0).cast<float>();
  }
  auto dense = [&](size_t l, const MatrixF& in, MatrixF* out) {
    affine(c->weight[l], c->bias[l].data(), in, out);
  };
  // dense then act, into `out`; a ReLU is fused into the product and keeps no
  // pre-activation (its derivative reads the sign of the output, the same as the input's).
  const bool relu = act == Activation::kReLU;
  auto dense_act = [&](size_t l, const MatrixF& in, MatrixF* pre, MatrixF* out) {
    if (relu) {
      affine_relu(c->weight[l], c->bias[l].data(), in, out);
    } else {
      dense(l, in, pre);
      activate(act, *pre, out);
    }
  };
  c->input.resize(n);
  round_to_float(x, &c->input[0]);
  if (options_.residual) {
    const int blocks = options_.num_layers;
    c->pre.resize(2 * blocks);
    MatrixF* h = &c->input[n - 1];
    dense(0, c->input[0], h);
    for (int b = 0; b < blocks; ++b) {
      if (!relu) c->pre[2 * b] = *h;
      activate(act, *h, &c->input[1 + 2 * b]);
      dense_act(1 + 2 * b, c->input[1 + 2 * b], &c->pre[2 * b + 1], &c->input[2 + 2 * b]);
      add_affine(c->weight[2 + 2 * b], c->bias[2 + 2 * b].data(), c->input[2 + 2 * b], h);
    }
  } else {
    c->pre.resize(n - 1);
    for (size_t l = 0; l + 1 < n; ++l) dense_act(l, c->input[l], &c->pre[l], &c->input[l + 1]);
  }
  dense(n - 1, c->input[n - 1], &c->output);
  widen_to_double(c->output, &cache->output);
  return cache->output;
}

void Mlp::dense_backward_single(size_t layer, const MatrixF& x, const MatrixF& grad_y,
                                MatrixF* grad_x, bool param_grads, MlpSingleCache* c,
                                const MatrixF* relu_output, bool accumulate) {
  if (param_grads) {
    outer_products(grad_y, x, &c->grad_weight);
    c->grad_bias = grad_y.rowwise().sum();
    layers_[layer].add_gradients(c->grad_weight, c->grad_bias);
  }
  if (grad_x == nullptr) return;
  if (relu_output != nullptr)
    gated_transposed_product(c->weight[layer], grad_y, *relu_output, grad_x, accumulate);
  else
    transposed_product(c->weight[layer], grad_y, grad_x);
}

void Mlp::backward_single(MlpCache* cache, const Matrix& grad_y, Matrix* grad_x,
                          bool param_grads) {
  MlpSingleCache* c = &cache->single;
  const Activation act = options_.activation;
  const size_t n = layers_.size();
  round_to_float(grad_y, &c->grad_y);
  MatrixF* grad_in = grad_x != nullptr ? &c->grad_x : nullptr;
  // The pre-activation feeding input[l] (a ReLU's forward kept only its output).
  const bool relu = act == Activation::kReLU;
  auto pre = [&](size_t pre_index, size_t input_index) -> const MatrixF& {
    return relu ? c->input[input_index] : c->pre[pre_index];
  };
  if (relu && options_.residual) {
    // The ReLUs' backward passes ride on the input-gradient products (gated by the ReLU's
    // output), and the block's gradient is added into the residual stream's as it is stored.
    dense_backward_single(n - 1, c->input[n - 1], c->grad_y, &c->grad_h, param_grads, c);
    for (int b = options_.num_layers - 1; b >= 0; --b) {
      dense_backward_single(2 + 2 * b, c->input[2 + 2 * b], c->grad_h, &c->grad_pre, param_grads,
                            c, &c->input[2 + 2 * b]);
      dense_backward_single(1 + 2 * b, c->input[1 + 2 * b], c->grad_pre, &c->grad_h, param_grads,
                            c, &c->input[1 + 2 * b], true);
    }
    dense_backward_single(0, c->input[0], c->grad_h, grad_in, param_grads, c);
  } else if (relu && n > 1) {
    MatrixF* grad = &c->grad_pre;  // at the current layer's output, ping-ponging with grad_a
    MatrixF* next = &c->grad_a;
    dense_backward_single(n - 1, c->input[n - 1], c->grad_y, grad, param_grads, c, &c->input[n - 1]);
    for (size_t l = n - 1; l-- > 1;) {
      dense_backward_single(l, c->input[l], *grad, next, param_grads, c, &c->input[l]);
      std::swap(grad, next);
    }
    dense_backward_single(0, c->input[0], *grad, grad_in, param_grads, c);
  } else if (options_.residual) {
    dense_backward_single(n - 1, c->input[n - 1], c->grad_y, &c->grad_h, param_grads, c);
    for (int b = options_.num_layers - 1; b >= 0; --b) {
      dense_backward_single(2 + 2 * b, c->input[2 + 2 * b], c->grad_h, &c->grad_a, param_grads, c);
      activation_backward(act, pre(2 * b + 1, 2 + 2 * b), c->input[2 + 2 * b], c->grad_a,
                          &c->grad_pre);
      dense_backward_single(1 + 2 * b, c->input[1 + 2 * b], c->grad_pre, &c->grad_a, param_grads,
                            c);
      activation_backward(act, pre(2 * b, 1 + 2 * b), c->input[1 + 2 * b], c->grad_a, &c->grad_pre);
      c->grad_h += c->grad_pre;
    }
    dense_backward_single(0, c->input[0], c->grad_h, grad_in, param_grads, c);
  } else if (n == 1) {
    dense_backward_single(0, c->input[0], c->grad_y, grad_in, param_grads, c);
  } else {
    dense_backward_single(n - 1, c->input[n - 1], c->grad_y, &c->grad_a, param_grads, c);
    for (size_t l = n - 1; l-- > 0;) {
      activation_backward(act, pre(l, l + 1), c->input[l + 1], c->grad_a, &c->grad_pre);
      dense_backward_single(l, c->input[l], c->grad_pre, l == 0 ? grad_in : &c->grad_a,
                            param_grads, c);
    }
  }
  if (grad_x != nullptr) widen_to_double(c->grad_x, grad_x);
}

}  // namespace sbi::nn
