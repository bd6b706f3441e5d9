// The elementwise affine map of RealNVP's coupling layers (Dinh et al. 2017):
//
//   z = u exp(s) + t,   log|dz/du| = s,   s = k tanh(s_raw / k),
//
// with P = 2 parameters per dimension, (s_raw, t) in blocks 0 and 1. The soft clamp k
// (log_scale_clamp) keeps every layer from scaling by more than exp(±k), the guard zuko
// (MonotonicAffineTransform's `slope`) and nflows apply in other forms.
#pragma once

#include "flows/elementwise.h"

namespace sbi::flows {

class Affine : public ElementwiseMap {
 public:
  explicit Affine(double log_scale_clamp);

  std::string name() const override { return "affine"; }
  int num_params() const override { return 2; }
  double log_scale_clamp() const { return clamp_; }

  void forward(const Matrix& params, const Matrix& u, Matrix* z, Matrix* log_det) const override;
  void inverse(const Matrix& params, const Matrix& z, Matrix* u, Matrix* log_det) const override;
  void backward(const Matrix& params, const Matrix& u, const Matrix& grad_z,
                const Matrix& grad_log_det, Matrix* grad_u, Matrix* grad_params) const override;

 private:
  double clamp_;
};

}  // namespace sbi::flows
