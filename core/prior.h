// Priors over parameters θ: a product of independent 1-D marginals,
//   p(θ) = ∏_j p_j(θ_j),
// each Uniform(low, high), Normal(mean, std), LogNormal(mu, sigma) (log θ_j ~ N(mu, sigma²)),
// LogUniform(low, high) (log θ_j uniform on [log low, log high]) or TruncNormal(mean, std, low,
// high) (N(mean, std²) restricted to [low, high]). Densities are exact and normalised. Priors
// are written and read as a one-line spec,
//   uniform(-1,1)*2, normal(0,0.5), lognormal(0,1), loguniform(0.1,10), truncnormal(0,1,-1,2)
// (`*K` repeats a marginal K times); parse(to_string()) reproduces the prior exactly.
// core/prior_file.h reads the same priors from a TOML file.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "core/rng.h"

namespace sbi::core {

// One 1-D marginal. The meaning of (a, b, c, d) depends on the kind:
//   kUniform:     a = low,  b = high  (low < high), support [low, high]
//   kNormal:      a = mean, b = std   (std > 0),    support (-inf, inf)
//   kLogNormal:   a = mu,   b = sigma (sigma > 0) of log θ, support (0, inf)
//   kLogUniform:  a = low,  b = high  (0 < low < high), support [low, high]
//   kTruncNormal: a = mean, b = std (std > 0), c = low, d = high (low < high), support
//                 [low, high], which must hold at least 1e-12 of the normal's mass
// c and d are 0 for the kinds with two numbers.
struct Marginal {
  enum class Kind { kUniform, kNormal, kLogNormal, kLogUniform, kTruncNormal };
  Kind kind = Kind::kUniform;
  double a = 0.0;
  double b = 1.0;
  double c = 0.0;
  double d = 0.0;

  static Marginal uniform(double low, double high) { return {Kind::kUniform, low, high}; }
  static Marginal normal(double mean, double std) { return {Kind::kNormal, mean, std}; }
  static Marginal lognormal(double mu, double sigma) { return {Kind::kLogNormal, mu, sigma}; }
  static Marginal loguniform(double low, double high) { return {Kind::kLogUniform, low, high}; }
  static Marginal truncnormal(double mean, double std, double low, double high) {
    return {Kind::kTruncNormal, mean, std, low, high};
  }

  // The numbers of the kind, in spec order (two, or four for kTruncNormal).
  int num_parameters() const { return kind == Kind::kTruncNormal ? 4 : 2; }

  bool operator==(const Marginal& o) const {
    return kind == o.kind && a == o.a && b == o.b && c == o.c && d == o.d;
  }
  bool operator!=(const Marginal& o) const { return !(*this == o); }
};

std::string marginal_kind_name(Marginal::Kind kind);  // "uniform", ..., as in the spec
std::vector<std::string> marginal_kind_names();        // in the order of the enum
// The kind called `name`; false for an unknown name.
bool parse_marginal_kind(const std::string& name, Marginal::Kind* kind);
// "" when `m` is a valid marginal, otherwise the broken rule ("low must be < high").
std::string marginal_error(const Marginal& m);

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

  // Support bounds: Uniform, LogUniform, TruncNormal [low, high], Normal (-inf, inf),
  // LogNormal (0, inf).
  Eigen::VectorXd lower() const;
  Eigen::VectorXd upper() const;

  // Closed-form mean and standard deviation of each marginal.
  Eigen::VectorXd mean() const;
  Eigen::VectorXd stddev() const;

  // The spec, with runs of identical marginals written as `*K` and doubles as %.17g.
  std::string to_string() const;

 private:
  std::vector<Marginal> marginals_;
};

}  // namespace sbi::core
