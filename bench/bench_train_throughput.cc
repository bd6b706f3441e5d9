// Training and sampling throughput of the conditional RealNVP on two_moons, for the
// same-architecture comparison with PyTorch (bench/realnvp_pytorch.py, compare_pytorch.sh).
// Prints one line of key=value pairs; asserts nothing.
//
// The timed loop is the inner loop of sbi/trainer.cc, step for step: a batch (from a
// per-epoch shuffle of all simulations), zero_grad, the sharded NPE loss and gradient
// (sbi/data_parallel.h: per shard, gather, embedding forward, density loss_and_gradient,
// embedding backward; then the weighted sum of the shards), the gradient norm, the Adam step
// with the clipping factor. No validation pass.
//
//   bench_train_throughput [--steps 2000] [--warmup 50] [--batch-size 128] [--hidden 64]
//                          [--transforms 5] [--layers 2] [--sims 10000] [--seed 1]
//                          [--samples 10000] [--sample-reps 5] [--shards 0] [--dump PATH]
//
// Threads: the training step splits each batch into --shards shards (0: one per
// OMP_NUM_THREADS thread, as `sbi train`), one thread each; sample() and log_prob() split
// their columns across OMP_NUM_THREADS.
//
// --dump PATH writes, as text, one batch, the parameters at initialisation and after the
// warm-up steps, the loss and gradient norm on that batch at both, and one inverse pass, so that
// realnvp_pytorch.py --check PATH can verify that both sides compute the same function.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <string>
#include <vector>

#include "core/progress.h"
#include "sbi/density_factory.h"
#include "flows/coupling_flow.h"
#include "flows/realnvp.h"
#include "nn/adam.h"
#include "sbi/data_parallel.h"
#include "sbi/npe_objective.h"
#include "sbi/posterior_model.h"
#include "sbi/standardizer.h"
#include "simulators/batch.h"
#include "simulators/registry.h"
#include "bench/bench_support.h"

namespace {

using sbi::bench::flag;
using sbi::bench::int_flag;
using sbi::bench::ShuffledBatches;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// "name rows cols v..." with the values in row-major order (PyTorch's layout).
void write_matrix(std::ofstream& out, const std::string& name, const Eigen::MatrixXd& m) {
  out << name << ' ' << m.rows() << ' ' << m.cols();
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) out << ' ' << m(i, j);
  out << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sbi;
  const long steps = int_flag(argc, argv, "steps", 2000);
  const long warmup = int_flag(argc, argv, "warmup", 50);
  const long batch = int_flag(argc, argv, "batch-size", 128);
  const long n = int_flag(argc, argv, "sims", 10000);
  const long num_samples = int_flag(argc, argv, "samples", 10000);
  const int sample_reps = static_cast<int>(int_flag(argc, argv, "sample-reps", 5));
  const std::uint64_t seed = static_cast<std::uint64_t>(int_flag(argc, argv, "seed", 1));
  const std::string dump = flag(argc, argv, "dump", "");
  const int shards_flag = static_cast<int>(int_flag(argc, argv, "shards", 0));
  // The RealNVP of realnvp_pytorch.py with the defaults of `sbi train --estimator realnvp`.
  ModelOptions mo;
  mo.density = sbi::default_density_options(sbi::DensityKind::kRealNVP);
  mo.density.hidden = static_cast<int>(int_flag(argc, argv, "hidden", mo.density.hidden));
  mo.density.transforms = static_cast<int>(int_flag(argc, argv, "transforms", mo.density.transforms));
  mo.density.layers = static_cast<int>(int_flag(argc, argv, "layers", mo.density.layers));
  // The first sampling and log_prob figures are double precision (dtype=float64); the f32_
  // figures switch the same flow to single-precision inference afterwards.
  mo.density.inference_precision = flows::InferencePrecision::kFloat64;
  // --train-precision float32: the conditioners' training passes in float (nn/mlp.h).
  mo.density.training_precision =
      nn::parse_precision(flag(argc, argv, "train-precision", "float64"));
  const double clip = 5.0, learning_rate = 1e-3;  // TrainOptions defaults
  if (steps < 1 || warmup < 0 || batch < 1 || n < batch || num_samples < 1 || sample_reps < 1) {
    std::fprintf(stderr, "bench_train_throughput: need steps >= 1, warmup >= 0, 1 <= batch-size <= sims, "
                         "samples >= 1, sample-reps >= 1\n");
    return 2;
  }

