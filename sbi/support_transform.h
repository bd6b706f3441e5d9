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

 private:
  SupportTransform() = default;
  std::vector<core::Marginal::Kind> kinds_;
  std::vector<double> low_, high_;
};

}  // namespace sbi
