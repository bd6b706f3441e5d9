// One pass over N simulated pairs that collects every per-pair statistic the calibration
// diagnostics need, so the L posterior draws per pair are made once:
//   theta*_i ~ p(theta), x*_i ~ p(x | theta*_i), theta_ij ~ q(theta | x*_i) (j < L), then
//   SBC ranks (sbc.h), the HPD rank (coverage.h) and the TARP count (tarp.h).
// Pairs run in parallel (OpenMP); pair i draws only from streams derived from (seed, i), so
// the result is identical for any number of threads.
//
//   CalibrationRun run = run_calibration(task.prior, *task.simulator, ModelPosterior(model),
//                                        options, &summary);
//   SbcResult sbc = sbc_test(run.sbc_ranks, run.num_posterior_samples);
//   CoverageCurve cov = expected_coverage(run.hpd_ranks, run.num_posterior_samples);
//   TarpResult tarp = tarp_test(run.tarp_counts, run.num_posterior_samples);
#pragma once

#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "core/prior.h"
#include "core/progress.h"
#include "sbi/posterior_under_test.h"
#include "sbi/tarp.h"
#include "simulators/simulator.h"

namespace sbi {

struct CalibrationOptions {
  long num_simulations = 1000;        // N pairs
  long num_posterior_samples = 1000;  // L draws per pair
  std::uint64_t seed = 0;
  int threads = 0;                    // OpenMP threads; 0 = OpenMP default
  TarpReference tarp_reference = TarpReference::kPrior;
  double tarp_box_margin = 0.25;      // kSampleBox: widening on each side, times the box width
  long tarp_box_draws = 64;           // kSampleBox: extra posterior draws that set the box
  // Called from the calling thread between blocks of pairs (stage "calibrate").
  core::ProgressCallback progress;

  bool is_valid(std::string* error) const;
};

struct CalibrationRun {
  Eigen::MatrixXd theta;        // D x N true parameters theta*_i
  Eigen::MatrixXd x;            // x_dim x N simulated data x*_i
  Eigen::MatrixXi sbc_ranks;    // D x N, in {0..L}
  Eigen::VectorXi hpd_ranks;    // N, in {0..L}
  Eigen::VectorXi tarp_counts;  // N, in {0..L}
  long num_posterior_samples = 0;
};

struct CalibrationSummary {
  long num_simulations = 0;        // 0 = not run
  long num_posterior_samples = 0;
  double seconds = 0;
  std::string message;             // one line saying what ran
};

// Throws core::Error for invalid options, a simulator, prior and posterior that disagree
// in dimension, a simulator returning non-finite data, or a posterior whose draws or log q
// are non-finite (naming the lowest failing pair).
CalibrationRun run_calibration(const core::Prior& prior, const simulators::Simulator& simulator,
                               const PosteriorUnderTest& posterior,
                               const CalibrationOptions& options, CalibrationSummary* summary);

}  // namespace sbi
