// Regression pretraining of an embedding (sbi/embedding_pretraining.h): the objective's
// gradient against finite differences, and train() running it first, on Gaussian linear
// data, where the best possible mean squared error of standardised θ has a closed form.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/gradient_check.h"
#include "sbi/embedding_pretraining.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "simulators/registry.h"

namespace sbi {
namespace {

TEST(EmbeddingPretraining, GradientMatchesFiniteDifferences) {
  core::Rng rng(3, 1);
  nn::MlpOptions mo;
  mo.in = 4;
  mo.out = 3;
  mo.hidden = 6;
  mo.num_layers = 1;
  mo.activation = nn::Activation::kTanh;  // smooth, so finite differences are exact enough
  nn::MlpEmbedding embedding(mo, &rng);
  Eigen::MatrixXd theta(2, 7), x(4, 7);
  for (Eigen::Index i = 0; i < theta.size(); ++i) theta(i) = rng.normal();
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = rng.normal();
  EmbeddingRegressionObjective objective(&embedding, theta, x, theta, x, &rng);
  const nn::Parameters params = objective.parameters();
  ASSERT_EQ(params.back().name, "readout/bias");
  const std::vector<long> batch = {0, 2, 3, 6, 1};
  std::vector<double> terms;
  nn::zero_grad(params);
  objective.loss_and_gradient(batch, &terms);
  const nn::Vector analytic = nn::flatten_grads(params);
  const nn::Vector at = nn::flatten_values(params);
  auto loss = [&](const nn::Vector& w) {
    nn::unflatten_values(w, params);
    std::vector<double> t;
    return objective.loss_and_gradient(batch, &t);
  };
  const nn::GradientCheckResult r = nn::check_gradient(loss, at, analytic, 1e-7);
  EXPECT_TRUE(r.ok) << r.message;
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_GT(terms[0], 0.0);
}

TEST(EmbeddingPretraining, RunsBeforeNpeAndReachesTheBayesError) {
  // Gaussian linear in 2-D: θ ~ N(0, 0.1 I), x ~ N(θ, 0.1 I). The regression E[θ | x] = x / 2
  // leaves a variance of 0.05 of the prior's 0.1, so the held-out MSE of standardised θ
  // cannot go below 0.5; an MLP embedding learns it (a linear map) to within a few per cent.
  // With 2000 held-out pairs the MSE estimate itself has sd 0.5 sqrt(2 / 4000) = 0.011.
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "2"}});
  simulators::SimulateOptions so;
  so.seed = 11;
  const simulators::SimulationBatch sims = simulators::simulate_from_prior(task, 20000, so);
  ModelOptions mo;
  mo.density.kind = sbi::DensityKind::kRealNVP;
  mo.density.transforms = 2;
  mo.density.hidden = 16;
  mo.embedding = EmbeddingKind::kMlp;
  mo.embedding_dim = 4;
  mo.embedding_hidden = 16;
  mo.embedding_layers = 1;
  mo.seed = 11;
  PosteriorModel model = PosteriorModel::create(mo, 2, 2);
  TrainOptions to;
  to.seed = 11;
  to.max_epochs = 3;
  to.pretrain_epochs = 4;
  std::vector<std::string> phases;
  to.on_epoch = [&](const EpochReport& r) { phases.push_back(r.phase); };
  TrainSummary summary;
  train(to, sims.theta, sims.x, &model, &summary);
  const std::vector<std::string> expected = {"pretrain", "pretrain", "pretrain", "pretrain",
                                             "train",    "train",    "train"};
  EXPECT_EQ(phases, expected);
  EXPECT_EQ(summary.pretrain_epochs, 4);
  EXPECT_GT(summary.pretrain_validation_mse, 0.5 - 3 * 0.011);
  EXPECT_LT(summary.pretrain_validation_mse, 0.56);
  EXPECT_EQ(summary.epochs, 3);  // NPE's own epochs, counted apart
  EXPECT_NE(summary.message.find("pretrained by regression for 4 epochs"), std::string::npos)
      << summary.message;

  // Without an embedding network there is nothing to pretrain.
  mo.embedding = EmbeddingKind::kNone;
  PosteriorModel plain = PosteriorModel::create(mo, 2, 2);
  phases.clear();
  train(to, sims.theta, sims.x, &plain, &summary);
  EXPECT_EQ(phases, std::vector<std::string>(3, "train"));
  EXPECT_EQ(summary.pretrain_epochs, 0);
}

}  // namespace
}  // namespace sbi