  // Data: two_moons from the prior, z-scored as the trainer does.
  const simulators::Task task = simulators::make_task("two_moons");
  simulators::SimulateOptions so;
  so.seed = seed;
  const simulators::SimulationBatch sims = simulators::simulate_from_prior(task, n, so);
  PosteriorModel model = PosteriorModel::create(mo, task.simulator->theta_dim(), task.simulator->x_dim());
  model.theta_norm = Standardizer::fit(sims.theta);
  model.x_norm = Standardizer::fit(sims.x);
  const Eigen::MatrixXd theta = model.theta_norm.apply(sims.theta);
  const Eigen::MatrixXd x = model.x_norm.apply(sims.x);

  nn::Parameters params = model.parameters();
  nn::AdamOptions adam_options{learning_rate};
  nn::Adam adam(params, adam_options);
  const long num_params = nn::count_scalars(params);

  Eigen::MatrixXd grad_context;
  ShuffledBatches batches(theta, x, batch, seed);
  NpeObjective objective(&model, theta, x, theta.leftCols(1), x.leftCols(1));  // no validation
  ShardedObjective sharded(&objective, shards_flag, batch);
  std::vector<double> terms;
  auto train_step = [&]() {
    batches.next();
    nn::zero_grad(params);
    const double loss = sharded.loss_and_gradient(batches.indices(), &terms);
    adam.step(nn::clip_scale(nn::gradient_norm(params), clip));  // as sbi/trainer.cc clips
    return loss;
  };

  // For --dump: a fixed batch (the first columns) and its loss and gradient norm.
  const long check_n = std::min<long>(batch, n);
  const Eigen::MatrixXd check_theta = theta.leftCols(check_n), check_x = x.leftCols(check_n);
  auto check_loss = [&](double* grad_norm) {
    nn::zero_grad(params);
    const Eigen::MatrixXd c = model.embedding->forward(check_x);
    const double loss = model.density->loss_and_gradient(check_theta, c, &grad_context);
    model.embedding->backward(grad_context);
    *grad_norm = nn::flatten_grads(params).norm();
    nn::zero_grad(params);
    return loss;
  };
  double init_grad_norm = 0;
  const double init_loss = check_loss(&init_grad_norm);
  std::vector<Eigen::MatrixXd> init_values;
  for (const nn::Parameter& p : params) init_values.push_back(*p.value);

  double loss = 0;
  for (long i = 0; i < warmup; ++i) loss = train_step();

  if (!dump.empty()) {
    std::ofstream out(dump);
    out << std::setprecision(17);
    out << "config " << mo.density.transforms << ' ' << mo.density.hidden << ' ' << mo.density.layers << ' '
        << model.theta_dim() << ' ' << model.x_dim() << ' ' << mo.seed << ' ' << num_params << '\n';
    write_matrix(out, "batch_theta", check_theta.transpose());
    write_matrix(out, "batch_context", check_x.transpose());
    double g = 0;
    const double l = check_loss(&g);
    out << "loss_init " << init_loss << "\ngrad_norm_init " << init_grad_norm << '\n';
    out << "loss " << l << "\ngrad_norm " << g << '\n';
    for (size_t i = 0; i < params.size(); ++i) write_matrix(out, "init_param " + params[i].name, init_values[i]);
    for (const nn::Parameter& p : params) write_matrix(out, "param " + p.name, *p.value);
    // One inverse pass: z (a fixed standard normal batch) -> theta, at the warmed-up weights.
    const auto* flow = dynamic_cast<const flows::RealNVP*>(model.density.get());
    if (flow != nullptr) {
      core::Rng zr(seed, 99);
      Eigen::MatrixXd z(model.theta_dim(), check_n);
      for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = zr.normal();
      const Eigen::MatrixXd c = model.embedding->embed(check_x);
      write_matrix(out, "inverse_z", z.transpose());
      write_matrix(out, "inverse_theta", flow->inverse(z, c, nullptr).transpose());
    }
    if (!out) {
      std::fprintf(stderr, "bench_train_throughput: cannot write %s\n", dump.c_str());
      return 1;
    }
  }

