// Emulator quality and throughput (issue 16): a neural likelihood q(x | θ) (NLE, what `sbi
// train --target x` trains) of a task on N simulations, then at M held-out θ (prior draws of
// another seed) K emulated x against K fresh simulator draws at the same θ, compared by C2ST
// (0.5 = indistinguishable). Prints; asserts nothing. The target on two_moons with
// 10^4 simulations: C2ST at most 0.6 at each of 5 held-out θ.
//
// Then, for a task of the shared sbibm reference file, the posterior of the same emulator by
// slice sampling or the ensemble sampler (--mcmc ensemble; sbi/likelihood_posterior.h,
// what `sbi sample` does with a likelihood model)
// at reference observations 1..--posterior-obs, against the reference posterior by C2ST:
// amortized NLE + MCMC beside the NPE figures of bench_sbibm.
//
//   bench_emulator [--task two_moons] [--estimator nsf] [--train-sims 10000] [--num-theta 5]
//                  [--num-per-theta 10000] [--threads 2] [--seed 0] [--posterior-obs 5]
//                  [--mcmc slice|ensemble] [--chains 10 | walkers max(32, 4 D)] [--warmup 500]
//                  [--thin 1] [--reference PATH]
#include <omp.h>

#include <cstdio>
#include <string>
#include <thread>

#include "bench/bench_support.h"
#include "core/progress.h"
#include "io/h5_file.h"
#include "sbi/c2st.h"
#include "sbi/likelihood_posterior.h"
#include "sbi/mcmc_diagnostics.h"
#include "sbi/density_factory.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "simulators/registry.h"

