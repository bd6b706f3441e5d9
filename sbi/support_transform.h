// A smooth bijection between the support of a product prior and R^D, parameter by parameter,
// for optimisers that work unconstrained (MAP, map.h):
//   uniform(a, b), and loguniform and truncnormal on their [a, b]:
//                   theta = a + (b - a) s(u),  s = logistic,  u = logit((theta - a)/(b - a)),
//                   dtheta/du = (b - a) s(u) s(-u)
//   lognormal:      theta = exp(u),  u = log(theta),  dtheta/du = theta
//   normal:         theta = u
// (the transforms of Stan's constrained parameters; Stan Reference Manual, "Constraint
// transforms", lower/upper bounded and lower bounded scalars). The Jacobian is diagonal.
#pragma once

#include <vector>

#include <Eigen/Core>

#include "core/prior.h"

namespace sbi {

class SupportTransform {
 public:
  explicit SupportTransform(const core::Prior& prior);
  // No constraint on any of dim parameters.
  static SupportTransform identity(int dim);

  int dim() const { return static_cast<int>(kinds_.size()); }
  Eigen::VectorXd to_theta(const Eigen::VectorXd& u) const;
  // theta inside the support; points on (or beyond) a bound are first moved inside by
  // 1e-9 of the interval (uniform) or to 1e-300 (lognormal), where the inverse is finite.
  Eigen::VectorXd to_unconstrained(const Eigen::VectorXd& theta) const;
  // Diagonal of d theta / d u at u.
  Eigen::VectorXd jacobian_diagonal(const Eigen::VectorXd& u) const;

  // The same for the columns of D x N matrices (the density coordinates of a posterior model
  // with unbounded theta, sbi/posterior_model.h).
  Eigen::MatrixXd to_theta_columns(const Eigen::MatrixXd& u) const;
  Eigen::MatrixXd to_unconstrained_columns(const Eigen::MatrixXd& theta) const;
  // log |det d theta / d u| = sum_d log(d theta_d / d u_d) at each column of u, computed from u
  // alone, so it stays finite where theta rounds onto a bound:
  //   uniform etc.: log(b - a) - softplus(-u) - softplus(u);  lognormal: u;  normal: 0.
  Eigen::VectorXd log_abs_det_jacobian(const Eigen::MatrixXd& u) const;
  // The gradient in theta of log |det d u / d theta| at each column of theta (inside the support):
  //   uniform etc.: (2p - 1) / ((b - a) p (1 - p)), p = (theta - a) / (b - a);
  //   lognormal: -1 / theta;  normal: 0.
  Eigen::MatrixXd log_abs_det_inverse_gradient(const Eigen::MatrixXd& theta) const;

 private:
  SupportTransform() = default;
  std::vector<core::Marginal::Kind> kinds_;
  std::vector<double> low_, high_;
};

}  // namespace sbi
