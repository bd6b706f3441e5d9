// The dense layers' matrix products (nn/gemm.h) with and without the AVX-512 kernel, on the
// shapes the networks use: y = W x + b for a 64 x 64 (and 128 x 128) layer on blocks of 192
// (inference chunks) and 128 (training batches) columns, the weight gradient dY Xᵀ and the
// input gradient Wᵀ dY of a training batch. Prints GFLOP/s per shape and precision, best of
// 5 timings of enough repetitions for ~0.2 s, the two paths alternated.
//
//   build/bench/bench_gemm            (on a CPU without AVX-512 both columns are Eigen)
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "nn/gemm.h"

namespace {

using sbi::nn::MatrixOf;

double best_gflops(const std::function<void()>& op, double flops) {
  long reps = 1;
  for (;;) {  // enough repetitions for ~0.04 s a timing
    const auto t0 = std::chrono::steady_clock::now();
    for (long r = 0; r < reps; ++r) op();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0.04) break;
    reps *= 2;
  }
  double best = 0.0;
  for (int t = 0; t < 5; ++t) {
    const auto t0 = std::chrono::steady_clock::now();
    for (long r = 0; r < reps; ++r) op();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, flops * reps / s / 1e9);
  }
  return best;
}

void row(const std::string& name, const std::function<void()>& op, double flops) {
  sbi::nn::set_wide_gemm_enabled(false);
  const double eigen = best_gflops(op, flops);
  sbi::nn::set_wide_gemm_enabled(true);
  const double kernel = best_gflops(op, flops);
  std::printf("%-34s %10.1f %10.1f %8.2f\n", name.c_str(), eigen, kernel, kernel / eigen);
}

template <class T>
void affine_row(const char* type, long out, long in, long n) {
  const MatrixOf<T> w = MatrixOf<T>::Random(out, in), x = MatrixOf<T>::Random(in, n);
  const MatrixOf<T> b = MatrixOf<T>::Random(out, 1);
  MatrixOf<T> y;
  row(std::string(type) + " W x + b " + std::to_string(out) + "x" + std::to_string(in) + " . " +
          std::to_string(n),
      [&] { sbi::nn::affine(w, b.data(), x, &y); }, 2.0 * out * in * n);
}

}  // namespace

int main() {
  sbi::nn::set_wide_gemm_enabled(true);
  std::printf("AVX-512 kernel available: %s\n", sbi::nn::wide_gemm_enabled() ? "yes" : "no");
  std::printf("%-34s %10s %10s %8s\n", "product (GFLOP/s)", "Eigen", "kernel", "ratio");
  for (long width : {64L, 128L}) {
    affine_row<float>("float ", width, width, 192);
    affine_row<double>("double", width, width, 192);
    affine_row<double>("double", width, width, 128);
    const MatrixOf<double> w = MatrixOf<double>::Random(width, width);
    const MatrixOf<double> dy = MatrixOf<double>::Random(width, 128);
    const MatrixOf<double> x = MatrixOf<double>::Random(width, 128);
    MatrixOf<double> g = MatrixOf<double>::Zero(width, width), dx;
    const double flops = 2.0 * width * width * 128;
    row("double G += dY Xt, batch 128, " + std::to_string(width),
        [&] { sbi::nn::add_outer_products(dy, x, &g); }, flops);
    row("double Wt dY, batch 128, " + std::to_string(width),
        [&] { sbi::nn::transposed_product(w, dy, &dx); }, flops);
  }
  return 0;
}