int main(int argc, char** argv) {
  using namespace sbi;
  const std::string task_name = bench::flag(argc, argv, "task", "two_moons");
  const std::string estimator = bench::flag(argc, argv, "estimator", "nsf");
  const long n_train = bench::int_flag(argc, argv, "train-sims", 10000);
  const long n_theta = bench::int_flag(argc, argv, "num-theta", 5);
  const long k = bench::int_flag(argc, argv, "num-per-theta", 10000);
  const int threads = static_cast<int>(bench::int_flag(argc, argv, "threads", 2));
  const auto seed = static_cast<std::uint64_t>(bench::int_flag(argc, argv, "seed", 0));
  omp_set_num_threads(threads);
  std::printf("machine: %s, %u hardware threads, running with %d OpenMP threads\n",
              bench::cpu_model().c_str(), std::thread::hardware_concurrency(), threads);

  const simulators::Task task = simulators::make_task(task_name);
  simulators::SimulateOptions so;
  so.seed = seed;
  so.threads = threads;
  const simulators::SimulationBatch sims = simulators::simulate_from_prior(task, n_train, so);
  ModelOptions options;
  options.density = default_density_options(parse_density_kind(estimator));
  options.seed = seed;
  // The likelihood: the density over x, θ as the context (sbi/posterior_model.h, ModelTarget).
  PosteriorModel model = PosteriorModel::create(options, static_cast<int>(sims.x.rows()),
                                                static_cast<int>(sims.theta.rows()));
  model.target = ModelTarget::kX;
  TrainOptions to = default_train_options(options.density.kind);
  to.seed = seed;
  TrainSummary ts;
  core::Stopwatch train_clock;
  train(to, sims.x, sims.theta, &model, &ts);
  std::printf("%s NLE of %s: %ld simulations, %d epochs (%s), best validation loss %.4f, %.1f s\n",
              estimator.c_str(), task_name.c_str(), n_train, ts.epochs, stop_reason_name(ts.stop_reason).c_str(),
              ts.best_validation_loss, train_clock.seconds());

  simulators::SimulateOptions held_out = so;
  held_out.seed = seed + 1000;
  const Eigen::MatrixXd theta = simulators::sample_prior(task.prior, n_theta, held_out);
  double worst = 0, sum = 0, emulate_seconds = 0;
  for (long i = 0; i < n_theta; ++i) {
    core::Rng rng(seed + 2000, static_cast<std::uint64_t>(i));
    core::Stopwatch clock;
    const Eigen::MatrixXd emulated = model.draw(k, theta.col(i), &rng);
    emulate_seconds += clock.seconds();
    Eigen::MatrixXd simulated(task.simulator->x_dim(), k);
    core::Rng sim_rng(seed + 3000, static_cast<std::uint64_t>(i));
    for (long j = 0; j < k; ++j) {
      Eigen::VectorXd x(task.simulator->x_dim());
      task.simulator->simulate(theta.col(i), &sim_rng, x);
      simulated.col(j) = x;
    }
    const C2stResult c = c2st(simulated, emulated);
    worst = std::max(worst, c.accuracy);
    sum += c.accuracy;
    std::printf("theta %ld = (", i);
    for (Eigen::Index d = 0; d < theta.rows(); ++d) std::printf("%s%.3f", d ? ", " : "", theta(d, i));
    std::printf("): C2ST %.3f (emulated vs simulated, %ld each)\n", c.accuracy, k);
  }
  std::printf("C2ST mean %.3f, worst %.3f; emulation %.0f draws per second\n", sum / n_theta, worst,
              n_theta * k / emulate_seconds);

  const long posterior_obs = bench::int_flag(argc, argv, "posterior-obs", 5);
  const std::string reference = bench::flag(argc, argv, "reference",
                                            std::string(SBI_SOURCE_DIR) + "/../shared/benchmarks/sbibm_reference.h5");
  if (posterior_obs < 1) return 0;
  const io::H5File ref = io::H5File::open_read(reference);
  if (!ref.is_group("/" + task_name)) {
    std::printf("%s has no reference posteriors of %s: no posterior comparison\n", reference.c_str(),
                task_name.c_str());
    return 0;
  }
  const McmcSampler sampler = parse_mcmc_sampler(bench::flag(argc, argv, "mcmc", "slice"));
  const int chains = static_cast<int>(bench::int_flag(
      argc, argv, "chains", sampler == McmcSampler::kSlice ? 10 : default_walkers(task.simulator->theta_dim())));
  const std::string sampler_name = "NLE + " + mcmc_sampler_name(sampler) + " sampling";
  double posterior_sum = 0;
  for (long o = 1; o <= posterior_obs; ++o) {
    const std::string group = "/" + task_name + "/observation_" + std::to_string(o);
    const Eigen::VectorXd x_o = ref.read_vector(group + "/observation");
    const Eigen::MatrixXd reference_samples = ref.read_matrix(group + "/reference_posterior_samples");
    LikelihoodMcmcOptions mcmc;
    mcmc.sampler = sampler;
    mcmc.chains = chains;
    mcmc.warmup = bench::int_flag(argc, argv, "warmup", 500);
    mcmc.thin = bench::int_flag(argc, argv, "thin", 1);
    mcmc.draws = reference_samples.cols() / chains;
    mcmc.seed = seed + static_cast<std::uint64_t>(o);
    core::Stopwatch clock;
    const McmcChains result = sample_likelihood_posterior(model, x_o, task.prior, mcmc);
    const double seconds = clock.seconds();
    Eigen::MatrixXd draws(task.simulator->theta_dim(), chains * mcmc.draws);
    double worst_rhat = 0;
    for (int c = 0; c < chains; ++c) draws.middleCols(c * mcmc.draws, mcmc.draws) = result.draws[static_cast<size_t>(c)];
    for (Eigen::Index d = 0; d < draws.rows(); ++d) worst_rhat = std::max(worst_rhat, rank_rhat(coordinate_chains(result, d)));
    const double accuracy = c2st(reference_samples, draws).accuracy;
    posterior_sum += accuracy;
    std::printf("observation %ld: %s C2ST %.3f against the reference (%d chains x %ld, R-hat <= "
                "%.3f, %.1f s, %ld likelihood evaluations, acceptance %.2f)\n", o, sampler_name.c_str(), accuracy,
                chains, mcmc.draws, worst_rhat, seconds, result.evaluations, result.acceptance);
  }
  std::printf("%s, %s, %ld simulations: mean C2ST %.3f over %ld reference observations\n",
              sampler_name.c_str(), task_name.c_str(), n_train, posterior_sum / posterior_obs, posterior_obs);
  return 0;
}
