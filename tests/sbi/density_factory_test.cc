// The estimator factory (sbi/density_factory.h): every setting of an estimator reaches the
// model it builds, and what is refused is refused with the setting's name.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/error.h"
#include "sbi/density_factory.h"

namespace sbi {
namespace {

using namespace flows;

TEST(DensityFactory, MakeDensityMapsEveryCnfSetting) {
  DensityOptions d;
  d.kind = DensityKind::kCNF;
  d.theta_dim = 3;
  d.context_dim = 2;
  d.transforms = 9;  // a CNF has no layer count: ignored
  d.hidden = 16;
  d.layers = 3;
  d.num_frequencies = 5;
  d.time_prior_exponent = 2.5;
  d.schedule.kind = ScheduleKind::kVariancePreserving;
  d.ode.solver = OdeSolver::kDopri5;
  d.ode.steps = 17;
  d.ode.abs_tol = 1e-7;
  d.trace = TraceEstimator::kHutchinson;
  d.seed = 5;
  std::unique_ptr<ConditionalDensity> m = make_density(d);
  ASSERT_EQ(m->kind(), "cnf");
  const CnfOptions o = CnfOptions::from_hyperparameters(m->hyperparameters());
  EXPECT_EQ(o.theta_dim, 3);
  EXPECT_EQ(o.context_dim, 2);
  EXPECT_EQ(o.hidden, 16);
  EXPECT_EQ(o.num_blocks, 3);
  EXPECT_EQ(o.num_frequencies, 5);
  EXPECT_EQ(o.time_prior_exponent, 2.5);
  EXPECT_EQ(o.schedule.kind, ScheduleKind::kVariancePreserving);
  EXPECT_EQ(o.ode.solver, OdeSolver::kDopri5);
  EXPECT_EQ(o.ode.steps, 17);
  EXPECT_EQ(o.ode.abs_tol, 1e-7);
  EXPECT_EQ(o.trace, TraceEstimator::kHutchinson);
  EXPECT_EQ(o.activation, nn::Activation::kSiLU);  // unset: the CNF's own default
  EXPECT_EQ(o.seed, 5u);
  d.activation = nn::Activation::kTanh;
  EXPECT_EQ(CnfOptions::from_hyperparameters(make_density(d)->hyperparameters()).activation,
            nn::Activation::kTanh);
  // An explicit relu is refused (the ODE needs a smooth field), never replaced.
  d.activation = nn::Activation::kReLU;
  std::string error;
  EXPECT_FALSE(d.is_valid(&error));
  EXPECT_NE(error.find("activation"), std::string::npos) << error;
  EXPECT_THROW(make_density(d), core::Error);
  EXPECT_THROW(parse_density_kind("ffjord"), core::Error);
  EXPECT_EQ(parse_density_kind(density_kind_name(DensityKind::kCNF)), DensityKind::kCNF);
}

TEST(DensityFactory, MakeDensityMapsEveryScoreSetting) {
  DensityOptions d = default_density_options(DensityKind::kScore);
  d.theta_dim = 2;
  d.context_dim = 3;
  d.hidden = 24;
  d.layers = 1;
  d.num_frequencies = 4;
  d.fourier_scale = 2.5;
  d.schedule.kind = ScheduleKind::kVarianceExploding;
  d.schedule.ve_sigma_max = 7.0;
  d.weighting = diffusion::ScoreWeighting::kLikelihood;
  d.sampler = diffusion::ScoreSampler::kPredictorCorrector;
  d.sde.steps = 33;
  d.sde.corrector_steps = 2;
  d.sde.snr = 0.05;
  d.guidance_dropout = 0.2;
  d.guidance_scale = 1.5;
  d.ode.steps = 21;
  d.trace = TraceEstimator::kHutchinson;
  d.seed = 9;
  std::unique_ptr<ConditionalDensity> m = make_density(d);
  ASSERT_EQ(m->kind(), "score");
  const diffusion::ScoreModelOptions o = diffusion::ScoreModelOptions::from_hyperparameters(m->hyperparameters());
  EXPECT_EQ(o.theta_dim, 2);
  EXPECT_EQ(o.context_dim, 3);
  EXPECT_EQ(o.hidden, 24);
  EXPECT_EQ(o.num_blocks, 1);
  EXPECT_EQ(o.num_frequencies, 4);
  EXPECT_EQ(o.fourier_scale, 2.5);
  EXPECT_EQ(o.time_embedding, TimeEmbedding::kGaussian);
  EXPECT_EQ(o.schedule.kind, ScheduleKind::kVarianceExploding);
  EXPECT_EQ(o.schedule.ve_sigma_max, 7.0);
  EXPECT_EQ(o.weighting, diffusion::ScoreWeighting::kLikelihood);
  EXPECT_EQ(o.sampler, diffusion::ScoreSampler::kPredictorCorrector);
  EXPECT_EQ(o.sde.steps, 33);
  EXPECT_EQ(o.sde.corrector_steps, 2);
  EXPECT_EQ(o.sde.snr, 0.05);
  EXPECT_EQ(o.guidance_dropout, 0.2);
  EXPECT_EQ(o.guidance_scale, 1.5);
  EXPECT_EQ(o.ode.steps, 21);
  EXPECT_EQ(o.trace, TraceEstimator::kHutchinson);
  EXPECT_EQ(o.activation, nn::Activation::kSiLU);
  EXPECT_EQ(o.seed, 9u);
  // The optimal-transport path is not an SDE's: refused with its name.
  d.schedule.kind = ScheduleKind::kOptimalTransport;
  std::string error;
  EXPECT_FALSE(d.is_valid(&error));
  EXPECT_NE(error.find("vp, subvp or ve"), std::string::npos) << error;
  // Guidance without a trained null context is refused.
  d.schedule.kind = ScheduleKind::kVariancePreserving;
  d.guidance_dropout = 0.0;
  EXPECT_FALSE(d.is_valid(&error));
  EXPECT_NE(error.find("guidance_dropout"), std::string::npos) << error;
  EXPECT_EQ(parse_density_kind("score"), DensityKind::kScore);
}

}  // namespace
}  // namespace sbi
