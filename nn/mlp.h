// Multilayer perceptrons: a plain MLP and the residual MLP of nflows' ResidualNet
// (Durkan et al. 2019), with reverse-mode gradients for parameters and inputs.
//
// plain:    x -> [Dense -> act] x num_layers -> Dense -> y
// residual: x -> Dense -> [h += Dense(act(Dense(act(h))))] x num_layers -> Dense -> y
//
// forward() is const and keeps what backward() needs in a caller-owned MlpCache, so one
// network can run on several threads at once, each with its own cache. Once a cache has
// seen a batch size, further passes at that size do not allocate.
//
// A cache whose `precision` is Precision::kFloat32 makes both passes run their products and
// activations in float (nn/mlp_single.cc): each forward rounds the weights into the cache,
// inputs and outputs stay double, and backward adds the float gradients into the double
// buffers, so the optimiser and the stored model are unchanged (mixed precision,
// Micikevicius et al. 2018, without loss scaling: float's exponent range is that of
// double's use here). The caller chooses per pass: a flow trains in float and evaluates
// in double with the same network.
#pragma once

#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/activation.h"
#include "nn/dense.h"

namespace sbi::nn {

struct MlpOptions {
  int in = 0;                 // input features (may be 0: the output is then learned constants)
  int out = 0;                // output features
  int hidden = 64;            // width of the hidden layers
  int num_layers = 2;         // hidden layers (plain) or residual blocks (residual)
  Activation activation = Activation::kReLU;
  bool residual = false;
  Init hidden_init = Init::kPyTorch;
  Init output_init = Init::kPyTorch;  // kZero makes the network start at y = 0

  bool is_valid(std::string* error) const;
};

// The single-precision passes' copies: weights and biases rounded for this pass, and the
// float counterparts of MlpCache's members.
struct MlpSingleCache {
  std::vector<MatrixF> weight;
  std::vector<Eigen::VectorXf> bias;
  std::vector<MatrixF> input, pre;
  MatrixF output, grad_y, grad_h, grad_a, grad_pre, grad_x, grad_weight;
  Eigen::VectorXf grad_bias;
};

struct MlpCache {
  Precision precision = Precision::kFloat64;  // of the passes through this cache (above)
  std::vector<Matrix> input;  // input of each Dense layer, in forward order
  std::vector<Matrix> pre;    // pre-activations (plain: per hidden layer; residual: 2 per block)
  Matrix output;
  // backward scratch
  Matrix grad_h, grad_a, grad_pre;
  MlpSingleCache single;  // used with Precision::kFloat32 only
};

class Mlp {
 public:
  Mlp() = default;
  Mlp(const MlpOptions& options, core::Rng* rng);

  const MlpOptions& options() const { return options_; }

  // Returns y (stored in cache->output).
  const Matrix& forward(const Matrix& x, MlpCache* cache) const;

  // Adds dL/dparams into the gradient buffers (unless param_grads is false); writes dL/dx
  // into grad_x unless null. `cache` must hold the forward pass of the same x.
  void backward(MlpCache* cache, const Matrix& grad_y, Matrix* grad_x, bool param_grads = true);

  Parameters parameters();
  const std::vector<Dense>& layers() const { return layers_; }

 private:
  const Matrix& forward_single(const Matrix& x, MlpCache* cache) const;
  void backward_single(MlpCache* cache, const Matrix& grad_y, Matrix* grad_x, bool param_grads);
  // grad_x [+]= Wᵀ grad_y, gated by a ReLU's output `relu_output` when given.
  void dense_backward_single(size_t layer, const MatrixF& x, const MatrixF& grad_y,
                             MatrixF* grad_x, bool param_grads, MlpSingleCache* c,
                             const MatrixF* relu_output = nullptr, bool accumulate = false);

  MlpOptions options_;
  std::vector<Dense> layers_;
};

}  // namespace sbi::nn
