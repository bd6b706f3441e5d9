// The neural vector field v(t, θ; c) of a continuous normalizing flow (Chen et al. 2018):
// Fourier features of t concatenated with θ and the context, through a residual MLP
// (the residual network of nflows / nn::Mlp, with pre-activation blocks):
//
//   x = [γ(t); θ; c],  γ(t) = [t, sin(ω_k t), cos(ω_k t)]_{k<K}  (Fourier features,
//       Tancik et al. 2020) with dyadic ω_k = 2^k π, or Gaussian ω_k = 2π w_k, w_k ~ N(0, s^2)
//       drawn once from the initialisation stream (Song et al. 2021, the "Gaussian Fourier
//       projection" of their score networks; rebuilt from the seed when a model is loaded)
//   h_0 = W_0 x + b_0,  h_{b+1} = h_b + W''_b act(W'_b act(h_b) + b'_b) + b''_b,  v = W_L h_B + b_L
//
// Besides forward and the reverse pass for the parameters, θ and the context, it gives the
// derivatives the log-density needs (d log p / dt = -tr ∂v/∂θ, Chen et al. 2018, Thm. 1):
// the Jacobian ∂v/∂θ by forward mode (D tangent passes run as one batch, each about the
// cost of one forward pass), its trace, a Jacobian-vector and a vector-Jacobian product
// (one pass each: Hutchinson's estimator). The activation should be smooth (SiLU, tanh,
// ELU is C^1): the trace, and so the log-density ODE, differentiate through it.
//
// forward() is const and keeps what the other passes need in a caller-owned cache, so one
// field runs on several threads at once, each with its own cache.
#pragma once

#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/activation.h"
#include "nn/matrix.h"
#include "nn/parameter.h"

namespace sbi::flows {

using nn::Matrix;
using nn::RowVector;

enum class TimeEmbedding { kDyadic, kGaussian };

// "dyadic", "gaussian" <-> enum; parse throws core::Error.
TimeEmbedding parse_time_embedding(const std::string& name);
std::string time_embedding_name(TimeEmbedding embedding);
std::vector<std::string> time_embedding_names();

struct VectorFieldOptions {
  int theta_dim = 0;
  int context_dim = 0;
  int hidden = 64;        // width of the residual stream
  int num_blocks = 2;     // residual blocks
  int num_frequencies = 3;  // K: Fourier features of t (γ has 1 + 2K entries)
  TimeEmbedding time_embedding = TimeEmbedding::kDyadic;
  double fourier_scale = 1.0;  // s of the Gaussian frequencies
  nn::Activation activation = nn::Activation::kSiLU;

  bool is_valid(std::string* error) const;
  int time_features() const { return 1 + 2 * num_frequencies; }
};

struct VectorFieldCache {
  Matrix input;               // [γ(t); θ; c]
  std::vector<Matrix> h;      // h[b]: input of block b; h[num_blocks]: input of the output layer
  std::vector<Matrix> a1, p, a2;  // per block: act(h_b), its first Dense output, act(p_b)
  Matrix output;              // v
  // act'(h_b), act'(p_b): filled by the derivative passes on first use after a forward.
  std::vector<Matrix> dh, dp;
  bool have_derivatives = false;
};

class VectorField {
 public:
  VectorField() = default;
  VectorField(const VectorFieldOptions& options, core::Rng* rng);

  const VectorFieldOptions& options() const { return options_; }

  // v (theta_dim x N) at times t (1 x N), kept in cache->output.
  const Matrix& forward(const RowVector& t, const Matrix& theta, const Matrix& context,
                        VectorFieldCache* cache) const;

  // Given dL/dv: adds dL/dparams into the gradient buffers (unless param_grads is false) and
  // writes dL/dθ and dL/dc unless null. `cache` holds the forward pass of the same inputs.
  void backward(VectorFieldCache* cache, const Matrix& grad_v, Matrix* grad_theta,
                Matrix* grad_context, bool param_grads = true);

  // (∂v/∂θ) u per column (theta_dim x N): one forward-mode tangent pass.
  Matrix jvp(VectorFieldCache* cache, const Matrix& u) const;
  // u^T (∂v/∂θ) per column, as a theta_dim x N matrix: one reverse pass.
  Matrix vjp(VectorFieldCache* cache, const Matrix& u) const;
  // ∂v/∂θ for every column: theta_dim x (theta_dim N), block i (columns i N .. i N + N - 1)
  // holds ∂v/∂θ_i. D tangent passes, batched into one pass over D N columns.
  Matrix jacobian(VectorFieldCache* cache) const;
  // tr ∂v/∂θ per column (1 x N), exactly, from jacobian().
  RowVector divergence(VectorFieldCache* cache) const;

  nn::Parameters parameters();

 private:
  void ensure_derivatives(VectorFieldCache* c) const;
  // Pushes tangents of h_0 (hidden x (K N), K blocks of N columns) through the blocks and
  // the output layer; returns the tangents of v (theta_dim x (K N)).
  Matrix propagate_tangents(VectorFieldCache* c, Matrix tangent) const;
  // Reverse sweep from dL/dv down to dL/dh_0 (returned); adds the parameter gradients into
  // grad_weight / grad_bias unless null.
  Matrix reverse(VectorFieldCache* c, const Matrix& grad_v, std::vector<Matrix>* grad_weight,
                 std::vector<Matrix>* grad_bias) const;

  VectorFieldOptions options_;
  std::vector<double> omega_;  // the angular frequencies of γ(t)
  // Layer 0 the input layer, 1 + 2b and 2 + 2b block b, the last the output layer.
  std::vector<Matrix> weight_, bias_;            // out x in, out x 1
  std::vector<Matrix> grad_weight_, grad_bias_;  // same shapes
};

}  // namespace sbi::flows
