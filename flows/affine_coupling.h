// A conditional affine coupling layer (Dinh et al. 2017, RealNVP):
//
//   z_A = u_A,   z_B = u_B * exp(s) + t,   (s, t) = net(u_A, c),   log|det J| = sum(s)
//
// where A and B partition the dimensions. s is soft-clamped, s = k tanh(s_raw / k), so a
// layer can never scale by more than exp(±k) (the guard zuko and nflows use in other
// forms). With A empty the layer is a conditional elementwise affine map (s, t) = net(c),
// which is how a 1-D parameter is transformed.
#pragma once

#include <vector>

#include "nn/mlp.h"

namespace sbi::flows {

using nn::Matrix;

struct CouplingCache {
  Matrix net_input;  // [u_A; c]
  nn::MlpCache net;
  Matrix s;          // clamped log-scales, |B| x N
  Matrix exp_s;
  Matrix u_b;        // input of the transformed dimensions
  // backward scratch
  Matrix grad_net_out, grad_net_in;
};

class AffineCoupling {
 public:
  // identity: indices of A (passed through); transformed: indices of B (non-empty).
  AffineCoupling(std::vector<int> identity, std::vector<int> transformed, int context_dim,
                 nn::MlpOptions net_options, double log_scale_clamp, core::Rng* rng);

  // u -> z; adds log|det J| into *log_det (1 x N). z may not alias u.
  void forward(const Matrix& u, const Matrix& context, Matrix* z, Matrix* log_det,
               CouplingCache* cache) const;

  // z -> u, the exact inverse of forward.
  void inverse(const Matrix& z, const Matrix& context, Matrix* u, CouplingCache* cache) const;

  // Back-propagates through the last forward: given dL/dz (modified in place into dL/du)
  // and dL/dlog_det (1 x N), adds dL/dc into *grad_context unless null.
  void backward(CouplingCache* cache, const Matrix& grad_log_det, Matrix* grad, Matrix* grad_context,
                bool param_grads);

  nn::Parameters parameters() { return net_.parameters(); }

 private:
  void conditioner(const Matrix& u, const Matrix& context, CouplingCache* cache) const;

  std::vector<int> identity_, transformed_;
  int context_dim_;
  double clamp_;
  nn::Mlp net_;
};

}  // namespace sbi::flows
