// The one training loop with an objective other than NPE: a two-term loss whose terms are
// both recorded per epoch, a β schedule set by begin_epoch, a learning-rate schedule, and the
// closed-form optimum reached. (The reduction across processes: data_parallel_test.cc.)
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <numeric>

#include "core/rng.h"
#include "sbi/trainer.h"

namespace sbi {
namespace {

// Loss = distortion + β rate with distortion = mean_i (d_i - μ)², rate = μ²: the optimum is
// μ* = mean(d) / (1 + β). β warms up to 1 over the first 2 epochs (as a VAE's would).
class TwoTermObjective : public Objective {
 public:
  TwoTermObjective(std::vector<double> train, std::vector<double> validation)
      : train_(std::move(train)), validation_(std::move(validation)) {
    mu_.setZero(1, 1);
    grad_.setZero(1, 1);
  }
  std::vector<std::string> term_names() const override { return {"distortion", "rate"}; }
  long num_train() const override { return static_cast<long>(train_.size()); }
  nn::Parameters parameters() override { return {{"mu", &mu_, &grad_}}; }
  void begin_epoch(int epoch) override {
    epochs_seen.push_back(epoch);
    beta = std::min(1.0, epoch / 2.0);
  }
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) override {
    double distortion = 0, grad = 0;
    const double mu = mu_(0, 0);
    for (long i : batch) {
      distortion += (train_[i] - mu) * (train_[i] - mu);
      grad += -2 * (train_[i] - mu);
    }
    const double n = static_cast<double>(batch.size());
    *terms = {distortion / n, mu * mu};
    grad_(0, 0) += grad / n + beta * 2 * mu;
    return distortion / n + beta * mu * mu;
  }
  double validation_loss(std::vector<double>* terms) override {
    double distortion = 0;
    for (double d : validation_) distortion += (d - mu_(0, 0)) * (d - mu_(0, 0));
    distortion /= static_cast<double>(validation_.size());
    *terms = {distortion, mu_(0, 0) * mu_(0, 0)};
    return distortion + beta * mu_(0, 0) * mu_(0, 0);
  }

  double mu() const { return mu_(0, 0); }
  double beta = 0;
  std::vector<int> epochs_seen;

 private:
  std::vector<double> train_, validation_;
  nn::Matrix mu_, grad_;
};

TEST(Fit, ATwoTermObjectiveRecordsBothTermsAndReachesItsOptimum) {
  core::Rng rng(5);
  std::vector<double> train(256), validation(64);
  for (double& d : train) d = 3.0 + rng.normal();
  for (double& d : validation) d = 3.0 + rng.normal();
  const double mean_train = std::accumulate(train.begin(), train.end(), 0.0) / train.size();
  TwoTermObjective objective(train, validation);
  TrainOptions options;
  options.batch_size = 32;
  options.learning_rate = 0.05;
  options.max_epochs = 60;
  options.patience = 0;
  options.lr_plateau = 0;
  std::vector<int> scheduled;
  options.learning_rate_schedule = [&](int epoch, double lr) {
    scheduled.push_back(epoch);
    return epoch > 40 ? 0.2 * lr : lr;  // anneal at the end
  };
  int reports = 0;
  std::vector<double> mu_after_epoch;
  options.on_epoch = [&](const EpochReport& r) {
    ++reports;
    ASSERT_NE(r.record, nullptr);
    EXPECT_EQ(r.record->epoch, r.epoch);
    mu_after_epoch.push_back(objective.mu());
  };
  TrainSummary summary;
  fit(options, &objective, &summary);

  EXPECT_EQ(summary.term_names, (std::vector<std::string>{"distortion", "rate"}));
  ASSERT_EQ(summary.history.size(), 60u);
  EXPECT_EQ(reports, 60);
  std::vector<int> all(60);
  std::iota(all.begin(), all.end(), 1);
  EXPECT_EQ(objective.epochs_seen, all);
  EXPECT_EQ(scheduled, all);
  for (const EpochRecord& e : summary.history) {
    ASSERT_EQ(e.train_terms.size(), 2u);
    ASSERT_EQ(e.validation_terms.size(), 2u);
    const double beta = std::min(1.0, e.epoch / 2.0);
    // Both terms are kept, and the loss minimised is their β-weighted sum.
    EXPECT_NEAR(e.train_loss, e.train_terms[0] + beta * e.train_terms[1], 1e-12);
    EXPECT_NEAR(e.validation_loss, e.validation_terms[0] + beta * e.validation_terms[1], 1e-12);
  }
  // The rate term rises from 0 as μ moves away from 0 towards the data.
  EXPECT_LT(summary.history.front().train_terms[1], summary.history.back().train_terms[1]);
  // Training reaches the closed-form optimum of the training loss with β = 1,
  // μ* = mean(d_train) / 2: in the annealed epochs Adam's steps are about the rate, 0.01,
  // so the iterate stays within a step or two of it.
  EXPECT_NEAR(mu_after_epoch.back(), mean_train / 2, 5e-3);  // measured 1.0e-3
  // Then the loop restores the weights of the epoch with the least validation loss.
  const auto best = std::min_element(summary.history.begin(), summary.history.end(),
                                     [](const EpochRecord& a, const EpochRecord& b) {
                                       return a.validation_loss < b.validation_loss;
                                     });
  EXPECT_EQ(summary.best_epoch, best->epoch);
  EXPECT_EQ(objective.mu(), mu_after_epoch[best->epoch - 1]);
}

}  // namespace
}  // namespace sbi
