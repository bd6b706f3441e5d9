// Out-of-core training throughput relative to in-memory training (sbi/out_of_core.h): the same
// file of simulations trained on for a few epochs by train() with everything in memory and by
// train_out_of_core() within a tenth of the file's size, rounds alternated in one run. Prints
// training examples per second of each and their ratio; asserts nothing.
//
//   bench_out_of_core [--rows 500000] [--theta-dim 5] [--x-dim 20] [--epochs 2] [--rounds 2]
//                     [--budget-fraction 0.1] [--compress 0] [--dir /tmp]
//
// The data: θ ~ N(0, I), x = A θ + 0.3 noise (A fixed), written as float64 (N, D) datasets in
// HDF5 chunks of 4096 rows (deflated with --compress 1). The model: the default nsf of `sbi
// train`. Threads: OMP_NUM_THREADS (one shard each). The file is read through the page cache
// after the first round: the figure is the cost of streaming (range reads, conversion,
// standardisation per chunk, the cache of chunks), not of a disk.
#include <omp.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "bench/bench_support.h"
#include "core/progress.h"
#include "io/h5_file.h"
#include "sbi/model_options.h"
#include "sbi/out_of_core.h"
#include "sbi/posterior_model.h"
#include "sbi/simulation_rows.h"
#include "sbi/trainer.h"

namespace {

using sbi::bench::flag;
using sbi::bench::int_flag;

Eigen::MatrixXd normal_matrix(long rows, long cols, std::uint64_t stream) {
  sbi::core::Rng rng(7, stream);
  Eigen::MatrixXd m(rows, cols);
  for (long j = 0; j < cols; ++j)
    for (long i = 0; i < rows; ++i) m(i, j) = rng.normal();
  return m;
}

sbi::PosteriorModel fresh_model(int theta_dim, int x_dim) {
  sbi::ModelOptions mo;
  mo.density = sbi::default_density_options(sbi::DensityKind::kNSF);
  mo.seed = 1;
  return sbi::PosteriorModel::create(mo, theta_dim, x_dim);
}

}  // namespace

int main(int argc, char** argv) {
  const long rows = int_flag(argc, argv, "rows", 500000);
  const int theta_dim = static_cast<int>(int_flag(argc, argv, "theta-dim", 5));
  const int x_dim = static_cast<int>(int_flag(argc, argv, "x-dim", 20));
  const int epochs = static_cast<int>(int_flag(argc, argv, "epochs", 2));
  const int rounds = static_cast<int>(int_flag(argc, argv, "rounds", 2));
  const double fraction = std::atof(flag(argc, argv, "budget-fraction", "0.1").c_str());
  const bool compress = int_flag(argc, argv, "compress", 0) != 0;
  const std::string path =
      (std::filesystem::path(flag(argc, argv, "dir", "/tmp")) / "bench_out_of_core.h5").string();

  {
    const Eigen::MatrixXd theta = normal_matrix(theta_dim, rows, 1);
    const Eigen::MatrixXd a = normal_matrix(x_dim, theta_dim, 2);
    const Eigen::MatrixXd x = a * theta + 0.3 * normal_matrix(x_dim, rows, 3);
    sbi::io::H5File f = sbi::io::H5File::create(path);
    sbi::io::WriteOptions chunked;
    chunked.compress = compress;
    chunked.chunk_shape = {4096, static_cast<size_t>(theta_dim)};
    f.write_matrix("/theta", theta, chunked);
    chunked.chunk_shape = {4096, static_cast<size_t>(x_dim)};
    f.write_matrix("/x", x, chunked);
    f.close();
  }
  const sbi::SimulationRows file(path);
  const double data_bytes = file.row_bytes() * static_cast<double>(rows);
  sbi::TrainOptions options;
  options.max_epochs = epochs;
  options.seed = 3;
  const sbi::OutOfCorePlan plan =
      sbi::plan_out_of_core(rows, file.row_bytes(), fraction * data_bytes, file.chunk_rows(), options.batch_size);
  std::printf("# %s, %d threads, %ld rows of %d + %d float64 (%.1f MiB%s), %d epochs, budget %.2f of the file: %s\n",
              sbi::bench::cpu_model().c_str(), omp_get_max_threads(), rows, theta_dim, x_dim, data_bytes / 1048576.0,
              compress ? ", deflated" : "", epochs, fraction, plan.describe(file.row_bytes()).c_str());

  double best_memory = 0, best_streamed = 0;
  for (int round = 0; round < rounds; ++round) {
    // In memory: read the file whole, train() with its full shuffle.
    sbi::core::Stopwatch memory_clock;
    const sbi::SimulationData data = sbi::load_simulations(path, sbi::NonFinitePolicy::kDrop);
    sbi::PosteriorModel memory_model = fresh_model(theta_dim, x_dim);
    sbi::TrainSummary memory_summary;
    sbi::train(options, data.theta, data.x, &memory_model, &memory_summary);
    const double memory_seconds = memory_clock.seconds();
    const double memory_rate =
        static_cast<double>(epochs) * static_cast<double>(memory_summary.num_train / 128 * 128) / memory_seconds;

    sbi::core::Stopwatch streamed_clock;
    sbi::PosteriorModel streamed_model = fresh_model(theta_dim, x_dim);
    sbi::TrainSummary streamed_summary;
    sbi::OutOfCoreReport report;
    sbi::train_out_of_core(options, plan, rows, sbi::reader_of(file), sbi::NonFinitePolicy::kDrop, &streamed_model,
                           &streamed_summary, &report);
    const double streamed_seconds = streamed_clock.seconds();
    const double streamed_rate =
        static_cast<double>(epochs) * static_cast<double>(report.train / 128 * 128) / streamed_seconds;
    std::printf("round=%d in_memory_examples_per_s=%.0f (%.2f s whole, load and split included) "
                "streamed_examples_per_s=%.0f (%.2f s whole; %.2f s passes before training, %.2f s reading %ld chunks) "
                "ratio=%.3f validation_loss_memory=%.4f validation_loss_streamed=%.4f\n",
                round + 1, memory_rate, memory_seconds, streamed_rate, streamed_seconds, report.scan_seconds,
                report.streaming.seconds_reading, report.streaming.chunk_reads, streamed_rate / memory_rate,
                memory_summary.best_validation_loss, streamed_summary.best_validation_loss);
    std::fflush(stdout);
    best_memory = std::max(best_memory, memory_rate);
    best_streamed = std::max(best_streamed, streamed_rate);
  }
  std::printf("best in_memory_examples_per_s=%.0f streamed_examples_per_s=%.0f ratio=%.3f\n", best_memory, best_streamed,
              best_streamed / best_memory);
  std::filesystem::remove(path);
  return 0;
}
