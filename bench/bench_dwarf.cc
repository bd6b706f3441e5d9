// Dwarf-galaxy simulation throughput: 10^4 galaxies of 200 stars (the default task) with 1
// and with 2 OpenMP threads, best of several repeats each, and the speed-up; plus the cost of
// one Jeans solution and of drawing one galaxy's stars. Prints; asserts nothing.
//
//   bench_dwarf [--galaxies 10000] [--stars 200] [--repeats 3] [--threads 1,2]
// The target: under 10 s on 2 cores with a speed-up >= 1.8 from 1 to 2 threads.
// Other processes on the machine lower the speed-up: the load average is printed.
#include <omp.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/progress.h"
#include "simulators/batch.h"
#include "simulators/dwarf.h"
#include "bench/bench_support.h"

namespace {

using sbi::bench::flag;
using sbi::bench::first_line;
using sbi::bench::cpu_model;
using sbi::bench::cpu_seconds;

}  // namespace

int main(int argc, char** argv) {
  using namespace sbi;
  const long galaxies = std::atol(flag(argc, argv, "galaxies", "10000").c_str());
  const int stars = std::atoi(flag(argc, argv, "stars", "200").c_str());
  const int repeats = std::atoi(flag(argc, argv, "repeats", "3").c_str());
  std::vector<int> thread_counts;
  std::stringstream ss(flag(argc, argv, "threads", "1,2"));
  for (std::string t; std::getline(ss, t, ',');) thread_counts.push_back(std::atoi(t.c_str()));

  std::printf("cpu: %s, %d logical cores visible to OpenMP\n", cpu_model().c_str(), omp_get_num_procs());
  std::printf("load average before: %s\n", first_line("/proc/loadavg").c_str());
  simulators::DwarfConfig config;
  config.num_stars = stars;
  const simulators::Task task = simulators::make_dwarf_task(config);
  const auto& sim = static_cast<const simulators::DwarfKinematics&>(*task.simulator);

  // Per-galaxy costs on one thread.
  core::Rng rng(1);
  const Eigen::MatrixXd theta = task.prior.sample(2000, &rng);
  core::Stopwatch solve_clock;
  double sink = 0;
  for (int i = 0; i < theta.cols(); ++i) sink += sim.solve(theta.col(i)).log_sigma_r2()[0];
  const double solve_us = solve_clock.seconds() / theta.cols() * 1e6;
  const simulators::JeansSolution one = sim.solve(theta.col(0));
  Eigen::MatrixXd buffer(2, stars);
  core::Stopwatch star_clock;
  for (int i = 0; i < 2000; ++i) simulators::sample_stars(one, config.v_err, &rng, buffer);
  const double stars_us = star_clock.seconds() / 2000 * 1e6;
  std::printf("one Jeans solution (%d grid points, %d-point Gauss-Legendre): %.1f us; %d stars: %.1f us\n",
              config.jeans.grid_points, config.jeans.quadrature_order, solve_us, stars, stars_us);

  std::vector<double> best(thread_counts.size(), 1e300);
  for (int r = 0; r < repeats; ++r)
    for (size_t t = 0; t < thread_counts.size(); ++t) {
      simulators::SimulateOptions options;
      options.seed = 42;
      options.threads = thread_counts[t];
      const double cpu0 = cpu_seconds();
      const simulators::SimulationBatch batch = simulators::simulate_from_prior(task, galaxies, options);
      const double cpu = cpu_seconds() - cpu0;
      sink += batch.x(0, 0);
      best[t] = std::min(best[t], batch.seconds);
      // cpu / wall below the thread count means the threads waited for a core (other load).
      std::printf("  repeat %d, %d thread(s): %.3f s wall, %.3f s cpu (%.2f cores busy)\n", r + 1,
                  thread_counts[t], batch.seconds, cpu, cpu / batch.seconds);
    }
  std::printf("\n%ld galaxies x %d stars (best of %d):\n", galaxies, stars, repeats);
  for (size_t t = 0; t < thread_counts.size(); ++t)
    std::printf("  %d thread(s): %.3f s  (%.1f us per galaxy)  speed-up vs %d thread(s): %.2fx\n",
                thread_counts[t], best[t], best[t] / galaxies * 1e6, thread_counts[0],
                best[0] / best[t]);
  std::printf("load average after: %s\n", first_line("/proc/loadavg").c_str());
  return sink == 0.123 ? 1 : 0;  // keeps the work from being optimised away
}
