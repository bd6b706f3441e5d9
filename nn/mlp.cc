#include "nn/mlp.h"

#include "core/error.h"

namespace sbi::nn {

bool MlpOptions::is_valid(std::string* error) const {
  if (in < 0) *error = "MlpOptions::in = " + std::to_string(in) + " must be >= 0";
  else if (out < 1) *error = "MlpOptions::out = " + std::to_string(out) + " must be >= 1";
  else if (hidden < 1) *error = "MlpOptions::hidden = " + std::to_string(hidden) + " must be >= 1";
  else if (num_layers < 0)
    *error = "MlpOptions::num_layers = " + std::to_string(num_layers) + " must be >= 0";
  else return true;
  return false;
}

Mlp::Mlp(const MlpOptions& options, core::Rng* rng) : options_(options) {
  core::check_valid(options, "Mlp");
  const int h = options.hidden;
  if (options.residual) {
    layers_.emplace_back(options.in, h);
    for (int b = 0; b < options.num_layers; ++b) {
      layers_.emplace_back(h, h);
      layers_.emplace_back(h, h);
    }
    layers_.emplace_back(h, options.out);
  } else {
    int width = options.in;
    for (int l = 0; l < options.num_layers; ++l) {
      layers_.emplace_back(width, h);
      width = h;
    }
    layers_.emplace_back(width, options.out);
  }
  for (size_t i = 0; i + 1 < layers_.size(); ++i) layers_[i].initialize(options.hidden_init, rng);
  layers_.back().initialize(options.output_init, rng);
}

const Matrix& Mlp::forward(const Matrix& x, MlpCache* c) const {
  if (c->precision == Precision::kFloat32) return forward_single(x, c);
  const Activation act = options_.activation;
  const size_t n = layers_.size();
  c->input.resize(n);
  if (options_.residual) {
    // input[0] = x; input[1+2b] = act(h_b); input[2+2b] = act(pre_b2); input[n-1] = h_final.
    // pre[2b] = h_b (block input), pre[2b+1] = first Dense output of block b.
    const int blocks = options_.num_layers;
    c->pre.resize(2 * blocks);
    c->input[0] = x;
    Matrix* h = &c->input[n - 1];
    layers_[0].forward(x, h);
    for (int b = 0; b < blocks; ++b) {
      c->pre[2 * b] = *h;
      activate(act, *h, &c->input[1 + 2 * b]);
      layers_[1 + 2 * b].forward(c->input[1 + 2 * b], &c->pre[2 * b + 1]);
      activate(act, c->pre[2 * b + 1], &c->input[2 + 2 * b]);
      layers_[2 + 2 * b].forward(c->input[2 + 2 * b], &c->output);
      *h += c->output;
    }
  } else {
    // input[0] = x; pre[l] = Dense_l(input[l]); input[l+1] = act(pre[l]).
    c->pre.resize(n - 1);
    c->input[0] = x;
    for (size_t l = 0; l + 1 < n; ++l) {
      layers_[l].forward(c->input[l], &c->pre[l]);
      activate(act, c->pre[l], &c->input[l + 1]);
    }
  }
  layers_.back().forward(c->input[n - 1], &c->output);
  return c->output;
}

void Mlp::backward(MlpCache* c, const Matrix& grad_y, Matrix* grad_x, bool param_grads) {
  if (c->precision == Precision::kFloat32) return backward_single(c, grad_y, grad_x, param_grads);
  const Activation act = options_.activation;
  const size_t n = layers_.size();
  if (options_.residual) {
    const int blocks = options_.num_layers;
    layers_[n - 1].backward(c->input[n - 1], grad_y, &c->grad_h, param_grads);
    for (int b = blocks - 1; b >= 0; --b) {
      // h_out = h_in + D2(act(D1(act(h_in)))): the skip passes grad_h through unchanged.
      layers_[2 + 2 * b].backward(c->input[2 + 2 * b], c->grad_h, &c->grad_a, param_grads);
      activation_backward(act, c->pre[2 * b + 1], c->input[2 + 2 * b], c->grad_a, &c->grad_pre);
      layers_[1 + 2 * b].backward(c->input[1 + 2 * b], c->grad_pre, &c->grad_a, param_grads);
      activation_backward(act, c->pre[2 * b], c->input[1 + 2 * b], c->grad_a, &c->grad_pre);
      c->grad_h += c->grad_pre;
    }
    layers_[0].backward(c->input[0], c->grad_h, grad_x, param_grads);
    return;
  }
  if (n == 1) {
    layers_[0].backward(c->input[0], grad_y, grad_x, param_grads);
    return;
  }
  layers_[n - 1].backward(c->input[n - 1], grad_y, &c->grad_a, param_grads);
  for (size_t l = n - 1; l-- > 0;) {
    activation_backward(act, c->pre[l], c->input[l + 1], c->grad_a, &c->grad_pre);
    layers_[l].backward(c->input[l], c->grad_pre, l == 0 ? grad_x : &c->grad_a, param_grads);
  }
}

Parameters Mlp::parameters() {
  Parameters out;
  for (size_t i = 0; i < layers_.size(); ++i)
    append_parameters("dense" + std::to_string(i), layers_[i].parameters(), &out);
  return out;
}

}  // namespace sbi::nn
