// Cosmological field throughput: 256² Gaussian maps per second at 1 and 2 OpenMP threads
// (one FftWorkspace per thread, map i drawn from Rng(seed, i), plans shared), best of several
// repeats, with the time spent drawing the white noise alone; plus the cost of building
// a convergence-map simulator (P(k), growth, Limber C_ℓ table) for one cosmology and of one
// 256² convergence map. Prints; asserts nothing.
//
//   bench_cosmo_fields [--n 256] [--maps 400] [--repeats 3] [--threads 1,2] [--measure 0|1]
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "simulators/cosmology/convergence_map.h"
#include "simulators/cosmology/gaussian_field.h"
#include "core/normal_fill.h"
#include "bench/bench_support.h"

namespace {

using sbi::bench::flag;
using sbi::bench::first_line;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sbi::simulators::cosmology;
  const int n = std::atoi(flag(argc, argv, "n", "256").c_str());
  const int maps = std::atoi(flag(argc, argv, "maps", "400").c_str());
  const int repeats = std::atoi(flag(argc, argv, "repeats", "3").c_str());
  const bool measure = flag(argc, argv, "measure", "0") == "1";
  std::vector<int> thread_counts;
  std::stringstream ss(flag(argc, argv, "threads", "1,2"));
  for (std::string t; std::getline(ss, t, ',');) thread_counts.push_back(std::atoi(t.c_str()));

  std::printf("bench_cosmo_fields: %d x %d Gaussian maps, %d per repeat, best of %d, FFTW %s\n", n,
              n, maps, repeats, measure ? "MEASURE" : "ESTIMATE");
  std::printf("load average: %s\n", first_line("/proc/loadavg").c_str());

  Grid grid;
  grid.dim = 2;
  grid.n = n;
  grid.side = 5.0 * M_PI / 180;
  const FftPlanning planning = measure ? FftPlanning::kMeasure : FftPlanning::kEstimate;
  double t0 = now();
  const GaussianField field(grid, [](double ell) { return 1e-9 * std::pow(ell / 1000, -1.2); },
                            planning);
  std::printf("field setup (plans, P per mode): %.1f ms\n", 1e3 * (now() - t0));

  // White noise alone, to show where the time goes: the ziggurat the fields use, and
  // Rng::normal()'s Box–Muller for comparison.
  {
    sbi::core::Rng rng(1, 0);
    std::vector<double> noise(grid.cells());
    double best_zig = 1e300, best_bm = 1e300;
    for (int r = 0; r < repeats; ++r) {
      t0 = now();
      for (int m = 0; m < 50; ++m) sbi::core::fill_standard_normal(&rng, noise.data(), noise.size());
      best_zig = std::min(best_zig, (now() - t0) / 50);
      t0 = now();
      for (int m = 0; m < 50; ++m)
        for (double& v : noise) v = rng.normal();
      best_bm = std::min(best_bm, (now() - t0) / 50);
    }
    std::printf("white noise (%zu normals): ziggurat %.3f ms, Box-Muller %.3f ms per map\n",
                grid.cells(), 1e3 * best_zig, 1e3 * best_bm);
  }

  double base = 0;
  for (int threads : thread_counts) {
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
      t0 = now();
#pragma omp parallel num_threads(threads)
      {
        FftWorkspace work;
        std::vector<double> map(grid.cells());
#pragma omp for schedule(static)
        for (int i = 0; i < maps; ++i) {
          sbi::core::Rng rng(1, i);
          field.sample(&rng, &work, map.data());
        }
      }
      best = std::min(best, now() - t0);
    }
    const double rate = maps / best;
    if (base == 0) base = rate;
    std::printf("threads %d: %.0f maps/s (%.3f ms per map), speed-up %.2f\n", threads, rate,
                1e3 / rate, rate / base);
  }

  // One convergence-map simulator per cosmology (what a simulator does per θ).
  ConvergenceMapOptions o;
  o.pixels = n;
  double best_build = 1e300;
  for (int r = 0; r < repeats; ++r) {
    t0 = now();
    const ConvergenceMapSimulator sim(Cosmology{}, o);
    best_build = std::min(best_build, now() - t0);
  }
  const ConvergenceMapSimulator sim(Cosmology{}, o);
  FftWorkspace work;
  std::vector<double> map(grid.cells());
  double best_map = 1e300;
  for (int r = 0; r < repeats; ++r) {
    t0 = now();
    for (int i = 0; i < 20; ++i) {
      sbi::core::Rng rng(2, i);
      sim.sample(&rng, &work, map.data());
    }
    best_map = std::min(best_map, (now() - t0) / 20);
  }
  std::printf("convergence simulator build (P(k), growth, C_l table, field): %.2f ms; "
              "one %dx%d convergence map with noise: %.3f ms\n",
              1e3 * best_build, n, n, 1e3 * best_map);
  return 0;
}
