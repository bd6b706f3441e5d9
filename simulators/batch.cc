#include "simulators/batch.h"

#include "core/error.h"
#include "core/huge_pages.h"
#include "simulators/detail/parallel_samples.h"

namespace sbi::simulators {
namespace {

void check_finite_x(const Simulator& sim, const Eigen::MatrixXd& x, long i, const char* function) {
  core::check(x.col(i).allFinite(), std::string(function) + ": simulator " + sim.name() +
                                        " returned a non-finite x for sample " + std::to_string(i));
}

void check_options(const SimulateOptions& options, const char* function) {
  std::string error;
  if (!options.is_valid(&error)) throw core::Error(std::string(function) + ": " + error);
}

}  // namespace

bool SimulateOptions::is_valid(std::string* error) const {
  if (first_index < 0) {
    if (error) *error = "SimulateOptions::first_index = " + std::to_string(first_index) + ", must be >= 0";
    return false;
  }
  if (threads < 0) {
    if (error)
      *error = "SimulateOptions::threads = " + std::to_string(threads) +
               ", must be >= 0 (0 = OpenMP default)";
    return false;
  }
  return true;
}

SimulationBatch simulate_from_prior(const Task& task, long n, const SimulateOptions& options) {
  check_options(options, "simulate_from_prior");
  core::check(task.simulator != nullptr, "simulate_from_prior: task.simulator is null");
  core::check(n >= 0, "simulate_from_prior: n = " + std::to_string(n) + ", must be >= 0");
  const Simulator& sim = *task.simulator;
  core::check(task.prior.dim() == sim.theta_dim(),
              "simulate_from_prior: prior has dim " + std::to_string(task.prior.dim()) +
                  ", simulator " + sim.name() + " expects " + std::to_string(sim.theta_dim()));
  const core::Stopwatch clock;
  SimulationBatch batch;
  batch.theta.resize(sim.theta_dim(), n);
  batch.x.resize(sim.x_dim(), n);
  core::prefer_huge_pages(batch.x.data(), sizeof(double) * static_cast<std::size_t>(batch.x.size()));
  detail::parallel_samples(n, options, [&](long i) {
    core::Rng rng(options.seed, static_cast<std::uint64_t>(options.first_index + i));
    task.prior.sample(&rng, batch.theta.col(i));
    sim.simulate(batch.theta.col(i), &rng, batch.x.col(i));
    check_finite_x(sim, batch.x, i, "simulate_from_prior");
  });
  batch.seconds = clock.seconds();
  return batch;
}

Eigen::MatrixXd sample_prior(const core::Prior& prior, long n, const SimulateOptions& options) {
  check_options(options, "sample_prior");
  core::check(n >= 0, "sample_prior: n = " + std::to_string(n) + ", must be >= 0");
  Eigen::MatrixXd theta(prior.dim(), n);
  detail::parallel_samples(n, options, [&](long i) {
    core::Rng rng(options.seed, static_cast<std::uint64_t>(options.first_index + i));
    prior.sample(&rng, theta.col(i));
  });
  return theta;
}

SimulationBatch simulate_at(const Simulator& simulator, const Eigen::MatrixXd& theta,
                            const SimulateOptions& options) {
  check_options(options, "simulate_at");
  core::check(theta.rows() == simulator.theta_dim(),
              "simulate_at: theta has " + std::to_string(theta.rows()) + " rows, simulator " +
                  simulator.name() + " expects " + std::to_string(simulator.theta_dim()));
  core::check(theta.allFinite(), "simulate_at: theta has non-finite entries");
  const core::Stopwatch clock;
  SimulationBatch batch;
  batch.theta = theta;
  batch.x.resize(simulator.x_dim(), theta.cols());
  core::prefer_huge_pages(batch.x.data(), sizeof(double) * static_cast<std::size_t>(batch.x.size()));
  detail::parallel_samples(theta.cols(), options, [&](long i) {
    core::Rng rng(options.seed, static_cast<std::uint64_t>(options.first_index + i));
    simulator.simulate(batch.theta.col(i), &rng, batch.x.col(i));
    check_finite_x(simulator, batch.x, i, "simulate_at");
  });
  batch.seconds = clock.seconds();
  return batch;
}

}  // namespace sbi::simulators
