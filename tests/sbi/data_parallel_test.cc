// Data-parallel training (sbi/data_parallel.h): a batch split into shards gives the gradient of
// the whole batch (up to rounding), training is bitwise reproducible for a given number of
// shards whatever the number of threads, a resumed sharded run (with the replicas' random
// streams) equals the uninterrupted one, and objectives that cannot replicate train on one.
// Training across processes is exercised with threads standing in for the processes: K of
// them with one shard each train bit for bit as one process with K shards.
#include <gtest/gtest.h>

#include <omp.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <cstring>

#include "core/error.h"
#include "core/rng.h"
#include "io/h5_file.h"
#include "sbi/data_parallel.h"
#include "sbi/fit_checkpoint.h"
#include "sbi/npe_objective.h"
#include "sbi/trainer.h"
#include "testing/random_matrix.h"
#include "testing/temp_dir.h"
#include "testing/thread_count.h"

namespace sbi {
namespace {

using testing::standard_normal_matrix;
using testing::ThreadCount;

PosteriorModel small_model(DensityKind kind, int hidden = 16,
                           std::optional<nn::Precision> training_precision = std::nullopt) {
  ModelOptions mo;
  mo.density = default_density_options(kind);
  if (training_precision) mo.density.training_precision = *training_precision;
  mo.density.hidden = hidden;
  mo.density.transforms = 2;
  mo.density.layers = 1;
  mo.embedding = EmbeddingKind::kMlp;
  mo.embedding_dim = 4;
  mo.embedding_hidden = 16;
  mo.embedding_layers = 1;
  mo.seed = 3;
  return PosteriorModel::create(mo, 2, 3);
}

// In double, to 1e-12 (in float32 training the shards' sums round differently, ~1e-7).
TEST(DataParallel, ShardsGiveTheGradientOfTheWholeBatch) {
  PosteriorModel model = small_model(DensityKind::kNSF, 16, nn::Precision::kFloat64);
  const Eigen::MatrixXd theta = standard_normal_matrix(2, 200, 1), x = standard_normal_matrix(3, 200, 2);
  NpeObjective objective(&model, theta, x, theta.leftCols(5), x.leftCols(5));
  std::vector<long> batch;
  for (long i = 0; i < 50; ++i) batch.push_back((7 * i) % 200);
  const nn::Parameters params = model.parameters();
  std::vector<double> terms;
  for (int round = 0; round < 2; ++round) {  // the second with other weights: replicas follow
    nn::zero_grad(params);
    const double whole = objective.loss_and_gradient(batch, &terms);
    const nn::Vector whole_grad = nn::flatten_grads(params);
    for (int shards : {2, 3, 7}) {  // 7 does not divide 50: unequal shards, unequal weights
      ShardedObjective sharded(&objective, shards, static_cast<long>(batch.size()));
      ASSERT_EQ(sharded.shards(), shards);
      nn::zero_grad(params);
      const double loss = sharded.loss_and_gradient(batch, &terms);
      EXPECT_NEAR(loss, whole, 1e-12 * std::abs(whole)) << shards << " shards";
      ASSERT_EQ(terms.size(), 1u);
      EXPECT_NEAR(terms[0], whole, 1e-12 * std::abs(whole));
      const nn::Vector grad = nn::flatten_grads(params);
      EXPECT_LT((grad - whole_grad).norm(), 1e-12 * whole_grad.norm()) << shards << " shards";
    }
    nn::Vector w = nn::flatten_values(params);
    w += 0.1 * standard_normal_matrix(w.size(), 1, 9).col(0);
    nn::unflatten_values(w, params);
  }
}

TEST(DataParallel, ShardsAreAtMostTheBatch) {
  PosteriorModel model = small_model(DensityKind::kRealNVP);
  const Eigen::MatrixXd theta = standard_normal_matrix(2, 20, 1), x = standard_normal_matrix(3, 20, 2);
  NpeObjective objective(&model, theta, x, theta.leftCols(2), x.leftCols(2));
  EXPECT_EQ(ShardedObjective(&objective, 8, 3).shards(), 3);
  EXPECT_EQ(ShardedObjective(&objective, 1, 3).shards(), 1);
}

struct TrainedRun {
  TrainSummary summary;
  nn::Vector weights;
};

TrainedRun train_small(DensityKind kind, int shards, int threads, int max_epochs,
                const FitCheckpoint* resume = nullptr, FitCheckpoint* checkpoint_at_2 = nullptr,
                GradientReduction* reduction = nullptr, int hidden = 16) {
  ThreadCount count(threads);
  PosteriorModel model = small_model(kind, hidden);
  const Eigen::MatrixXd theta = standard_normal_matrix(2, 400, 4);
  Eigen::MatrixXd data(3, 400);
  data.topRows(2) = theta + 0.3 * standard_normal_matrix(2, 400, 5);
  data.row(2) = standard_normal_matrix(1, 400, 6);
  TrainOptions options;
  options.batch_size = 64;
  options.max_epochs = max_epochs;
  options.patience = 0;
  options.seed = 11;
  options.shards = shards;
  options.resume = resume;
  options.reduction = reduction;
  if (checkpoint_at_2 != nullptr)
    options.on_checkpoint = [&](const FitCheckpoint& c) {
      if (c.epoch == 2) *checkpoint_at_2 = c;
    };
  TrainedRun run;
  train(options, theta, data, &model, &run.summary);
  run.weights = nn::flatten_values(model.parameters());
  return run;
}

void expect_same_history(const TrainedRun& a, const TrainedRun& b) {
  ASSERT_EQ(a.summary.history.size(), b.summary.history.size());
  for (size_t e = 0; e < a.summary.history.size(); ++e) {
    EXPECT_EQ(a.summary.history[e].train_loss, b.summary.history[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(a.summary.history[e].validation_loss, b.summary.history[e].validation_loss) << "epoch " << e + 1;
  }
  EXPECT_EQ(a.weights, b.weights);
}

TEST(DataParallel, TrainingIsBitwiseTheSameForGivenShardsWhateverTheThreads) {
  const TrainedRun two_threads = train_small(DensityKind::kNSF, 2, 2, 3);
  const TrainedRun one_thread = train_small(DensityKind::kNSF, 2, 1, 3);
  const TrainedRun again = train_small(DensityKind::kNSF, 2, 2, 3);
  EXPECT_EQ(two_threads.summary.shards, 2);
  expect_same_history(two_threads, one_thread);
  expect_same_history(two_threads, again);
  // One shard is the serial step: the same training up to rounding, not bit for bit.
  const TrainedRun serial = train_small(DensityKind::kNSF, 1, 2, 3);
  EXPECT_EQ(serial.summary.shards, 1);
  EXPECT_NE(serial.weights, two_threads.weights);
  EXPECT_NEAR(serial.summary.history.back().train_loss, two_threads.summary.history.back().train_loss,
              1e-6 * std::abs(serial.summary.history.back().train_loss));
}

// Networks of more than 32768 weights: the shards' gradients are summed, and Adam steps, on
// the threads too (nn::elementwise_threads), still the same bits whatever their number.
TEST(DataParallel, LargeNetworksTrainBitwiseTheSameWhateverTheThreads) {
  EXPECT_GT(nn::count_scalars(small_model(DensityKind::kRealNVP, 128).parameters()), 32768);
  const TrainedRun two_threads = train_small(DensityKind::kRealNVP, 2, 2, 2, nullptr, nullptr, nullptr, 128);
  const TrainedRun one_thread = train_small(DensityKind::kRealNVP, 2, 1, 2, nullptr, nullptr, nullptr, 128);
  expect_same_history(two_threads, one_thread);
}

// The CNF draws times and noise in every shard: the replicas' streams travel in the checkpoint.
TEST(DataParallel, AResumedShardedRunWithRandomDrawsEqualsTheUninterruptedOne) {
  FitCheckpoint at_2;
  const TrainedRun whole = train_small(DensityKind::kCNF, 3, 2, 4, nullptr, &at_2);
  ASSERT_EQ(at_2.epoch, 2);
  EXPECT_EQ(at_2.shards, 3);
  EXPECT_EQ(at_2.carried_state.size(), 3 * core::Rng(0).state_vector().size());
  // Through a checkpoint file, read with the shards it was written with.
  testing::TempDir dir;
  {
    io::H5File f = io::H5File::create(dir.file("c.h5"));
    write_fit_checkpoint(f, at_2, "run");
    f.close();
  }
  const FitCheckpoint read = read_fit_checkpoint(dir.file("c.h5"), "run");
  EXPECT_EQ(read.shards, 3);
  EXPECT_EQ(read.carried_state, at_2.carried_state);
  // Resumed with other --shards and threads: the checkpoint's shards decide.
  const TrainedRun resumed = train_small(DensityKind::kCNF, 1, 1, 4, &read);
  EXPECT_EQ(resumed.summary.shards, 3);
  expect_same_history(whole, resumed);
}

// Processes played by threads: each part's values go to a shared table; after a barrier every
// part sums the table in part order (as the MPI implementation does with a gather).
class ThreadedProcesses {
 public:
  explicit ThreadedProcesses(int parts) : parts_(parts), table_(parts) {}

  class Part : public GradientReduction {
   public:
    Part(ThreadedProcesses* hub, int part) : hub_(hub), part_(part) {}
    int part() const override { return part_; }
    int parts() const override { return hub_->parts_; }
    void sum(Eigen::VectorXd* values) override {
      const std::vector<Eigen::VectorXd> all = hub_->exchange(part_, *values);
      *values = all[0];
      for (size_t p = 1; p < all.size(); ++p) *values += all[p];
    }
    void check_all(const std::string& my_error) override {
      Eigen::VectorXd failed = Eigen::VectorXd::Constant(1, my_error.empty() ? 0 : 1);
      {
        std::lock_guard<std::mutex> lock(hub_->mutex_);
        if (!my_error.empty() && hub_->first_error_.empty()) hub_->first_error_ = my_error;
      }
      for (const Eigen::VectorXd& f : hub_->exchange(part_, failed))
        if (f[0] != 0) throw core::Error(hub_->first_error_);
    }
    std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& mine) override {
      Eigen::VectorXd words(static_cast<Eigen::Index>(mine.size()));
      for (size_t i = 0; i < mine.size(); ++i) std::memcpy(&words[i], &mine[i], sizeof(double));
      std::vector<std::uint64_t> out;
      for (const Eigen::VectorXd& w : hub_->exchange(part_, words))
        for (Eigen::Index i = 0; i < w.size(); ++i) {
          std::uint64_t word;
          std::memcpy(&word, &w[i], sizeof word);
          out.push_back(word);
        }
      return out;
    }

   private:
    ThreadedProcesses* hub_;
    int part_;
  };

 private:
  // Every part deposits, waits for all, copies the table, and waits again before reuse.
  std::vector<Eigen::VectorXd> exchange(int part, const Eigen::VectorXd& mine) {
    table_[part] = mine;
    barrier();
    std::vector<Eigen::VectorXd> all = table_;
    barrier();
    return all;
  }
  void barrier() {
    std::unique_lock<std::mutex> lock(mutex_);
    const long generation = generation_;
    if (++arrived_ == parts_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return generation_ != generation; });
    }
  }

