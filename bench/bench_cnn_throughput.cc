// Training throughput of the convolutional embedding (nn/cnn_embedding.h) followed by an MLP
// regression head, on 48 x 48 single-channel images, for the same-network comparison with
// PyTorch (bench/cnn_pytorch.py, bench/compare_pytorch_cnn.sh). Prints one line of
// key=value pairs; asserts nothing.
//
// Network (the CnnEmbedding defaults): [Conv2d(3 x 3, same) -> ReLU -> AvgPool(2)] with 16,
// 32, 64 channels -> flatten (64 x 6 x 6) -> Dense(2304, 128) -> ReLU -> Dense(128, 20) = c;
// head: Dense(20, 64) -> ReLU -> Dense(64, 64) -> ReLU -> Dense(64, 4). Loss: mean squared
// error against the 4 z-scored parameters of the image. One step: gather a batch (per-epoch
// shuffle), zero_grad, forward, loss gradient, backward, clip_grad_norm(5), Adam (lr 1e-3),
// as sbi/trainer.cc does.
//
// Data: --images images of a Gaussian blob I = a exp(-|p - p0|² / (2 s²)) plus white noise
// of σ 0.1, with p0 ~ U(12, 36)² pixels, s ~ U(1.5, 4), a ~ U(0.5, 2); the targets are
// (p0, s, a), z-scored with the prior's moments.
//
//   bench_cnn_throughput [--steps 30] [--warmup 3] [--batch-size 128] [--images 2048]
//                        [--size 48] [--seed 1] [--train-precision float64|float32] [--dump PATH]
//
// --train-precision float32 runs the training passes as `sbi train --train-precision float32`
// does (the convolutions, pooling, activations and MLPs in float; Adam in double).
//
// Threads: OMP_NUM_THREADS; the convolutions run image chunks in parallel (nn/cnn_embedding.h).
// Besides wall time it reports the process's CPU time (cpu_s, all threads together): at one
// thread on a shared machine, the figure that other processes do not inflate.
// --dump PATH writes, as text, a batch of 16 images with targets, the parameters at
// initialisation and after the warm-up steps, the loss and gradient norm on that batch at
// both and the embedding of the batch, for cnn_pytorch.py --check PATH.
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <string>
#include <vector>

#include "core/progress.h"
#include "nn/adam.h"
#include "nn/cnn_embedding.h"
#include "bench/bench_support.h"

namespace {

using sbi::bench::flag;
using sbi::bench::int_flag;
using sbi::bench::ShuffledBatches;

using sbi::nn::Matrix;

// CPU time of the process (all threads), seconds: on a shared machine a one-thread run
// loses wall time to other processes but not CPU time.
double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Minor page faults of the process so far: a warmed-up step that allocates nothing new
// faults no pages.
long page_faults() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// "name rows cols v..." with the values in row-major order (PyTorch's layout).
void write_matrix(std::ofstream& out, const std::string& name, const Matrix& m) {
  out << name << ' ' << m.rows() << ' ' << m.cols();
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) out << ' ' << m(i, j);
  out << '\n';
}

