#include "vae/likelihood.h"

#include <cmath>
#include <cstdio>

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::vae {

namespace {
constexpr double kHalfLog2Pi = 0.91893853320467274178;
const core::EnumNames<LikelihoodKind>& names() {
  static const core::EnumNames<LikelihoodKind> n("likelihood", {"gaussian", "bernoulli"});
  return n;
}
// log(1 + e^y) without overflow.
double softplus(double y) { return y > 0 ? y + std::log1p(std::exp(-y)) : std::log1p(std::exp(y)); }
}  // namespace

LikelihoodKind parse_likelihood(const std::string& name) { return names().parse(name); }
std::string likelihood_name(LikelihoodKind kind) { return names().name(kind); }
std::vector<std::string> likelihood_names() { return names().names(); }

Likelihood::Likelihood(LikelihoodKind kind, double sigma, bool learn_sigma)
    : kind_(kind), learn_sigma_(kind == LikelihoodKind::kGaussian && learn_sigma) {
  if (kind == LikelihoodKind::kGaussian) {
    char value[32];
    std::snprintf(value, sizeof value, "%g", sigma);
    core::check(std::isfinite(sigma) && sigma > 0,
                std::string("the Gaussian likelihood's sigma = ") + value + " must be finite and > 0");
    log_sigma_(0, 0) = std::log(sigma);
  }
}

double Likelihood::sigma() const { return std::exp(log_sigma_(0, 0)); }

nn::RowVector Likelihood::log_prob(const nn::Matrix& x, const nn::Matrix& y) const {
  if (kind_ == LikelihoodKind::kBernoulli)
    return (x.array() * y.array() - y.unaryExpr([](double v) { return softplus(v); }).array())
        .colwise()
        .sum()
        .matrix();
  const double log_sigma = log_sigma_(0, 0), inv = std::exp(-log_sigma);
  const double d = static_cast<double>(x.rows());
  return (-0.5 * ((x - y) * inv).array().square()).colwise().sum().matrix().array() -
         d * (log_sigma + kHalfLog2Pi);
}

void Likelihood::backward(const nn::Matrix& x, const nn::Matrix& y, double weight, nn::Matrix* grad_y) {
  if (kind_ == LikelihoodKind::kBernoulli) {
    *grad_y = weight * (x.array() - 1.0 / (1.0 + (-y.array()).exp())).matrix();
    return;
  }
  const double inv_var = std::exp(-2 * log_sigma_(0, 0));
  *grad_y = (weight * inv_var) * (x - y);
  if (learn_sigma_) {
    const double sum_sq = (x - y).squaredNorm() * inv_var;
    grad_log_sigma_(0, 0) += weight * (sum_sq - static_cast<double>(x.size()));
  }
}

nn::Parameters Likelihood::parameters() {
  if (!learn_sigma_) return {};
  return {{"log_sigma", &log_sigma_, &grad_log_sigma_}};
}

void Likelihood::check_data(const nn::Matrix& x, const std::string& what) const {
  core::check(x.allFinite(), what + " holds NaN or Inf");
  if (kind_ != LikelihoodKind::kBernoulli) return;
  Eigen::Index row = 0, col = 0;
  if (x.minCoeff(&row, &col) < 0 || x.maxCoeff(&row, &col) > 1) {
    char value[32];
    std::snprintf(value, sizeof value, "%g", x(row, col));
    throw core::Error(what + " has " + value + " (sample " + std::to_string(col) + ", pixel " +
                      std::to_string(row) +
                      "): the Bernoulli likelihood needs values in [0, 1]; use --likelihood gaussian");
  }
}

}  // namespace sbi::vae
