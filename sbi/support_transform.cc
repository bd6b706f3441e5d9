#include "sbi/support_transform.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace sbi {
namespace {

double logistic(double u) { return u >= 0 ? 1 / (1 + std::exp(-u)) : std::exp(u) / (1 + std::exp(u)); }

// log(1 + e^v) without overflow.
double softplus(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

bool is_interval(core::Marginal::Kind kind) {
  return kind == core::Marginal::Kind::kUniform || kind == core::Marginal::Kind::kLogUniform ||
         kind == core::Marginal::Kind::kTruncNormal;
}

}  // namespace

SupportTransform::SupportTransform(const core::Prior& prior) {
  const Eigen::VectorXd low = prior.lower(), high = prior.upper();
  for (int d = 0; d < prior.dim(); ++d) {
    kinds_.push_back(prior.marginals()[d].kind);
    low_.push_back(low[d]);
    high_.push_back(high[d]);
  }
}

SupportTransform SupportTransform::identity(int dim) {
  SupportTransform t;
  t.kinds_.assign(dim, core::Marginal::Kind::kNormal);
  t.low_.assign(dim, 0.0);
  t.high_.assign(dim, 1.0);
  return t;
}

Eigen::VectorXd SupportTransform::to_theta(const Eigen::VectorXd& u) const {
  core::check(u.size() == dim(), "SupportTransform::to_theta: wrong dimension");
  Eigen::VectorXd theta(u.size());
  for (int d = 0; d < dim(); ++d) {
    switch (kinds_[d]) {
      case core::Marginal::Kind::kUniform:
      case core::Marginal::Kind::kLogUniform:
      case core::Marginal::Kind::kTruncNormal:
        theta[d] = std::clamp(low_[d] + (high_[d] - low_[d]) * logistic(u[d]), low_[d], high_[d]);
        break;
      case core::Marginal::Kind::kLogNormal: theta[d] = std::exp(u[d]); break;
      case core::Marginal::Kind::kNormal: theta[d] = u[d]; break;
    }
  }
  return theta;
}

Eigen::VectorXd SupportTransform::to_unconstrained(const Eigen::VectorXd& theta) const {
  core::check(theta.size() == dim(), "SupportTransform::to_unconstrained: wrong dimension");
  Eigen::VectorXd u(theta.size());
  for (int d = 0; d < dim(); ++d) {
    switch (kinds_[d]) {
      case core::Marginal::Kind::kUniform:
      case core::Marginal::Kind::kLogUniform:
      case core::Marginal::Kind::kTruncNormal: {
        const double p = std::clamp((theta[d] - low_[d]) / (high_[d] - low_[d]), 1e-9, 1 - 1e-9);
        u[d] = std::log(p) - std::log1p(-p);
        break;
      }
      case core::Marginal::Kind::kLogNormal: u[d] = std::log(std::max(theta[d], 1e-300)); break;
      case core::Marginal::Kind::kNormal: u[d] = theta[d]; break;
    }
  }
  return u;
}

Eigen::VectorXd SupportTransform::jacobian_diagonal(const Eigen::VectorXd& u) const {
  core::check(u.size() == dim(), "SupportTransform::jacobian_diagonal: wrong dimension");
  Eigen::VectorXd j(u.size());
  for (int d = 0; d < dim(); ++d) {
    switch (kinds_[d]) {
      case core::Marginal::Kind::kUniform:
      case core::Marginal::Kind::kLogUniform:
      case core::Marginal::Kind::kTruncNormal:
        j[d] = (high_[d] - low_[d]) * logistic(u[d]) * logistic(-u[d]);
        break;
      case core::Marginal::Kind::kLogNormal: j[d] = std::exp(u[d]); break;
      case core::Marginal::Kind::kNormal: j[d] = 1.0; break;
    }
  }
  return j;
}

Eigen::MatrixXd SupportTransform::to_theta_columns(const Eigen::MatrixXd& u) const {
  Eigen::MatrixXd theta(u.rows(), u.cols());
  for (Eigen::Index j = 0; j < u.cols(); ++j) theta.col(j) = to_theta(u.col(j));
  return theta;
}

Eigen::MatrixXd SupportTransform::to_unconstrained_columns(const Eigen::MatrixXd& theta) const {
  Eigen::MatrixXd u(theta.rows(), theta.cols());
  for (Eigen::Index j = 0; j < theta.cols(); ++j) u.col(j) = to_unconstrained(theta.col(j));
  return u;
}

Eigen::VectorXd SupportTransform::log_abs_det_jacobian(const Eigen::MatrixXd& u) const {
  core::check(u.rows() == dim(), "SupportTransform::log_abs_det_jacobian: wrong dimension");
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(u.cols());
  for (Eigen::Index j = 0; j < u.cols(); ++j)
    for (int d = 0; d < dim(); ++d) {
      const double v = u(d, j);
      if (is_interval(kinds_[d]))
        sum[j] += std::log(high_[d] - low_[d]) - softplus(-v) - softplus(v);
      else if (kinds_[d] == core::Marginal::Kind::kLogNormal)
        sum[j] += v;
    }
  return sum;
}

Eigen::MatrixXd SupportTransform::log_abs_det_inverse_gradient(const Eigen::MatrixXd& theta) const {
  core::check(theta.rows() == dim(), "SupportTransform::log_abs_det_inverse_gradient: wrong dimension");
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(theta.rows(), theta.cols());
  for (Eigen::Index j = 0; j < theta.cols(); ++j)
    for (int d = 0; d < dim(); ++d) {
      if (is_interval(kinds_[d])) {
        const double width = high_[d] - low_[d];
        const double p = std::clamp((theta(d, j) - low_[d]) / width, 1e-9, 1 - 1e-9);
        g(d, j) = (2 * p - 1) / (width * p * (1 - p));
      } else if (kinds_[d] == core::Marginal::Kind::kLogNormal) {
        g(d, j) = -1 / std::max(theta(d, j), 1e-300);
      }
    }
  return g;
}

}  // namespace sbi
