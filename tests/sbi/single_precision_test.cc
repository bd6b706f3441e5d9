// Single precision in the coupling flows. Inference (flows/coupling_flow.h,
// InferencePrecision::kFloat32: the conditioners' products in float, the maps in double):
// log q and the draws agree with double's to float rounding; to_base undoes inverse.
// Training (training_precision = kFloat32: the conditioners' passes in float, nn/mlp.h):
// the loss and its gradients agree with double's to float rounding. Both settings travel
// in the hyperparameters (files from before the training one read as double); estimators
// without them refuse them.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/rng.h"
#include "flows/coupling_flow.h"
#include "sbi/density_factory.h"
#include "testing/random_matrix.h"

namespace sbi {
namespace {

using testing::standard_normal_matrix;

// A trained-looking flow: weights perturbed away from the identity initialisation, so that
// every layer transforms (the last layers start at zero).
std::unique_ptr<ConditionalDensity> perturbed_flow(
    DensityKind kind, nn::Precision training_precision = nn::Precision::kFloat64) {
  DensityOptions o = default_density_options(kind);
  o.theta_dim = 3;
  o.context_dim = 4;
  o.seed = 2;
  o.inference_precision = flows::InferencePrecision::kFloat64;  // the tests switch it
  o.training_precision = training_precision;
  std::unique_ptr<ConditionalDensity> d = make_density(o);
  const nn::Parameters params = d->parameters();
  nn::Vector w = nn::flatten_values(params);
  w += 0.05 * standard_normal_matrix(w.size(), 1, 7).col(0);
  nn::unflatten_values(w, params);
  return d;
}

class FloatInference : public ::testing::TestWithParam<DensityKind> {};

TEST_P(FloatInference, LogProbAndDrawsMatchDoubleToFloatRounding) {
  std::unique_ptr<ConditionalDensity> d = perturbed_flow(GetParam());
  auto* flow = dynamic_cast<flows::CouplingFlow*>(d.get());
  ASSERT_NE(flow, nullptr);
  const long n = 1000;  // above the 64 columns from which float is used
  const Eigen::MatrixXd context = standard_normal_matrix(4, n, 3);
  const Eigen::MatrixXd theta = standard_normal_matrix(3, n, 4);
  core::Rng rng64(9), rng32(9);
  Eigen::VectorXd lp_draws64, lp_draws32;
  const Eigen::MatrixXd draws64 = d->sample(context, &rng64, &lp_draws64);
  const Eigen::VectorXd lp64 = d->log_prob(theta, context);
  flow->set_inference_precision(flows::InferencePrecision::kFloat32);
  const Eigen::MatrixXd draws32 = d->sample(context, &rng32, &lp_draws32);
  const Eigen::VectorXd lp32 = d->log_prob(theta, context);
  // Float rounding (2^-24 relative) of the inputs, the weights and the 64-term sums of every
  // product, through 5 layers of 4 products each: at most 1.3e-4 here over 1000 points of
  // log q around -5 (weights perturbed well away from a trained flow's), 1.2e-5 on a
  // trained two_moons flow (bench_train_throughput); a bug (a layer skipped, a wrong
  // partition, a bias dropped) is off by O(1).
  EXPECT_LT((lp32 - lp64).cwiseAbs().maxCoeff(), 5e-4);
  EXPECT_GT((lp32 - lp64).cwiseAbs().maxCoeff(), 0.0);  // it did run in float
  EXPECT_LT((draws32 - draws64).cwiseAbs().maxCoeff(), 5e-4);
  EXPECT_LT((lp_draws32 - lp_draws64).cwiseAbs().maxCoeff(), 5e-4);
  // The float passes invert each other: theta -> z -> theta.
  Eigen::MatrixXd log_det = Eigen::MatrixXd::Zero(1, n);
  const std::vector<nn::FloatMlp> nets = flow->float_nets();
  const Eigen::MatrixXd z = flow->to_base(nets, theta, context, &log_det);
  EXPECT_LT((flow->inverse(nets, z, context, nullptr) - theta).cwiseAbs().maxCoeff(), 1e-9);
  // Below 64 columns the pass stays in double: the same bits as double's on those columns.
  const Eigen::VectorXd few32 = d->log_prob(theta.leftCols(10), context.leftCols(10));
  flow->set_inference_precision(flows::InferencePrecision::kFloat64);
  EXPECT_EQ(few32, d->log_prob(theta.leftCols(10), context.leftCols(10)));
}

TEST_P(FloatInference, ThePrecisionTravelsInTheHyperparameters) {
  DensityOptions o = default_density_options(GetParam());
  o.theta_dim = 2;
  o.context_dim = 2;
  o.inference_precision = flows::InferencePrecision::kFloat32;
  std::unique_ptr<ConditionalDensity> d = make_density(o);
  std::unique_ptr<ConditionalDensity> rebuilt = make_density(d->kind(), d->hyperparameters());
  EXPECT_EQ(dynamic_cast<flows::CouplingFlow*>(rebuilt.get())->inference_precision(),
            flows::InferencePrecision::kFloat32);
}

INSTANTIATE_TEST_SUITE_P(CouplingFlows, FloatInference, ::testing::Values(DensityKind::kRealNVP, DensityKind::kNSF),
                         [](const ::testing::TestParamInfo<DensityKind>& info) {
                           return density_kind_name(info.param);
                         });

TEST(FloatInference, CouplingFlowsDefaultToItAndEstimatorsWithoutItRefuseIt) {
  EXPECT_EQ(default_density_options(DensityKind::kNSF).inference_precision, flows::InferencePrecision::kFloat32);
  EXPECT_EQ(default_density_options(DensityKind::kRealNVP).inference_precision, flows::InferencePrecision::kFloat32);
  for (DensityKind kind : {DensityKind::kCNF, DensityKind::kScore}) {
    DensityOptions o = default_density_options(kind);
    o.theta_dim = 2;
    o.context_dim = 2;
    std::string error;
    EXPECT_EQ(o.inference_precision, flows::InferencePrecision::kFloat64);  // their default
    o.inference_precision = flows::InferencePrecision::kFloat32;
    EXPECT_FALSE(o.is_valid(&error));
    EXPECT_NE(error.find("float32 is for realnvp and nsf"), std::string::npos) << error;
  }
  EXPECT_THROW(nn::parse_precision("float16"), core::Error);
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
  // Float rounding through 5 layers of 4 products (see the inference test above): ~1e-5 of a
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

TEST(FloatTraining, FloatIsTheCouplingFlowsDefaultAndEstimatorsWithoutItRefuseIt) {
  for (DensityKind kind : {DensityKind::kRealNVP, DensityKind::kNSF})
    EXPECT_EQ(default_density_options(kind).training_precision, nn::Precision::kFloat32);
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
