#include "sbi/calibration.h"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <limits>

#include "core/error.h"
#include "core/memory_budget.h"
#include "sbi/coverage.h"
#include "sbi/sbc.h"

namespace sbi {
namespace {

// Pair i uses Rng(seed, i) for theta* and x*, Rng(seed, kPosteriorStream + i) for the
// posterior draws and Rng(seed, kReferenceStream + i) for the TARP reference, so the three
// never share a stream and adding the TARP reference does not change the SBC draws.
constexpr std::uint64_t kPosteriorStream = 1ULL << 40;
constexpr std::uint64_t kReferenceStream = 2ULL << 40;
constexpr long kBlockSize = 256;  // pairs between progress reports

}  // namespace

bool CalibrationOptions::is_valid(std::string* error) const {
  if (num_simulations < 1)
    *error = "CalibrationOptions::num_simulations = " + std::to_string(num_simulations) + " must be >= 1";
  else if (num_posterior_samples < 1 || num_posterior_samples > std::numeric_limits<int>::max() - 1)
    *error = "CalibrationOptions::num_posterior_samples = " + std::to_string(num_posterior_samples) +
             " must be in [1, 2^31 - 2]";
  else if (threads < 0)
    *error = "CalibrationOptions::threads = " + std::to_string(threads) + " must be >= 0";
  else if (!(tarp_box_margin >= 0))
    *error = "CalibrationOptions::tarp_box_margin must be >= 0";
  else if (tarp_box_draws < 2)
    *error = "CalibrationOptions::tarp_box_draws = " + std::to_string(tarp_box_draws) + " must be >= 2";
  else
    return true;
  return false;
}

CalibrationRun run_calibration(const core::Prior& prior, const simulators::Simulator& simulator,
                               const PosteriorUnderTest& posterior,
                               const CalibrationOptions& options, CalibrationSummary* summary) {
  core::check_valid(options, "run_calibration");
  const int dim = prior.dim();
  core::check(simulator.theta_dim() == dim && posterior.theta_dim() == dim,
              "run_calibration: the prior has " + std::to_string(dim) + " parameters, the simulator " +
                  std::to_string(simulator.theta_dim()) + " and the posterior " +
                  std::to_string(posterior.theta_dim()));
  core::Stopwatch clock;
  *summary = CalibrationSummary{};
  const long n = options.num_simulations, l = options.num_posterior_samples;
  // Stored per simulation: theta, x, ranks; per thread at a time: l posterior draws.
  core::check_memory(8.0 * n * (3.0 * dim + simulator.x_dim() + 2) +
                         8.0 * l * (dim + 1) * std::max(1, options.threads),
                     "run_calibration: " + std::to_string(n) + " simulations x " +
                         std::to_string(l) + " posterior draws");
  CalibrationRun run;
  run.num_posterior_samples = l;
  run.theta.resize(dim, n);
  run.x.resize(simulator.x_dim(), n);
  run.sbc_ranks.resize(dim, n);
  run.hpd_ranks.resize(n);
  run.tarp_counts.resize(n);
  const Eigen::VectorXd scale = prior_scale(prior);
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();

  auto one_pair = [&](long i) {
    core::Rng rng(options.seed, static_cast<std::uint64_t>(i));
    Eigen::VectorXd theta(dim), x(simulator.x_dim());
    prior.sample(&rng, theta);
    simulator.simulate(theta, &rng, x);
    core::check(x.allFinite(), "run_calibration: simulator " + simulator.name() +
                                   " returned a non-finite x for pair " + std::to_string(i));
    core::Rng post_rng(options.seed, kPosteriorStream + static_cast<std::uint64_t>(i));
    Eigen::VectorXd lp;
    const Eigen::MatrixXd samples = posterior.sample(l, x, &post_rng, &lp);
    const double lp_true = posterior.log_prob(theta, x)[0];
    core::check(samples.rows() == dim && samples.cols() == l && lp.size() == l,
                "run_calibration: the posterior returned draws of the wrong shape for pair " +
                    std::to_string(i));
    core::check(samples.allFinite() && lp.allFinite() && std::isfinite(lp_true),
                "run_calibration: non-finite posterior draws or log q for pair " + std::to_string(i));
    core::Rng ref_rng(options.seed, kReferenceStream + static_cast<std::uint64_t>(i));
    Eigen::VectorXd reference(dim);
    if (options.tarp_reference == TarpReference::kPrior) {
      prior.sample(&ref_rng, reference);
    } else {
      const Eigen::MatrixXd box = posterior.sample(options.tarp_box_draws, x, &ref_rng, nullptr);
      reference = tarp_box_reference(box, options.tarp_box_margin, &ref_rng);
    }
    run.theta.col(i) = theta;
    run.x.col(i) = x;
    run.sbc_ranks.col(i) = sbc_ranks(theta, samples);
    run.hpd_ranks[i] = hpd_rank(lp_true, lp);
    run.tarp_counts[i] = tarp_count(theta, samples, reference, scale);
  };

  for (long start = 0; start < n; start += kBlockSize) {
    const long stop = std::min(n, start + kBlockSize);
    long failed = std::numeric_limits<long>::max();
    std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (long i = start; i < stop; ++i) {
      try {
        one_pair(i);
      } catch (...) {
#pragma omp critical(sbi_calibration_error)
        if (i < failed) {
          failed = i;
          failure = std::current_exception();
        }
      }
    }
    if (failure) std::rethrow_exception(failure);
    if (options.progress) options.progress({"calibrate", stop, n, ""});
  }
  summary->num_simulations = n;
  summary->num_posterior_samples = l;
  summary->seconds = clock.seconds();
  summary->message = std::to_string(n) + " simulations x " + std::to_string(l) +
                     " posterior draws in " + std::to_string(summary->seconds) + " s";
  return run;
}

}  // namespace sbi
