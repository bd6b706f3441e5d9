#include "sbi/balance_term.h"

#include <cmath>

#include "core/error.h"

namespace sbi {
namespace {

// σ(z) without overflow for large |z| (z may be ±Inf: a θ outside q's or p's support).
double sigmoid(double z) {
  if (z >= 0) return 1 / (1 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1 + e);
}

}  // namespace

BalanceTerm balance_term(const Eigen::VectorXd& joint, const Eigen::VectorXd& marginal, double weight,
                         Eigen::VectorXd* grad) {
  const Eigen::Index n = joint.size();
  core::check(n >= 1 && marginal.size() == n, "balance_term: needs as many joint as marginal pairs, at least one");
  Eigen::VectorXd d(2 * n);
  for (Eigen::Index i = 0; i < n; ++i) {
    d[i] = sigmoid(joint[i]);
    d[n + i] = sigmoid(marginal[i]);
  }
  BalanceTerm t;
  t.sum = d.sum() / static_cast<double>(n);  // mean over the joint pairs + mean over the marginal ones
  t.penalty = weight * (t.sum - 1) * (t.sum - 1);
  if (grad != nullptr) {
    // d penalty / d z_k = 2 λ (sum - 1) σ'(z_k) / n, with σ' = σ (1 - σ).
    const double scale = 2 * weight * (t.sum - 1) / static_cast<double>(n);
    *grad = scale * (d.array() * (1 - d.array())).matrix();
  }
  return t;
}

}  // namespace sbi
