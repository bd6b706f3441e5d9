#include "nn/float_mlp.h"

#include "nn/gemm.h"

namespace sbi::nn {

FloatMlp::FloatMlp(const Mlp& mlp) : options_(mlp.options()) {
  for (const Dense& d : mlp.layers())
    layers_.push_back({d.weight().cast<float>(), d.bias().col(0).cast<float>()});
}

void FloatMlp::dense(const Layer& layer, const MatrixF& x, MatrixF* y) {
  affine(layer.weight, layer.bias.data(), x, y);
}

const MatrixF& FloatMlp::forward(const MatrixF& x, FloatMlpWork* w) const {
  const Activation act = options_.activation;
  const size_t n = layers_.size();
  if (options_.residual) {
    // The structure of Mlp::forward: h = D0 x; h += D2(act(D1(act(h)))) per block; y = Dn h.
    // The residual sum is fused into D2's product, and a ReLU into D1's.
    dense(layers_[0], x, &w->h);
    for (int b = 0; b < options_.num_layers; ++b) {
      const Layer& d1 = layers_[1 + 2 * b];
      const Layer& d2 = layers_[2 + 2 * b];
      activate(act, w->h, &w->a);
      const MatrixF* inner = &w->b;  // act(D1 act(h))
      if (act == Activation::kReLU) {
        affine_relu(d1.weight, d1.bias.data(), w->a, &w->b);
      } else {
        dense(d1, w->a, &w->b);
        activate(act, w->b, &w->a);
        inner = &w->a;
      }
      add_affine(d2.weight, d2.bias.data(), *inner, &w->h);
    }
    dense(layers_[n - 1], w->h, &w->output);
    return w->output;
  }
  const MatrixF* in = &x;
  for (size_t l = 0; l + 1 < n; ++l) {
    dense(layers_[l], *in, &w->b);
    activate(act, w->b, &w->h);
    in = &w->h;
  }
  dense(layers_[n - 1], *in, &w->output);
  return w->output;
}

}  // namespace sbi::nn
