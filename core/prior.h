// Priors over parameters θ: a product of independent 1-D marginals,
//   p(θ) = ∏_j p_j(θ_j),
// each Uniform(low, high), Normal(mean, std) or LogNormal(mu, sigma) (log θ_j ~ N(mu, sigma²)).
// Densities are exact and normalised. Priors are written and read as a one-line spec,
//   uniform(-1,1)*2, normal(0,0.5), lognormal(0,1)
// (`*K` repeats a marginal K times); parse(to_string()) reproduces the prior exactly.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "core/rng.h"

namespace sbi::core {

// One 1-D marginal. The meaning of (a, b) depends on the kind:
//   kUniform:   a = low,  b = high  (low < high), support [low, high]
//   kNormal:    a = mean, b = std   (std > 0),    support (-inf, inf)
//   kLogNormal: a = mu,   b = sigma (sigma > 0) of log θ, support (0, inf)
struct Marginal {
  enum class Kind { kUniform, kNormal, kLogNormal };
  Kind kind = Kind::kUniform;
  double a = 0.0;
  double b = 1.0;

  static Marginal uniform(double low, double high) { return {Kind::kUniform, low, high}; }
  static Marginal normal(double mean, double std) { return {Kind::kNormal, mean, std}; }
  static Marginal lognormal(double mu, double sigma) { return {Kind::kLogNormal, mu, sigma}; }

  bool operator==(const Marginal& o) const { return kind == o.kind && a == o.a && b == o.b; }
  bool operator!=(const Marginal& o) const { return !(*this == o); }
};

class Prior {
 public:
  // Throws Error if `marginals` is empty or any marginal has non-finite or invalid parameters.
  explicit Prior(std::vector<Marginal> marginals);

  // U(low_j, high_j) for each j; low and high must have the same size.
  static Prior box_uniform(const Eigen::VectorXd& low, const Eigen::VectorXd& high);
  // N(mean_j, std_j²) for each j; mean and std must have the same size.
  static Prior normal(const Eigen::VectorXd& mean, const Eigen::VectorXd& std);
  // Reads the spec syntax described at the top of this file; throws Error naming the bad token.
  static Prior parse(const std::string& spec);

  int dim() const { return static_cast<int>(marginals_.size()); }
  const std::vector<Marginal>& marginals() const { return marginals_; }

  // log p(θ); -inf outside the support. θ must have dim() entries and contain no NaN.
  double log_prob(const Eigen::Ref<const Eigen::VectorXd>& theta) const;
  // log p(θ_i) for every column θ_i of a dim() x N matrix.
  Eigen::VectorXd log_prob_batch(const Eigen::MatrixXd& theta_cols) const;
  // True when every θ_j is finite and inside marginal j's support.
  bool in_support(const Eigen::Ref<const Eigen::VectorXd>& theta) const;

  // One draw written into `out` (dim() entries); draws from `rng` (borrowed) only.
  void sample(Rng* rng, Eigen::Ref<Eigen::VectorXd> out) const;
  // n draws as a dim() x n matrix, column by column from the same `rng`.
  Eigen::MatrixXd sample(int n, Rng* rng) const;

  // Support bounds: Uniform [low, high], Normal (-inf, inf), LogNormal (0, inf).
  Eigen::VectorXd lower() const;
  Eigen::VectorXd upper() const;

  // The spec, with runs of identical marginals written as `*K` and doubles as %.17g.
  std::string to_string() const;

 private:
  std::vector<Marginal> marginals_;
};

}  // namespace sbi::core
