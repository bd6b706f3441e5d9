// Builds a conditional density model from typed options (a new model) or from its kind and
// the hyperparameters ConditionalDensity::hyperparameters() wrote (a model being loaded).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diffusion/score_model.h"
#include "flows/cnf.h"
#include "flows/coupling_flow.h"
#include "flows/conditional_density.h"
#include "nn/activation.h"

namespace sbi {

using flows::ConditionalDensity;
using flows::Hyperparameters;

enum class DensityKind { kRealNVP, kNSF, kCNF, kScore };

// "realnvp", "nsf", "cnf", "score" <-> enum; parse throws core::Error naming the accepted names.
DensityKind parse_density_kind(const std::string& name);
std::string density_kind_name(DensityKind kind);
std::vector<std::string> density_kind_names();  // in the order of the enum

// Every setting of every estimator; each estimator reads the ones it understands.
struct DensityOptions {
  DensityKind kind = DensityKind::kNSF;
  int theta_dim = 0;
  int context_dim = 0;
  int transforms = 5;  // coupling layers (realnvp, nsf; a CNF has none)
  int hidden = 64;     // width of the conditioners / of the CNF's vector field
  int layers = 2;      // residual blocks per network
  // Unset: the estimator's own default, relu for coupling flows, silu for the CNF (whose
  // ODE needs a smooth field: an explicit relu is refused there, never replaced).
  std::optional<nn::Activation> activation;
  // realnvp, nsf: the precision of sampling and log-densities (flows/coupling_flow.h).
  flows::InferencePrecision inference_precision = flows::InferencePrecision::kFloat64;
  // realnvp, nsf: the conditioners' arithmetic while training (nn/mlp.h).
  nn::Precision training_precision = nn::Precision::kFloat64;
  int bins = 8;        // nsf: spline bins K
  double bound = 5.0;  // nsf: spline interval [-B, B] on z-scored theta
  // cnf (flows/cnf.h): the probability path, its time prior, the Fourier features of t,
  // the ODE solver and the trace estimator used for sampling and log-densities.
  // The score model (diffusion/score_model.h) shares the path (an SDE's: vp, subvp, ve),
  // the Fourier features, the ODE and the trace estimator.
  flows::ScheduleOptions schedule;
  double time_prior_exponent = 0.0;
  int num_frequencies = 3;
  flows::OdeOptions ode;
  flows::TraceEstimator trace = flows::TraceEstimator::kExact;
  // score: the time embedding's Gaussian frequency scale, the loss weighting, the sampler of
  // sample() and its SDE settings, classifier-free guidance.
  double fourier_scale = 1.0;
  diffusion::ScoreWeighting weighting = diffusion::ScoreWeighting::kNoise;
  diffusion::ScoreSampler sampler = diffusion::ScoreSampler::kOde;
  diffusion::SdeSamplerOptions sde;
  double guidance_dropout = 0.0;
  double guidance_scale = 0.0;
  std::uint64_t seed = 0;

  bool is_valid(std::string* error) const;
};

// The settings `sbi train` starts from for an estimator: the struct's defaults for the
// coupling flows, but sampling in single precision (float32 inference); for the CNF a wider, deeper vector field and a time prior weighted towards
// the data end (measured on sbibm, see the README's benchmark table); for the score model
// the same width and depth, 8 Gaussian Fourier features, the VP path and the likelihood
// weighting (mean C2ST at 10^4: two_moons 0.524 against 0.737 with the noise weighting,
// gaussian_linear 0.523 against 0.529; the README's benchmark table).
DensityOptions default_density_options(DensityKind kind);

// A fresh model.
std::unique_ptr<ConditionalDensity> make_density(const DensityOptions& options);

// The score model's options of kind score's DensityOptions (also for the unconditional
// image priors of `sbi prior train`).
diffusion::ScoreModelOptions score_model_options(const DensityOptions& options);

// Rebuilds a model (to load its weights into) from what hyperparameters() wrote.
std::unique_ptr<ConditionalDensity> make_density(const std::string& kind, const Hyperparameters& h);

}  // namespace sbi