// The blob images (one per column, row-major pixels) and their z-scored parameters.
void blobs(long n, int size, std::uint64_t seed, Matrix* x, Matrix* targets) {
  x->resize(static_cast<Eigen::Index>(size) * size, n);
  targets->resize(4, n);
  const double lo = 0.2 * size, hi = 0.8 * size;  // 12 .. 36 at 48 pixels
  for (long k = 0; k < n; ++k) {
    sbi::core::Rng rng(seed, k);
    const double x0 = rng.uniform(lo, hi), y0 = rng.uniform(lo, hi);
    const double s = rng.uniform(1.5, 4.0), a = rng.uniform(0.5, 2.0);
    for (int r = 0; r < size; ++r)
      for (int c = 0; c < size; ++c)
        (*x)(r * size + c, k) =
            a * std::exp(-((c - x0) * (c - x0) + (r - y0) * (r - y0)) / (2 * s * s)) + 0.1 * rng.normal();
    // z-scores with the uniform priors' means and standard deviations (b - a) / sqrt(12).
    auto z = [](double v, double a_, double b_) {
      return (v - 0.5 * (a_ + b_)) / ((b_ - a_) / std::sqrt(12.0));
    };
    (*targets)(0, k) = z(x0, lo, hi);
    (*targets)(1, k) = z(y0, lo, hi);
    (*targets)(2, k) = z(s, 1.5, 4.0);
    (*targets)(3, k) = z(a, 0.5, 2.0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sbi;
  const long steps = int_flag(argc, argv, "steps", 30);
  const long warmup = int_flag(argc, argv, "warmup", 3);
  const long batch = int_flag(argc, argv, "batch-size", 128);
  const long n = int_flag(argc, argv, "images", 2048);
  const int size = static_cast<int>(int_flag(argc, argv, "size", 48));
  const std::uint64_t seed = static_cast<std::uint64_t>(int_flag(argc, argv, "seed", 1));
  const std::string dump = flag(argc, argv, "dump", "");
  // float32: the convolutions, pooling, activations, both MLPs and Adam in single precision
  // (sbi train --train-precision float32).
  const nn::Precision precision = nn::parse_precision(flag(argc, argv, "train-precision", "float64"));
  const double clip = 5.0, learning_rate = 1e-3;  // TrainOptions defaults
  if (steps < 1 || warmup < 0 || batch < 1 || n < batch || size < 8) {
    std::fprintf(
        stderr, "bench_cnn_throughput: need steps >= 1, warmup >= 0, 1 <= batch-size <= images, size >= 8\n");
    return 2;
  }

  Matrix x, targets;
  blobs(n, size, seed, &x, &targets);
  nn::CnnOptions co;  // the defaults: blocks of 16, 32, 64 channels, 3 x 3, ReLU, avg, flatten
  co.height = co.width = size;
  co.out_dim = 20;
  co.training_precision = precision;
  core::Rng rng(seed, 7);
  nn::CnnEmbedding embedding(co, &rng);
  nn::MlpOptions ho;
  ho.in = co.out_dim;
  ho.out = 4;
  ho.hidden = 64;
  ho.num_layers = 2;
  nn::Mlp head(ho, &rng);
  nn::MlpCache head_cache;
  head_cache.precision = precision;
  nn::Parameters params = embedding.parameters();
  append_parameters("regressor", head.parameters(), &params);
  nn::AdamOptions adam_options{learning_rate};
  nn::Adam adam(params, adam_options);
  const long num_params = nn::count_scalars(params);

  Matrix grad_pred, grad_c;
  ShuffledBatches batches(x, targets, batch, seed);
  // loss = mean over the batch and the 4 targets of (pred - t)²  (PyTorch's mse_loss).
  double forward_s = 0, backward_s = 0;
  auto loss_and_gradient = [&](const Matrix& images, const Matrix& t) {
    core::Stopwatch f;
    const Matrix& c = embedding.forward(images);
    const Matrix& pred = head.forward(c, &head_cache);
    forward_s += f.seconds();
    const double loss = (pred - t).squaredNorm() / static_cast<double>(pred.size());
    grad_pred = 2.0 / static_cast<double>(pred.size()) * (pred - t);
    core::Stopwatch g;
    head.backward(&head_cache, grad_pred, &grad_c);
    embedding.backward(grad_c);
    backward_s += g.seconds();
    return loss;
  };
  auto train_step = [&]() {
    batches.next();
    nn::zero_grad(params);
    const double loss = loss_and_gradient(batches.a_batch(), batches.b_batch());
    nn::clip_grad_norm(params, clip);
    adam.step();
    return loss;
  };

  // For --dump: a fixed batch (the first 16 images) and its loss and gradient norm.
  const long check_n = std::min<long>(16, n);
  const Matrix check_x = x.leftCols(check_n), check_t = targets.leftCols(check_n);
  auto check_loss = [&](double* grad_norm) {
    nn::zero_grad(params);
    const double loss = loss_and_gradient(check_x, check_t);
    *grad_norm = nn::flatten_grads(params).norm();
    nn::zero_grad(params);
    return loss;
  };
  double init_grad_norm = 0;
  const double init_loss = check_loss(&init_grad_norm);
  std::vector<Matrix> init_values;
  for (const nn::Parameter& p : params) init_values.push_back(*p.value);

  double loss = 0;
  for (long i = 0; i < warmup; ++i) loss = train_step();

  if (!dump.empty()) {
    std::ofstream out(dump);
    out << std::setprecision(17);
    out << "config " << size << ' ' << co.kernel << ' ' << co.hidden << ' ' << co.out_dim << ' '
        << num_params;
    for (int c : co.block_channels) out << ' ' << c;
    out << '\n';
    write_matrix(out, "batch_x", check_x.transpose());
    write_matrix(out, "batch_t", check_t.transpose());
    double g = 0;
    const double l = check_loss(&g);
    out << "loss_init " << init_loss << "\ngrad_norm_init " << init_grad_norm << '\n';
    out << "loss " << l << "\ngrad_norm " << g << '\n';
    write_matrix(out, "embedding", embedding.embed(check_x).transpose());
    for (size_t i = 0; i < params.size(); ++i)
      write_matrix(out, "init_param " + params[i].name, init_values[i]);
    for (const nn::Parameter& p : params) write_matrix(out, "param " + p.name, *p.value);
    if (!out) {
      std::fprintf(stderr, "bench_cnn_throughput: cannot write %s\n", dump.c_str());
      return 1;
    }
  }

  forward_s = backward_s = 0;
  core::Stopwatch clock;
  const double cpu_start = cpu_seconds();
  const long faults_start = page_faults();
  double loss_sum = 0;
  for (long i = 0; i < steps; ++i) loss_sum += (loss = train_step());
  const double train_s = clock.seconds(), cpu_s = cpu_seconds() - cpu_start;
  const long faults = page_faults() - faults_start;
  std::printf(
      "impl=cpp dtype=%s threads=%d params=%ld batch=%ld size=%d warmup=%ld steps=%ld train_s=%.4f "
      "cpu_s=%.4f steps_per_s=%.3f cpu_ms_per_step=%.2f images_per_s=%.1f forward_ms=%.2f backward_ms=%.2f "
      "other_ms=%.2f loss_init=%.6f "
      "loss_final=%.6f loss_mean=%.6f page_faults_per_step=%.1f\n",
      nn::precision_name(precision).c_str(), omp_get_max_threads(), num_params, batch, size, warmup, steps, train_s, cpu_s, steps / train_s,
      1e3 * cpu_s / steps, steps * batch / train_s, 1e3 * forward_s / steps, 1e3 * backward_s / steps,
      1e3 * (train_s - forward_s - backward_s) / steps, init_loss, loss, loss_sum / steps,
      static_cast<double>(faults) / steps);
  return 0;
}
