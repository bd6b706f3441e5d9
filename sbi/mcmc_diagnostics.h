// Convergence diagnostics of Markov chains of one scalar quantity (Vehtari, Gelman, Simpson,
// Carpenter & Bürkner 2021, "Rank-normalization, folding, and localization: an improved R̂",
// the definitions Stan and ArviZ use):
//
//   split_rhat      chains split in halves; R̂ = sqrt(var⁺ / W), var⁺ = (n-1)/n W + B/n with W
//                   the mean within-chain variance and B/n the variance of the chain means
//                   (BDA3 eq. 11.3-11.4).
//   rank_rhat       the paper's R̂: the larger of split_rhat of the rank-normalised draws
//                   (bulk) and of the rank-normalised distances to the median (tails).
//   ess             effective sample size (bulk ESS on rank-normalised split chains when
//                   `rank_normalized`): m n / τ, τ = -1 + 2 Σ_k P_k over Geyer's initial
//                   positive and monotone sequence P_k = ρ_2k + ρ_2k+1 of the combined
//                   autocorrelations ρ_t = 1 - (W - mean_j s_j² ρ_t,j) / var⁺ (Stan manual,
//                   "Effective sample size"). Capped at m n log10(m n) as Stan does.
//
// Every chain is a vector of draws; all chains have the same length, at least 4.
#pragma once

#include <Eigen/Core>
#include <vector>

namespace sbi {

double split_rhat(const std::vector<Eigen::VectorXd>& chains);
double rank_rhat(const std::vector<Eigen::VectorXd>& chains);
double ess(const std::vector<Eigen::VectorXd>& chains, bool rank_normalized = true);

// The draws of all chains replaced by their normal scores Φ⁻¹((r - 3/8) / (S + 1/4)), r the
// average rank among all S draws (ties share it).
std::vector<Eigen::VectorXd> rank_normalize(const std::vector<Eigen::VectorXd>& chains);

}  // namespace sbi
