// Out-of-core training (sbi/out_of_core.h): the chunked shuffle is a permutation whose windows
// come from few chunks; streamed examples hold at most two windows and read every chunk once
// per epoch; and, the acceptance test, training streamed from a file within a tenth of its
// size gives the loss history and weights of training on the same rows held in memory with
// the same order, bit for bit (also with two shards on two threads).
#include <gtest/gtest.h>

#include <omp.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <set>

#include "core/error.h"
#include "core/rng.h"
#include "io/h5_file.h"
#include "sbi/chunked_shuffle.h"
#include "sbi/out_of_core.h"
#include "sbi/simulation_rows.h"
#include "testing/random_matrix.h"
#include "testing/temp_dir.h"
#include "testing/thread_count.h"

namespace sbi {
namespace {

using testing::standard_normal_matrix;
using testing::ThreadCount;

TEST(ChunkedShuffle, IsAPermutationWhoseWindowsComeFromWindowChunks) {
  const long n = 1003, chunk = 10, window = 4;  // a partial last chunk
  core::Rng rng(5, 1);
  std::vector<long> order, previous;
  for (int epoch = 0; epoch < 3; ++epoch) {
    chunked_shuffle_order(n, {chunk, window}, &rng, &order);
    ASSERT_EQ(static_cast<long>(order.size()), n);
    std::vector<long> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (long i = 0; i < n; ++i) ASSERT_EQ(sorted[i], i);
    // Every window but the last is `window` chunks; the last has the partial one too.
    for (long w = 0; w < n; w += window * chunk) {
      std::set<long> chunks;
      for (long i = w; i < std::min(n, w + window * chunk); ++i) chunks.insert(order[i] / chunk);
      EXPECT_LE(static_cast<long>(chunks.size()), w + window * chunk < n - n % chunk ? window : window + 1);
    }
    // Shuffled within windows: far from the identity inside the first window.
    long in_place = 0;
    for (long i = 1; i < window * chunk; ++i) in_place += order[i] == order[i - 1] + 1;
    EXPECT_LT(in_place, window * chunk / 4);
    EXPECT_NE(order, previous);
    previous = order;
  }
}

// A file of n simulations, x = A theta + noise (3 parameters, 4 data), in HDF5 chunks.
void write_simulations(const std::string& path, long n, long chunk_rows, Eigen::MatrixXd* theta,
                       Eigen::MatrixXd* x) {
  *theta = standard_normal_matrix(3, n, 11);
  Eigen::MatrixXd a(4, 3);
  a << 1, 0.5, 0, 0, 1, -0.3, 0.2, 0, 1, 1, 1, 1;
  *x = a * *theta + 0.3 * standard_normal_matrix(4, n, 12);
  io::H5File f = io::H5File::create(path);
  io::WriteOptions chunked;
  chunked.compress = true;
  chunked.chunk_shape = {static_cast<size_t>(chunk_rows), 3};
  f.write_matrix("/theta", *theta, chunked);
  chunked.chunk_shape = {static_cast<size_t>(chunk_rows), 4};
  f.write_matrix("/x", *x, chunked);
  f.close();
}

PosteriorModel small_model() {
  ModelOptions mo;
  mo.density = default_density_options(DensityKind::kNSF);
  mo.density.hidden = 16;
  mo.density.transforms = 2;
  mo.density.layers = 1;
  mo.seed = 3;
  return PosteriorModel::create(mo, 3, 4);
}

TrainOptions few_epochs(int shards) {
  TrainOptions options;
  options.batch_size = 64;
  options.max_epochs = 4;
  options.seed = 21;
  options.shards = shards;
  return options;
}

ReadRows reader_of_matrices(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x) {
  return [&theta, &x](long first, long count, Eigen::MatrixXd* t, Eigen::MatrixXd* v) {
    *t = theta.middleCols(first, count);
    *v = x.middleCols(first, count);
  };
}

void expect_same_training(const TrainSummary& a, const TrainSummary& b, PosteriorModel* ma, PosteriorModel* mb) {
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t e = 0; e < a.history.size(); ++e) {
    EXPECT_EQ(a.history[e].train_loss, b.history[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(a.history[e].validation_loss, b.history[e].validation_loss) << "epoch " << e + 1;
  }
  EXPECT_EQ(nn::flatten_values(ma->parameters()), nn::flatten_values(mb->parameters()));
  EXPECT_EQ(ma->theta_norm.mean, mb->theta_norm.mean);
  EXPECT_EQ(ma->x_norm.std, mb->x_norm.std);
}

TEST(OutOfCore, StreamedWithinATenthOfTheFileTrainsAsTheSameRowsInMemory) {
  testing::TempDir dir;
  const std::string path = dir.file("sims.h5");
  const long n = 20000;
  Eigen::MatrixXd theta, x;
  write_simulations(path, n, 500, &theta, &x);
  const SimulationRows file(path);
  ASSERT_EQ(file.rows(), n);
  ASSERT_EQ(file.chunk_rows(), 500);
  const double data_bytes = file.row_bytes() * static_cast<double>(n);
  const OutOfCorePlan plan = plan_out_of_core(n, file.row_bytes(), data_bytes / 10, file.chunk_rows(), 64);
  // What the plan holds at once fits the budget: the chunks, the validation examples, the index.
  const double held = file.row_bytes() * static_cast<double>(plan.held_chunks * plan.chunk_rows + plan.max_validation) +
                      n / 8.0 + 8.0 * (n / plan.chunk_rows + 2);
  EXPECT_LE(held, data_bytes / 10);
  EXPECT_GE(plan.window_chunks, 4);
  EXPECT_EQ(plan.statistics_rows, plan.max_validation);

  for (int shards : {1, 2}) {
    ThreadCount threads(shards);
    PosteriorModel streamed_model = small_model(), memory_model = small_model();
    TrainSummary streamed, in_memory;
    OutOfCoreReport streamed_report, memory_report;
    train_out_of_core(few_epochs(shards), plan, n, reader_of(file), NonFinitePolicy::kDrop, &streamed_model,
                      &streamed, &streamed_report);
    OutOfCorePlan everything = plan;  // the same order, every chunk held once read
    everything.held_chunks = n / plan.chunk_rows + 1;
    train_out_of_core(few_epochs(shards), everything, n, reader_of_matrices(theta, x), NonFinitePolicy::kDrop,
                      &memory_model, &in_memory, &memory_report);
    expect_same_training(streamed, in_memory, &streamed_model, &memory_model);
    EXPECT_EQ(streamed.epochs, 4);
    EXPECT_LT(streamed.history.back().validation_loss, streamed.history.front().validation_loss);
    // Validation: 10% of 20000 = 2000 asked, capped by a fifth of the budget.
    EXPECT_EQ(streamed_report.validation, std::min(2000L, plan.max_validation));
    EXPECT_EQ(streamed_report.train + streamed_report.validation, n);
    // Each chunk read once per epoch, never more than the plan's held at once.
    const long chunks = (streamed_report.train + plan.chunk_rows - 1) / plan.chunk_rows;
    // (A chunk whose examples all fall in the dropped last partial batch is not read.)
    EXPECT_LE(streamed_report.streaming.chunk_reads, 4 * chunks);
    EXPECT_GE(streamed_report.streaming.chunk_reads, 4 * (chunks - 1));
    EXPECT_LE(streamed_report.streaming.most_chunks_held, plan.held_chunks);
    EXPECT_EQ(memory_report.streaming.chunk_reads, chunks);  // in memory: read once, kept
    EXPECT_GT(streamed_report.examples_per_second, 0);
    EXPECT_EQ(streamed.chunked_shuffle.chunk_rows, plan.chunk_rows);
  }
}

TEST(StreamedExamples, GathersTheRowsNotExcludedInFileOrderHoldingAtMostItsCapacity) {
  const long n = 500;
  const Eigen::MatrixXd theta = standard_normal_matrix(2, n, 3), x = standard_normal_matrix(3, n, 4);
  std::vector<bool> excluded(n, false);
  std::vector<Eigen::Index> kept;
  for (long r = 0; r < n; ++r) {
    excluded[r] = r % 7 == 3 || r == n - 1 || (r >= 40 && r < 60);
    if (!excluded[r]) kept.push_back(r);
  }
  long reads = 0;
  ReadRows counting_reader = [&](long first, long count, Eigen::MatrixXd* t, Eigen::MatrixXd* v) {
    ++reads;
    EXPECT_FALSE(excluded[first]);  // a range starts at an example
    *t = theta.middleCols(first, count);
    *v = x.middleCols(first, count);
  };
  StreamedExamples examples(counting_reader, [](Eigen::MatrixXd* t, Eigen::MatrixXd*) { *t *= 2; }, excluded, 16, 3);
  ASSERT_EQ(examples.size(), static_cast<long>(kept.size()));
  const Eigen::MatrixXd theta_kept = 2 * theta(Eigen::all, kept), x_kept = x(Eigen::all, kept);
  core::Rng rng(1, 2);
  Eigen::MatrixXd t, v;
  for (int round = 0; round < 50; ++round) {
    std::vector<long> batch;
    for (int j = 0; j < 9; ++j) batch.push_back(static_cast<long>(rng.below(kept.size())));
    examples.gather(batch, &t, &v);
    for (int j = 0; j < 9; ++j) {
      ASSERT_EQ(t.col(j), theta_kept.col(batch[j])) << "example " << batch[j];
      ASSERT_EQ(v.col(j), x_kept.col(batch[j])) << "example " << batch[j];
    }
  }
  EXPECT_EQ(examples.counters().chunk_reads, reads);
  EXPECT_EQ(examples.counters().most_chunks_held, 3);
}

TEST(OutOfCore, DropsOrRefusesRowsWithNonFiniteX) {
  const long n = 3000;
  Eigen::MatrixXd theta = standard_normal_matrix(3, n, 1), x = standard_normal_matrix(4, n, 2);
  for (long j : {7L, 1500L, 2999L}) x(1, j) = std::numeric_limits<double>::quiet_NaN();
  x(0, 100) = std::numeric_limits<double>::infinity();
  const OutOfCorePlan plan = plan_out_of_core(n, 56, 56.0 * n / 5, 0, 64);
  PosteriorModel model = small_model();
  TrainSummary summary;
  OutOfCoreReport report;
  TrainOptions options = few_epochs(1);
  options.max_epochs = 1;
  train_out_of_core(options, plan, n, reader_of_matrices(theta, x), NonFinitePolicy::kDrop, &model, &summary, &report);
  EXPECT_EQ(report.dropped_nonfinite, 4);
  EXPECT_EQ(report.train + report.validation, n - 4);
  EXPECT_TRUE(nn::flatten_values(model.parameters()).allFinite());
  try {
    train_out_of_core(options, plan, n, reader_of_matrices(theta, x), NonFinitePolicy::kError, &model, &summary,
                      &report);
    FAIL() << "no error";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/x row 7 has NaN or Inf"), std::string::npos) << e.what();
  }
}

TEST(OutOfCore, ABudgetTooSmallForTwoBatchesIsRefusedNamingWhatIsNeeded) {
  try {
    plan_out_of_core(1000000, 56, 125000 + 8 * 250 + 56 * 256, 0, 128);
    FAIL() << "no error";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("give at least"), std::string::npos) << e.what();
  }
  const OutOfCorePlan plan = plan_out_of_core(1000000, 56, 125000 + 8e6 + 2 * 56 * 600, 0, 128);
  EXPECT_GE(plan.window_chunks * plan.chunk_rows, 128);
}

TEST(SimulationRows, ReadsAnyRangeAsLoadSimulationsReadsTheWhole) {
  testing::TempDir dir;
  const std::string path = dir.file("sims.h5");
  Eigen::MatrixXd theta, x;
  write_simulations(path, 1234, 100, &theta, &x);
  const SimulationRows file(path);
  Eigen::MatrixXd t, v;
  file.read(250, 333, &t, &v);
  EXPECT_EQ(t, theta.middleCols(250, 333));
  EXPECT_EQ(v, x.middleCols(250, 333));
  EXPECT_THROW(file.read(1200, 35, &t, &v), core::Error);
  const SimulationData whole = load_simulations(path, NonFinitePolicy::kError);
  EXPECT_EQ(whole.theta, theta);
  EXPECT_EQ(whole.x, x);
}

}  // namespace
}  // namespace sbi
