// The balancing term of balanced NPE (Delaunoy, Miller, Weniger, Louppe et al. 2023,
// "Balancing simulation-based inference for conservative posteriors", arXiv:2304.10978;
// after balanced NRE, Delaunoy et al. 2022, arXiv:2208.13624). A posterior estimate q implies
// the classifier d(θ, x) = σ(log q(θ | x) - log p(θ)) between joint pairs (θ, x) ~ p(θ, x) and
// marginal ones ~ p(θ) p(x); it is balanced when
//
//   E_{p(θ, x)} d(θ, x) + E_{p(θ) p(x)} d(θ, x) = 1.
//
// The true posterior is balanced (d is then the Bayes-optimal classifier), so adding
// λ (that sum - 1)² to the NPE loss leaves its minimiser where it was; a network that is
// overconfident puts too little density on some of its own training θ, which lowers the
// first expectation below its balanced value, and the term pushes it wider. Estimated on a
// batch of n pairs (θ_i, x_i): the joint pairs themselves and the marginal pairs
// (θ_{i-1}, x_i), the batch's θ rolled by one, as in the paper's implementation.
#pragma once

#include <Eigen/Core>

namespace sbi {

struct BalanceTerm {
  double sum = 0;      // the batch estimate of E_joint d + E_marginal d (1 when balanced)
  double penalty = 0;  // weight · (sum - 1)²
};

// `joint` and `marginal` hold log q(θ | x) - log p(θ) of the joint and the marginal pairs
// (n each, n >= 1; log p in the coordinates of q, so that the ratio is a density ratio).
// Unless null, *grad gets d penalty / d log q of each pair, joint pairs first (2n entries).
BalanceTerm balance_term(const Eigen::VectorXd& joint, const Eigen::VectorXd& marginal, double weight,
                         Eigen::VectorXd* grad = nullptr);

}  // namespace sbi
