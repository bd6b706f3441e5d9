// Training never ends in a model with NaN weights: extreme data scales train the same model
// (z-scoring is scale invariant), and a NaN/Inf loss or gradient restarts from the best
// weights with half the learning rate, a bounded number of times, then stops with an error
// naming where it happened.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <string>

#include "core/error.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "simulators/registry.h"

namespace sbi {
namespace {

simulators::SimulationBatch gaussian_linear_sims(long n) {
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "2"}});
  simulators::SimulateOptions so;
  so.seed = 11;
  return simulators::simulate_from_prior(task, n, so);
}

PosteriorModel small_model() {
  ModelOptions mo;
  mo.density.kind = sbi::DensityKind::kRealNVP;  // the estimator this test was written for
  mo.density.transforms = 2;
  mo.density.hidden = 16;
  mo.density.layers = 1;
  mo.seed = 3;
  return PosteriorModel::create(mo, 2, 2);
}

TrainOptions short_training() {
  TrainOptions to;
  to.max_epochs = 4;
  to.batch_size = 64;
  to.seed = 3;
  return to;
}

// Trains on (theta, x_scale * x) and returns log q at fixed points, x scaled the same way.
Eigen::VectorXd trained_log_q(double x_scale, TrainSummary* summary) {
  const simulators::SimulationBatch sims = gaussian_linear_sims(1000);
  PosteriorModel model = small_model();
  train(short_training(), sims.theta, x_scale * sims.x, &model, summary);
  const Eigen::MatrixXd theta = sims.theta.leftCols(20);
  return model.log_prob(theta, x_scale * sims.x.rightCols(20));
}

TEST(TrainGuards, DataScaledBy1e300TrainTheSameModel) {
  TrainSummary ref_summary, summary;
  const Eigen::VectorXd ref = trained_log_q(1.0, &ref_summary);
  // Scaling x by a power of two is exact, and so is everything downstream.
  const Eigen::VectorXd exact = trained_log_q(std::ldexp(1.0, 990), &summary);
  for (Eigen::Index j = 0; j < ref.size(); ++j) EXPECT_EQ(exact[j], ref[j]) << j;
  // 1e300 rounds each x once (relative 1e-16); 4 epochs of training keep log q within 1e-9.
  // (Before: x_std = inf, x ignored, log q off by O(1).)
  for (const double scale : {1e300, 1e-300}) {
    const Eigen::VectorXd scaled = trained_log_q(scale, &summary);
    EXPECT_EQ(summary.epochs, ref_summary.epochs);
    for (Eigen::Index j = 0; j < ref.size(); ++j)
      EXPECT_NEAR(scaled[j], ref[j], 1e-9) << scale << " " << j;
  }
}

// A density that lets a wrapped one do the work but plants a NaN loss, or a NaN gradient,
// at chosen calls of loss_and_gradient (0-based), or at every call from `always_from` on.
class FaultyDensity final : public flows::ConditionalDensity {
 public:
  enum class Fault { kLoss, kGradient };
  FaultyDensity(std::unique_ptr<flows::ConditionalDensity> inner, Fault fault,
                std::set<long> calls, long always_from = -1)
      : inner_(std::move(inner)),
        fault_(fault),
        calls_(std::move(calls)),
        always_from_(always_from) {}

  std::string kind() const override { return inner_->kind(); }
  int theta_dim() const override { return inner_->theta_dim(); }
  int context_dim() const override { return inner_->context_dim(); }
  flows::Hyperparameters hyperparameters() const override { return inner_->hyperparameters(); }
  flows::Vector log_prob(const flows::Matrix& theta, const flows::Matrix& context) const override {
    return inner_->log_prob(theta, context);
  }
  flows::Matrix sample(const flows::Matrix& context, core::Rng* rng,
                       flows::Vector* log_prob) const override {
    return inner_->sample(context, rng, log_prob);
  }
  double loss_and_gradient(const flows::Matrix& theta, const flows::Matrix& context,
                           flows::Matrix* grad_context) override {
    const long call = calls_made_++;
    double loss = inner_->loss_and_gradient(theta, context, grad_context);
    if (calls_.count(call) == 0 && (always_from_ < 0 || call < always_from_)) return loss;
    if (fault_ == Fault::kLoss) return std::numeric_limits<double>::quiet_NaN();
    (*inner_->parameters()[0].grad)(0, 0) = std::numeric_limits<double>::quiet_NaN();
    return loss;
  }
  flows::Vector log_prob_and_gradient(const flows::Matrix& theta, const flows::Matrix& context,
                                      flows::Matrix* grad_theta) override {
    return inner_->log_prob_and_gradient(theta, context, grad_theta);
  }
  nn::Parameters parameters() override { return inner_->parameters(); }

