#include "sbi/ensemble_sampler.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/rng.h"

namespace sbi {

bool EnsembleSamplerOptions::is_valid(std::string* error) const {
  if (warmup < 0) return *error = "warmup must be >= 0", false;
  if (draws < 1) return *error = "draws must be >= 1", false;
  if (thin < 1) return *error = "thin must be >= 1", false;
  if (!(stretch > 1) || !std::isfinite(stretch)) return *error = "stretch must be > 1", false;
  return true;
}

namespace {

Eigen::VectorXd checked(const BatchLogDensity& log_density, const Eigen::MatrixXd& points) {
  Eigen::VectorXd lp = log_density(points);
  core::check(lp.size() == points.cols(), "ensemble_sample: the log density returned " + std::to_string(lp.size()) +
                                              " values for " + std::to_string(points.cols()) + " points");
  for (Eigen::Index i = 0; i < lp.size(); ++i)
    if (std::isnan(lp[i])) lp[i] = -std::numeric_limits<double>::infinity();
  return lp;
}

}  // namespace

McmcChains ensemble_sample(const BatchLogDensity& log_density, const Eigen::MatrixXd& initial,
                           const EnsembleSamplerOptions& options) {
  core::check_valid(options, "ensemble_sample");
  const Eigen::Index dim = initial.rows(), walkers = initial.cols();
  core::check(dim >= 1 && walkers >= 2 * dim && walkers % 2 == 0,
              "ensemble_sample: " + std::to_string(walkers) + " walkers for " + std::to_string(dim) +
                  " parameters; the ensemble sampler needs an even number of at least 2 x " + std::to_string(dim));
  core::check(initial.allFinite(), "ensemble_sample: a NaN or infinite initial point");
  Eigen::MatrixXd x = initial;
  Eigen::VectorXd lp = checked(log_density, x);
  McmcChains out;
  out.evaluations = walkers;
  for (Eigen::Index k = 0; k < walkers; ++k)
    core::check(std::isfinite(lp[k]), "ensemble_sample: the initial point of walker " + std::to_string(k) +
                                          " has log density " + std::to_string(lp[k]) + " (outside the support?)");
  out.draws.assign(static_cast<size_t>(walkers), Eigen::MatrixXd(dim, options.draws));
  out.log_density.assign(static_cast<size_t>(walkers), Eigen::VectorXd(options.draws));
  core::Rng rng(options.seed, 0xE5);
  const double a = options.stretch;
  const Eigen::Index half = walkers / 2;
  long accepted = 0, proposed = 0;
  const long total = options.warmup + options.draws * options.thin;
  Eigen::MatrixXd proposal(dim, half);
  Eigen::VectorXd z(half);
  for (long step = 0; step < total; ++step) {
    for (int moving = 0; moving < 2; ++moving) {
      const Eigen::Index first = moving * half, other = (1 - moving) * half;
      for (Eigen::Index i = 0; i < half; ++i) {
        // z = ((a - 1) u + 1)² / a has density ∝ 1/sqrt(z) on [1/a, a].
        const double root = (a - 1) * rng.uniform() + 1;
        z[i] = root * root / a;
        const Eigen::Index j = other + std::min<Eigen::Index>(half - 1, static_cast<Eigen::Index>(rng.uniform() * half));
        proposal.col(i) = x.col(j) + z[i] * (x.col(first + i) - x.col(j));
      }
      const Eigen::VectorXd proposal_lp = checked(log_density, proposal);
      out.evaluations += half;
      for (Eigen::Index i = 0; i < half; ++i) {
        const double log_ratio = (static_cast<double>(dim) - 1) * std::log(z[i]) + proposal_lp[i] - lp[first + i];
        const bool accept = std::log(rng.uniform()) < log_ratio;
        if (step >= options.warmup) ++proposed, accepted += accept ? 1 : 0;
        if (!accept) continue;
        x.col(first + i) = proposal.col(i);
        lp[first + i] = proposal_lp[i];
      }
    }
    if (step < options.warmup) continue;
    const long kept = step - options.warmup;
    if (kept % options.thin != 0) continue;
    for (Eigen::Index k = 0; k < walkers; ++k) {
      out.draws[static_cast<size_t>(k)].col(kept / options.thin) = x.col(k);
      out.log_density[static_cast<size_t>(k)][kept / options.thin] = lp[k];
    }
  }
  out.acceptance = proposed > 0 ? static_cast<double>(accepted) / static_cast<double>(proposed) : 0.0;
  return out;
}

}  // namespace sbi