  int parts_;
  std::vector<Eigen::VectorXd> table_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int arrived_ = 0;
  long generation_ = 0;
  std::string first_error_;
};

// `parts` threads as processes, each with `shards` shards; returns each part's run.
std::vector<TrainedRun> train_across(DensityKind kind, int parts, int shards, int max_epochs,
                                     const FitCheckpoint* resume = nullptr, FitCheckpoint* checkpoint_at_2 = nullptr) {
  ThreadedProcesses hub(parts);
  std::vector<ThreadedProcesses::Part> reductions;
  for (int p = 0; p < parts; ++p) reductions.emplace_back(&hub, p);
  std::vector<TrainedRun> runs(parts);
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> failures(parts);
  for (int p = 0; p < parts; ++p)
    threads.emplace_back([&, p] {
      try {
        runs[p] = train_small(kind, shards, 1, max_epochs, resume, p == 0 ? checkpoint_at_2 : nullptr,
                              &reductions[p]);
      } catch (...) {
        failures[p] = std::current_exception();
      }
    });
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& failure : failures)
    if (failure) std::rethrow_exception(failure);
  return runs;
}

TEST(DataParallel, ProcessesWithOneShardEachTrainAsOneProcessWithAsManyShards) {
  for (DensityKind kind : {DensityKind::kNSF, DensityKind::kCNF}) {  // the CNF draws in every shard
    const std::vector<TrainedRun> across = train_across(kind, 3, 1, 3);
    const TrainedRun one = train_small(kind, 3, 2, 3);
    EXPECT_EQ(across[0].summary.processes, 3);
    EXPECT_EQ(one.summary.processes, 1);
    for (const TrainedRun& part : across) expect_same_history(part, one);
  }
}

