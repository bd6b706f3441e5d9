#include "flows/affine.h"

#include "core/error.h"

namespace sbi::flows {

Affine::Affine(double log_scale_clamp) : clamp_(log_scale_clamp) {
  core::check(clamp_ > 0, "Affine: log_scale_clamp must be > 0");
}

void Affine::forward(const Matrix& params, const Matrix& u, Matrix* z, Matrix* log_det) const {
  const Eigen::Index n = u.rows();
  const Matrix s = (clamp_ * (params.topRows(n).array() / clamp_).tanh()).matrix();
  *z = (u.array() * s.array().exp() + params.middleRows(n, n).array()).matrix();
  *log_det += s.colwise().sum();
}

void Affine::inverse(const Matrix& params, const Matrix& z, Matrix* u, Matrix* log_det) const {
  const Eigen::Index n = z.rows();
  const Matrix s = (clamp_ * (params.topRows(n).array() / clamp_).tanh()).matrix();
  *u = ((z.array() - params.middleRows(n, n).array()) / s.array().exp()).matrix();
  if (log_det != nullptr) *log_det -= s.colwise().sum();  // the inverse scales by e^-s
}

void Affine::backward(const Matrix& params, const Matrix& u, const Matrix& grad_z,
                      const Matrix& grad_log_det, Matrix* grad_u, Matrix* grad_params) const {
  const Eigen::Index n = u.rows();
  const Eigen::ArrayXXd tanh_s = (params.topRows(n).array() / clamp_).tanh();
  const Eigen::ArrayXXd exp_s = (clamp_ * tanh_s).exp();
  // dL/dt = g_z; dL/ds = g_z u e^s + g_logdet; ds/ds_raw = 1 - tanh^2(s_raw / k).
  grad_params->resize(2 * n, u.cols());
  grad_params->topRows(n).array() =
      (grad_z.array() * u.array() * exp_s + grad_log_det.replicate(n, 1).array()) *
      (1.0 - tanh_s.square());
  grad_params->bottomRows(n) = grad_z;
  *grad_u = (grad_z.array() * exp_s).matrix();
}

}  // namespace sbi::flows
