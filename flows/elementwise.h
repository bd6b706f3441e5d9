// A conditioned elementwise monotone map z_i = g(u_i; p_i), the part in which coupling
// flows differ (zuko's `univariate` transforms): RealNVP uses an affine map, NSF a
// rational-quadratic spline. A map is stateless math: it owns no weights; its P
// unconstrained parameters per dimension come from the conditioner network.
//
// Layout: for n transformed dimensions and N samples, params is (P n) x N with parameter p
// of dimension i in row p * n + i (block p = rows [p n, (p + 1) n)). For every map here,
// params = 0 is the identity, so a flow whose conditioners output 0 starts as the identity.
#pragma once

#include <string>

#include "nn/matrix.h"

namespace sbi::flows {

using nn::Matrix;

class ElementwiseMap {
 public:
  virtual ~ElementwiseMap() = default;

  virtual std::string name() const = 0;

  // P, the unconstrained parameters per transformed dimension.
  virtual int num_params() const = 0;

  // u -> z (both n x N); adds sum_i log|dz_i/du_i| of each column into *log_det (1 x N).
  // z may not alias u.
  virtual void forward(const Matrix& params, const Matrix& u, Matrix* z, Matrix* log_det) const = 0;

  // z -> u, the inverse of forward; adds sum_i log|du_i/dz_i| into *log_det unless null.
  // u may not alias z.
  virtual void inverse(const Matrix& params, const Matrix& z, Matrix* u, Matrix* log_det) const = 0;

  // Reverse mode through forward(params, u): given dL/dz (n x N) and dL/dlog_det (1 x N),
  // writes dL/du (n x N) into *grad_u and dL/dparams ((P n) x N) into *grad_params.
  // Recomputes what it needs from (params, u), so no cache is kept between the passes.
  virtual void backward(const Matrix& params, const Matrix& u, const Matrix& grad_z,
                        const Matrix& grad_log_det, Matrix* grad_u, Matrix* grad_params) const = 0;
};

}  // namespace sbi::flows
