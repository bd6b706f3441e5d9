// A fully connected layer y = W x + b on a batch (one sample per column).
// Owns its weights and gradient buffers; forward is const (thread-safe), backward adds
// into the gradient buffers.
#pragma once

#include "core/rng.h"
#include "nn/matrix.h"
#include "nn/parameter.h"

namespace sbi::nn {

enum class Init {
  kPyTorch,       // W, b ~ U(-1/sqrt(in), 1/sqrt(in)), PyTorch's nn.Linear default
  kGlorotUniform, // W ~ U(-sqrt(6/(in+out)), +), b = 0 (Glorot & Bengio 2010)
  kHeNormal,      // W ~ N(0, 2/in), b = 0 (He et al. 2015), for ReLU networks
  kZero,          // W = 0, b = 0: makes a residual branch or a flow layer start as identity
};

class Dense {
 public:
  Dense() = default;
  Dense(int in, int out);

  int in() const { return static_cast<int>(weight_.cols()); }
  int out() const { return static_cast<int>(weight_.rows()); }

  void initialize(Init init, core::Rng* rng);

  // y = W x + b.
  void forward(const Matrix& x, Matrix* y) const;

  // Given x (the forward input) and dL/dy: adds dL/dW, dL/db into the gradient buffers
  // (unless param_grads is false) and, if grad_x is not null, writes dL/dx.
  void backward(const Matrix& x, const Matrix& grad_y, Matrix* grad_x, bool param_grads = true);

  // Adds gradients computed in single precision (Mlp's float32 passes) into the buffers.
  void add_gradients(const MatrixF& grad_weight, const Eigen::VectorXf& grad_bias);

  Parameters parameters();

  Matrix& weight() { return weight_; }
  Matrix& bias() { return bias_; }
  const Matrix& weight() const { return weight_; }
  const Matrix& bias() const { return bias_; }

 private:
  Matrix weight_, bias_;            // out x in, out x 1
  Matrix grad_weight_, grad_bias_;  // same shapes
};

}  // namespace sbi::nn