  core::Stopwatch clock;
  double tail_sum = 0;
  const long tail = std::min<long>(100, steps);
  for (long i = 0; i < steps; ++i) {
    loss = train_step();
    if (i >= steps - tail) tail_sum += loss;
  }
  const double train_s = clock.seconds();

  // Sampling: num_samples draws for one observation (the first simulated x), the same with
  // log q of each draw from the inverse pass, then log_prob of the draws; each timed
  // sample_reps times after one untimed call, median reported.
  const Eigen::MatrixXd context = model.embedding->embed(x.col(0)).replicate(1, num_samples);
  core::Rng rng(seed, 7);
  Eigen::VectorXd lp, lp_sampled;
  Eigen::MatrixXd draws = model.density->sample(context, &rng, &lp_sampled);
  lp = model.density->log_prob(draws, context);
  std::vector<double> sample_t, sample_lp_t, log_prob_t;
  for (int r = 0; r < sample_reps; ++r) {
    core::Stopwatch s;
    draws = model.density->sample(context, &rng, nullptr);
    sample_t.push_back(s.seconds());
    core::Stopwatch s2;
    draws = model.density->sample(context, &rng, &lp_sampled);
    sample_lp_t.push_back(s2.seconds());
    core::Stopwatch t;
    lp = model.density->log_prob(draws, context);
    log_prob_t.push_back(t.seconds());
  }
  const double sample_s = median(sample_t), sample_lp_s = median(sample_lp_t),
               log_prob_s = median(log_prob_t);
  // The two ways of getting log q of the same draws must agree.
  const double lp_mismatch = (lp - lp_sampled).cwiseAbs().maxCoeff();

  // The same passes with the conditioners in single precision (flows/coupling_flow.h), and
  // how far their log q of the same draws is from double's.
  auto* coupling = dynamic_cast<flows::CouplingFlow*>(model.density.get());
  coupling->set_inference_precision(flows::InferencePrecision::kFloat32);
  Eigen::VectorXd lp32 = model.density->log_prob(draws, context);
  const double lp32_error = (lp32 - lp).cwiseAbs().maxCoeff();
  std::vector<double> sample32_t, log_prob32_t;
  for (int r = 0; r < sample_reps; ++r) {
    core::Stopwatch s;
    model.density->sample(context, &rng, nullptr);
    sample32_t.push_back(s.seconds());
    core::Stopwatch t;
    lp32 = model.density->log_prob(draws, context);
    log_prob32_t.push_back(t.seconds());
  }
  coupling->set_inference_precision(flows::InferencePrecision::kFloat64);

  std::printf(
      "impl=cpp dtype=float64 train_precision=%s threads=%d shards=%d params=%ld batch=%ld hidden=%d transforms=%d layers=%d "
      "warmup=%ld steps=%ld train_s=%.4f steps_per_s=%.1f samples_per_s=%.0f loss_init=%.6f "
      "loss_final=%.6f loss_last100=%.6f sample_n=%ld sample_s=%.5f draws_per_s=%.0f "
      "sample_lp_s=%.5f sample_lp_per_s=%.0f log_prob_s=%.5f log_prob_per_s=%.0f mean_log_prob=%.4f "
      "lp_mismatch=%.1e f32_draws_per_s=%.0f f32_log_prob_per_s=%.0f f32_log_prob_max_error=%.1e\n",
      nn::precision_name(mo.density.training_precision).c_str(),
      omp_get_max_threads(), sharded.shards(), num_params, batch, mo.density.hidden, mo.density.transforms, mo.density.layers, warmup, steps,
      train_s, steps / train_s, steps * batch / train_s, init_loss, loss, tail_sum / tail,
      num_samples, sample_s, num_samples / sample_s, sample_lp_s, num_samples / sample_lp_s, log_prob_s,
      num_samples / log_prob_s, lp.mean(), lp_mismatch, num_samples / median(sample32_t),
      num_samples / median(log_prob32_t), lp32_error);
  return 0;
}
