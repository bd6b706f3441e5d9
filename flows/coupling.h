// A conditional coupling layer (Dinh et al. 2017; Durkan et al. 2019, Sec. 3.2): for a
// partition of the dimensions into A (passed through) and B (transformed),
//
//   z_A = u_A,   z_B = g(u_B; net(u_A, c)),   log|det J| = sum_{i in B} log|g'(u_i)|,
//
// where g is an elementwise monotone map (Affine for RealNVP, RationalQuadraticSpline for
// NSF) and net a conditioner MLP giving its parameters. A and B are what the mask is in
// zuko's GeneralCouplingTransform. With A empty the layer is a conditional elementwise map
// with parameters net(c), which is how a 1-D parameter is transformed.
#pragma once

#include <vector>

#include "flows/elementwise.h"
#include "nn/float_mlp.h"
#include "nn/mlp.h"

namespace sbi::flows {

struct CouplingCache {
  Matrix net_input;  // [u_A; c]
  nn::MlpCache net;  // net.output holds the map's parameters, (P |B|) x N
  Matrix u_b;        // input of the transformed dimensions
  Matrix z_b;
  // backward scratch
  Matrix grad_z_b, grad_u_b, grad_net_out, grad_net_in;
};

// The single-precision passes' scratch (inference only).
struct FloatCouplingCache {
  nn::MatrixF net_input;  // [u_A; c] in float
  nn::FloatMlpWork net;
  Matrix params;          // the conditioner's output, widened to double for the map
  Matrix u_b, z_b;
};

class CouplingLayer {
 public:
  // identity: indices of A; transformed: indices of B (non-empty). `map` is borrowed and
  // must outlive the layer (the flow owns it and shares it between its layers).
  CouplingLayer(std::vector<int> identity, std::vector<int> transformed, int context_dim,
                nn::MlpOptions net_options, const ElementwiseMap* map, core::Rng* rng);

  // u -> z; adds log|det dz/du| into *log_det (1 x N). z may not alias u.
  void forward(const Matrix& u, const Matrix& context, Matrix* z, Matrix* log_det,
               CouplingCache* cache) const;

  // z -> u, the inverse of forward; adds log|det du/dz| into *log_det unless null.
  void inverse(const Matrix& z, const Matrix& context, Matrix* u, Matrix* log_det,
               CouplingCache* cache) const;

  // Back-propagates through the last forward: given dL/dz (modified in place into dL/du)
  // and dL/dlog_det (1 x N), adds dL/dc into *grad_context unless null, and dL/dweights
  // into the gradient buffers when param_grads.
  void backward(CouplingCache* cache, const Matrix& grad_log_det, Matrix* grad, Matrix* grad_context,
                bool param_grads);

  nn::Parameters parameters() { return net_.parameters(); }

  // The same passes with the conditioner in single precision (`net`: float_net() of this
  // layer; `context` already in float); the map and log|det| stay in double.
  nn::FloatMlp float_net() const { return nn::FloatMlp(net_); }
  void forward(const nn::FloatMlp& net, const Matrix& u, const nn::MatrixF& context, Matrix* z,
               Matrix* log_det, FloatCouplingCache* cache) const;
  void inverse(const nn::FloatMlp& net, const Matrix& z, const nn::MatrixF& context, Matrix* u,
               Matrix* log_det, FloatCouplingCache* cache) const;

 private:
  // net([u_A; c]) into cache->net.output.
  void conditioner(const Matrix& u, const Matrix& context, CouplingCache* cache) const;
  // The same in single precision, widened into cache->params.
  void conditioner(const nn::FloatMlp& net, const Matrix& u, const nn::MatrixF& context,
                   FloatCouplingCache* cache) const;
  // Both precisions' map step: out = in with its B rows mapped by the map (forward, or its
  // inverse) with `params`; in_b and out_b are those rows (kept for backward).
  void apply_map(bool inverse, const Matrix& params, const Matrix& in, Matrix* out, Matrix* log_det,
                 Matrix* in_b, Matrix* out_b) const;

  std::vector<int> identity_, transformed_;
  int context_dim_;
  const ElementwiseMap* map_;  // borrowed
  nn::Mlp net_;
};

}  // namespace sbi::flows
