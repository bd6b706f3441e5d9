// SBC throughput on a trained two_moons model: train with the sbi/trainer.h defaults on 10^4
// simulations, then run the calibration pass (SBC ranks, HPD ranks, TARP counts) with
// N simulations x L posterior draws, and print the seconds and the test results.
// Prints; asserts nothing. The target: N = L = 1000 in under a minute on 2 cores.
//
//   bench_sbc [--num-sbc 1000] [--num-posterior-samples 1000] [--train-sims 10000]
//             [--threads 2] [--seed 0]
#include <omp.h>

#include <cstdio>
#include <string>
#include <thread>

#include "core/progress.h"
#include "sbi/calibration.h"
#include "sbi/coverage.h"
#include "sbi/sbc.h"
#include "sbi/tarp.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "simulators/registry.h"

namespace {

long flag(int argc, char** argv, const std::string& name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return std::stol(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sbi;
  const long n_sbc = flag(argc, argv, "num-sbc", 1000);
  const long n_post = flag(argc, argv, "num-posterior-samples", 1000);
  const long n_train = flag(argc, argv, "train-sims", 10000);
  const int threads = static_cast<int>(flag(argc, argv, "threads", 2));
  const std::uint64_t seed = static_cast<std::uint64_t>(flag(argc, argv, "seed", 0));
  omp_set_num_threads(threads);
  std::printf("machine: %u hardware threads, running with %d OpenMP threads\n",
              std::thread::hardware_concurrency(), threads);

  const simulators::Task task = simulators::make_task("two_moons");
  simulators::SimulateOptions so;
  so.seed = seed;
  so.threads = threads;
  const simulators::SimulationBatch sims = simulators::simulate_from_prior(task, n_train, so);
  ModelOptions options;
  options.density.kind = sbi::DensityKind::kRealNVP;  // as timed in the README
  PosteriorModel model = PosteriorModel::create(options, 2, 2);
  model.prior = task.prior;
  TrainOptions to;
  to.seed = seed;
  TrainSummary ts;
  core::Stopwatch train_clock;
  train(to, sims.theta, sims.x, &model, &ts);
  std::printf("train: %ld simulations, %d epochs (%s), best validation loss %.4f, %.1f s\n", n_train,
              ts.epochs, stop_reason_name(ts.stop_reason).c_str(), ts.best_validation_loss,
              train_clock.seconds());

  CalibrationOptions co;
  co.num_simulations = n_sbc;
  co.num_posterior_samples = n_post;
  co.seed = seed + 1;
  co.threads = threads;
  CalibrationSummary cs;
  const ModelPosterior posterior(model);
  const CalibrationRun run = run_calibration(task.prior, *task.simulator, posterior, co, &cs);
  core::Stopwatch test_clock;
  const SbcResult sbc = sbc_test(run.sbc_ranks, n_post);
  const CoverageCurve cov = expected_coverage(run.hpd_ranks, n_post);
  const TarpResult tarp = tarp_test(run.tarp_counts, n_post);
  const double test_seconds = test_clock.seconds();
  std::printf("calibration pass: %ld simulations x %ld posterior draws: %.2f s (%.0f draws/s)\n",
              n_sbc, n_post, cs.seconds, n_sbc * n_post / cs.seconds);
  std::printf("tests (KS, chi2, coverage, TARP): %.3f s\n", test_seconds);
  for (size_t d = 0; d < sbc.dimensions.size(); ++d)
    std::printf("  SBC theta_%zu: KS p = %.3g, chi2 p = %.3g\n", d, sbc.dimensions[d].ks.p_value,
                sbc.dimensions[d].chi_square.p_value);
  std::printf("  SBC combined p = %.3g; HPD coverage KS p = %.3g (0.5/0.9/0.95: %.3f %.3f %.3f); "
              "TARP KS p = %.3g\n",
              sbc.combined_p_value, cov.ks.p_value, empirical_coverage(run.hpd_ranks, n_post, 0.5),
              empirical_coverage(run.hpd_ranks, n_post, 0.9), empirical_coverage(run.hpd_ranks, n_post, 0.95),
              tarp.ks.p_value);
  std::printf("total SBC time (pass + tests): %.2f s\n", cs.seconds + test_seconds);
  return 0;
}
