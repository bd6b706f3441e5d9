// Single-precision training of the coupling flows (DensityOptions::training_precision =
// kFloat32: the conditioners' passes in float, nn/mlp.h): the loss and its gradient agree
// with double's to float rounding, the setting
// travels in the hyperparameters (files from before it read as double), and estimators
// without it refuse it.
#include <gtest/gtest.h>

#include "core/rng.h"
#include "flows/coupling_flow.h"
#include "sbi/density_factory.h"
#include "testing/random_matrix.h"

namespace sbi {
namespace {

using testing::standard_normal_matrix;

// A trained-looking flow (weights perturbed away from the identity start) in `precision`.
std::unique_ptr<ConditionalDensity> perturbed_flow(DensityKind kind, nn::Precision precision) {
  DensityOptions o = default_density_options(kind);
  o.theta_dim = 3;
  o.context_dim = 4;
  o.seed = 2;
  o.training_precision = precision;
  std::unique_ptr<ConditionalDensity> d = make_density(o);
  const nn::Parameters params = d->parameters();
  nn::Vector w = nn::flatten_values(params);
  w += 0.05 * standard_normal_matrix(w.size(), 1, 7).col(0);
  nn::unflatten_values(w, params);
  return d;
}

class FloatTraining : public ::testing::TestWithParam<DensityKind> {};

TEST_P(FloatTraining, LossAndGradientsMatchDoubleToFloatRounding) {
  std::unique_ptr<ConditionalDensity> d64 = perturbed_flow(GetParam(), nn::Precision::kFloat64);
  std::unique_ptr<ConditionalDensity> d32 = perturbed_flow(GetParam(), nn::Precision::kFloat32);
  EXPECT_EQ(d32->training_precision(), nn::Precision::kFloat32);
  const Eigen::MatrixXd theta = standard_normal_matrix(3, 256, 4);
  const Eigen::MatrixXd context = standard_normal_matrix(4, 256, 3);
  nn::zero_grad(d64->parameters());
  nn::zero_grad(d32->parameters());
  Eigen::MatrixXd gc64, gc32;
  const double loss64 = d64->loss_and_gradient(theta, context, &gc64);
  const double loss32 = d32->loss_and_gradient(theta, context, &gc32);
  // Float rounding through 5 layers of 4 products (see float_inference_test.cc): ~1e-5 of a
  // loss of order 5; a layer skipped or a gradient dropped is off by O(1).
  EXPECT_NEAR(loss32, loss64, 1e-4 * std::abs(loss64));
  EXPECT_NE(loss32, loss64);  // it did run in float
  const nn::Vector g64 = nn::flatten_grads(d64->parameters());
  const nn::Vector g32 = nn::flatten_grads(d32->parameters());
  EXPECT_LT((g32 - g64).cwiseAbs().maxCoeff(), 1e-3 * g64.cwiseAbs().maxCoeff());
  EXPECT_LT((gc32 - gc64).cwiseAbs().maxCoeff(), 1e-3 * gc64.cwiseAbs().maxCoeff());
  // Inference is unchanged by the training precision (double here: the flows' default
  // inference precision is set by default_density_options, float32 for these two).
  EXPECT_LT((d32->log_prob(theta, context) - d64->log_prob(theta, context)).cwiseAbs().maxCoeff(),
            1e-12);
}

TEST_P(FloatTraining, ThePrecisionTravelsInTheHyperparametersAndOldFilesReadAsDouble) {
  std::unique_ptr<ConditionalDensity> d = perturbed_flow(GetParam(), nn::Precision::kFloat32);
  flows::Hyperparameters h = d->hyperparameters();
  EXPECT_EQ(make_density(d->kind(), h)->training_precision(), nn::Precision::kFloat32);
  h.erase("training_precision");  // a model file written before the setting existed
  EXPECT_EQ(make_density(d->kind(), h)->training_precision(), nn::Precision::kFloat64);
}

INSTANTIATE_TEST_SUITE_P(CouplingFlows, FloatTraining,
                         ::testing::Values(DensityKind::kRealNVP, DensityKind::kNSF),
                         [](const ::testing::TestParamInfo<DensityKind>& info) {
                           return density_kind_name(info.param);
                         });

TEST(FloatTraining, DoubleIsTheDefaultAndEstimatorsWithoutItRefuseIt) {
  for (DensityKind kind : {DensityKind::kRealNVP, DensityKind::kNSF})
    EXPECT_EQ(default_density_options(kind).training_precision, nn::Precision::kFloat64);
  for (DensityKind kind : {DensityKind::kCNF, DensityKind::kScore}) {
    DensityOptions o = default_density_options(kind);
    o.theta_dim = 2;
    o.context_dim = 2;
    o.training_precision = nn::Precision::kFloat32;
    std::string error;
    EXPECT_FALSE(o.is_valid(&error));
    EXPECT_NE(error.find("float32 is for realnvp and nsf"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace sbi