 private:
  std::unique_ptr<flows::ConditionalDensity> inner_;
  Fault fault_;
  std::set<long> calls_;
  long always_from_;
  long calls_made_ = 0;
};

bool all_weights_finite(PosteriorModel& model) {
  for (const nn::Parameter& p : model.parameters())
    if (!p.value->allFinite()) return false;
  return true;
}

TEST(TrainGuards, NanLossRestartsTheEpochFromTheBestWeights) {
  // 1000 pairs: 900 for training, 14 batches of 64 per epoch. Call 30 is epoch 3, batch 3.
  const simulators::SimulationBatch sims = gaussian_linear_sims(1000);
  PosteriorModel model = small_model();
  model.density = std::make_unique<FaultyDensity>(std::move(model.density),
                                                  FaultyDensity::Fault::kLoss, std::set<long>{30});
  TrainSummary summary;
  train(short_training(), sims.theta, sims.x, &model, &summary);
  EXPECT_EQ(summary.non_finite_restarts, 1);
  EXPECT_NE(summary.message.find("; the training loss is NaN at epoch 3, batch 3 of 14: restarted "
                                 "from the best weights with learning rate 0.0005"),
            std::string::npos)
      << summary.message;
  EXPECT_EQ(summary.epochs, 4);
  ASSERT_EQ(summary.history.size(), 4u);
  for (int e = 0; e < 4; ++e) {
    EXPECT_EQ(summary.history[e].epoch, e + 1);
    EXPECT_TRUE(std::isfinite(summary.history[e].train_loss));
    EXPECT_TRUE(std::isfinite(summary.history[e].validation_loss));
  }
  EXPECT_NE(summary.stop_reason, StopReason::kNonFiniteLoss);
  EXPECT_TRUE(all_weights_finite(model));
}

TEST(TrainGuards, NanGradientIsNeverApplied) {
  const simulators::SimulationBatch sims = gaussian_linear_sims(1000);
  PosteriorModel model = small_model();
  model.density = std::make_unique<FaultyDensity>(
      std::move(model.density), FaultyDensity::Fault::kGradient, std::set<long>{5});
  TrainSummary summary;
  train(short_training(), sims.theta, sims.x, &model, &summary);
  EXPECT_EQ(summary.non_finite_restarts, 1);
  EXPECT_NE(summary.message.find("the gradient norm is NaN at epoch 1, batch 6 of 14: restarted "
                                 "from the best weights with learning rate 0.0005"),
            std::string::npos)
      << summary.message;
  EXPECT_TRUE(all_weights_finite(model));
}

TEST(TrainGuards, PersistentNanStopsWithWhereAndWhatToTry) {
  const simulators::SimulationBatch sims = gaussian_linear_sims(1000);
  PosteriorModel model = small_model();
  model.density = std::make_unique<FaultyDensity>(
      std::move(model.density), FaultyDensity::Fault::kLoss, std::set<long>{}, /*always_from=*/20);
  TrainSummary summary;
  std::string message;
  try {
    train(short_training(), sims.theta, sims.x, &model, &summary);
  } catch (const core::Error& e) {
    message = e.what();
  }
  // Call 20 is epoch 2, batch 7; every retry of epoch 2 fails at its first batch.
  EXPECT_EQ(message,
            "train: the training loss is NaN at epoch 2, batch 1 of 14, again after 3 restarts "
            "from the best weights with the learning rate halved each time (down to 0.000125); "
            "try a lower learning rate (--lr) and check the data for extreme values");
  EXPECT_EQ(summary.non_finite_restarts, 3);
}

}  // namespace
}  // namespace sbi
