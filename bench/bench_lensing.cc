// Strong-lensing image simulation throughput (task "lensing", default options: 48 x 48 pixels
// of 0.1", supersampling 4 (36864 rays), 21 x 21 Gaussian PSF, Gaussian noise): images per
// second with 1 and 2 OpenMP threads, best of several repeats, and the cost of each stage on
// one thread, including the three convolution methods for a 21 x 21 kernel. Prints; asserts
// nothing.
//
//   bench_lensing [--images 20000] [--repeats 3] [--threads 1,2] [--kernels wide|portable]
// --kernels portable times the batches with the AVX2 ray-tracing kernels on an AVX-512 CPU
// (the stage costs are printed for both).
// The target: at least 10^4 images per second on 2 cores. Other processes on the
// machine lower the figures: the load average is printed.
#include <omp.h>
#include <sys/resource.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/progress.h"
#include "simulators/batch.h"
#include "core/normal_fill.h"
#include "simulators/lensing.h"
#include "simulators/lensing/detail/kernels_avx512.h"
#include "bench/bench_support.h"

namespace {

using sbi::bench::flag;
using sbi::bench::first_line;
using sbi::bench::cpu_model;
using sbi::bench::cpu_seconds;

// Processor time of this thread, which does not count waits for a core on a shared machine.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Microseconds of processor time per call of f, best of 5 runs of `calls` calls.
template <class F>
double best_us(int calls, F f) {
  double best = 1e300;
  for (int run = 0; run < 5; ++run) {
    const double start = thread_cpu_seconds();
    for (int i = 0; i < calls; ++i) f();
    best = std::min(best, (thread_cpu_seconds() - start) / calls * 1e6);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sbi;
  using namespace sbi::simulators;
  const long images = std::atol(flag(argc, argv, "images", "20000").c_str());
  const int repeats = std::atoi(flag(argc, argv, "repeats", "3").c_str());
  std::vector<int> thread_counts;
  std::stringstream ss(flag(argc, argv, "threads", "1,2"));
  for (std::string t; std::getline(ss, t, ',');) thread_counts.push_back(std::atoi(t.c_str()));

  std::printf("cpu: %s, %d logical cores visible to OpenMP\n", cpu_model().c_str(),
              omp_get_num_procs());
  std::printf("load average before: %s\n", first_line("/proc/loadavg").c_str());
  const Task task = make_lensing_task();
  const auto& sim = static_cast<const StrongLensing&>(*task.simulator);
  const lensing::RayGrid& grid = sim.grid();
  const int rays = grid.num_rays();
  std::vector<double> x_rays(rays), y_rays(rays);
  grid.rays(0, grid.num_pixels(), x_rays.data(), y_rays.data());

  // Stage costs on one thread, at one prior draw.
  core::Rng rng(1);
  Eigen::VectorXd theta(12);
  task.prior.sample(&rng, theta);
  const lensing::LensModel lens = sim.lens(theta);
  const lensing::Sersic source = sim.source(theta);
  std::vector<double> bx(rays), by(rays), value(rays);
  Eigen::VectorXd image(sim.x_dim());
  double sink = 0;
  // The ray-tracing stages with the portable kernels (AVX2) and, where the CPU has AVX-512,
  // its builds of them (simulators/lensing/detail/kernels_avx512.h).
  std::vector<bool> kernel_builds{false};
  if (core::cpu_has_avx512()) kernel_builds.push_back(true);
  std::printf("\none image, 1 thread, processor time (%d rays):\n", rays);
  for (bool wide : kernel_builds) {
    lensing::detail::set_wide_kernels_enabled(wide);
    const char* build = wide ? "AVX-512" : "AVX2";
    const double shoot_us = best_us(200, [&] {
      lens.shoot(rays, x_rays.data(), y_rays.data(), bx.data(), by.data());
      sink += bx[7];
    });
    const double sersic_us = best_us(200, [&] {
      source.brightness(rays, bx.data(), by.data(), value.data());
      sink += value[7];
    });
    const double trace_us = best_us(200, [&] {
      lensing::trace_image(grid, lens, source, image.data());
      sink += image[7];
    });
    Eigen::VectorXd x(sim.x_dim());
    const double simulate_us = best_us(200, [&] {
      sim.simulate(theta, &rng, x);
      sink += x[7];
    });
    std::printf("  %-36s %7.1f us  (%.2f ns per ray)\n",
                ("lens equation, all rays, " + std::string(build)).c_str(), shoot_us,
                shoot_us * 1e3 / rays);
    std::printf("  %-36s %7.1f us  (%.2f ns per ray)\n",
                ("Sersic brightness, all rays, " + std::string(build)).c_str(), sersic_us,
                sersic_us * 1e3 / rays);
    // trace_image solves the lens equation for half the rays (the lens is point-symmetric)
    // and works on blocks that stay in cache.
    std::printf("  %-36s %7.1f us\n", ("trace_image, " + std::string(build)).c_str(), trace_us);
    std::printf("  %-36s %7.1f us\n", ("simulate (all of it), " + std::string(build)).c_str(),
                simulate_us);
  }
  const bool wide = flag(argc, argv, "kernels", "wide") == "wide";
  lensing::detail::set_wide_kernels_enabled(wide);
  const lensing::Psf gauss = lensing::Psf::gaussian(0.15, 0.1, 21);
  for (auto [method, name] : {std::pair{lensing::ConvolutionMethod::kSeparable, "separable"},
                              std::pair{lensing::ConvolutionMethod::kDirect, "direct"},
                              std::pair{lensing::ConvolutionMethod::kFft, "FFT"}}) {
    const lensing::Convolver conv(gauss, 48, method);
    const double us = best_us(500, [&] {
      conv.apply(image.data());
      sink += image[7];
    });
    std::printf("  %-36s %7.1f us%s\n", ("21 x 21 PSF, " + std::string(name)).c_str(), us,
                method == lensing::ConvolutionMethod::kFft
                    ? (" (padded to " + std::to_string(conv.fft_size()) + "^2)").c_str()
                    : "");
  }
  std::vector<double> z(image.size());
  const double box_muller_us = best_us(500, [&] {
    for (double& v : z) v = rng.normal();
    sink += z[7];
  });
  const double ziggurat_us = best_us(500, [&] {
    core::fill_standard_normal(&rng, z.data(), z.size());
    sink += z[7];
  });
  std::printf("  %-36s %7.1f us  (Rng::normal)\n",
              (std::to_string(z.size()) + " normals, Box-Muller").c_str(), box_muller_us);
  std::printf("  %-36s %7.1f us  (used: core/normal_fill.h)\n",
              (std::to_string(z.size()) + " normals, ziggurat").c_str(), ziggurat_us);
  std::vector<double> best(thread_counts.size(), 1e300), best_cpu(thread_counts.size(), 1e300);
  for (int r = 0; r < repeats; ++r)
    for (size_t t = 0; t < thread_counts.size(); ++t) {
      SimulateOptions options;
      options.seed = 42;
      options.threads = thread_counts[t];
      const double cpu0 = cpu_seconds();
      const SimulationBatch batch = simulate_from_prior(task, images, options);
      const double cpu = cpu_seconds() - cpu0;
      sink += batch.x(0, 0);
      best[t] = std::min(best[t], batch.seconds);
      best_cpu[t] = std::min(best_cpu[t], cpu);
      // cpu / wall below the thread count means the threads waited for a core (other load).
      std::printf("  repeat %d, %d thread(s): %.3f s wall, %.3f s cpu (%.2f cores busy)\n", r + 1,
                  thread_counts[t], batch.seconds, cpu, cpu / batch.seconds);
    }
  std::printf("\n%ld images of 48 x 48, supersampling 4, 21 x 21 PSF, noise, %s kernels "
              "(best of %d):\n",
              images, lensing::detail::wide_kernels_enabled() ? "AVX-512" : "AVX2", repeats);
  for (size_t t = 0; t < thread_counts.size(); ++t)
    std::printf("  %d thread(s): %.3f s  %8.0f images/s  speed-up vs %d thread(s): %.2fx\n",
                thread_counts[t], best[t], images / best[t], thread_counts[0], best[0] / best[t]);
  // On a shared machine the wall time counts the waits for a core; the processor time does not.
  for (size_t t = 0; t < thread_counts.size(); ++t)
    std::printf("  %d thread(s): %.0f images per processor-second, so %.0f images/s with %d "
                "dedicated core(s)\n",
                thread_counts[t], images / best_cpu[t], thread_counts[t] * images / best_cpu[t],
                thread_counts[t]);
  std::printf("load average after: %s\n", first_line("/proc/loadavg").c_str());
  return sink == 0.123 ? 1 : 0;  // keeps the work from being optimised away
}