TEST(DataParallel, AResumedRunAcrossProcessesEqualsTheUninterruptedOne) {
  FitCheckpoint at_2;
  const std::vector<TrainedRun> whole = train_across(DensityKind::kCNF, 2, 2, 4, nullptr, &at_2);
  ASSERT_EQ(at_2.epoch, 2);
  EXPECT_EQ(at_2.processes, 2);
  EXPECT_EQ(at_2.carried_state.size(), 4 * core::Rng(0).state_vector().size());  // 2 x 2 shards
  const std::vector<TrainedRun> resumed = train_across(DensityKind::kCNF, 2, 1, 4, &at_2);
  expect_same_history(whole[0], resumed[0]);
  expect_same_history(whole[1], resumed[1]);
  // Another number of processes is refused, naming the right one.
  try {
    train_small(DensityKind::kCNF, 2, 1, 4, &at_2);
    ADD_FAILURE() << "resumed with one process";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("mpirun -np 2"), std::string::npos) << e.what();
  }
}

// An objective without replicate() trains on one shard whatever is asked.
class QuadraticObjective : public Objective {
 public:
  QuadraticObjective() { w_.setZero(1, 1), g_.setZero(1, 1); }
  std::vector<std::string> term_names() const override { return {"q"}; }
  long num_train() const override { return 64; }
  nn::Parameters parameters() override { return {{"w", &w_, &g_}}; }
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) override {
    double loss = 0, grad = 0;
    for (long i : batch) {
      loss += (w_(0, 0) - i) * (w_(0, 0) - i);
      grad += 2 * (w_(0, 0) - i);
    }
    g_(0, 0) += grad / batch.size();
    terms->assign(1, loss / batch.size());
    return loss / batch.size();
  }
  double validation_loss(std::vector<double>* terms) override {
    terms->assign(1, w_(0, 0) * w_(0, 0));
    return (*terms)[0];
  }

 private:
  nn::Matrix w_, g_;
};

TEST(DataParallel, AnObjectiveThatCannotReplicateTrainsOnOneShard) {
  QuadraticObjective objective;
  TrainOptions options;
  options.batch_size = 16;
  options.max_epochs = 2;
  options.shards = 4;
  TrainSummary summary;
  fit(options, &objective, &summary);
  EXPECT_EQ(summary.shards, 1);
}

}  // namespace
}  // namespace sbi
