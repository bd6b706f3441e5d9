#include "sbi/density_factory.h"

#include "core/enum_names.h"
#include "core/error.h"
#include "flows/nsf.h"
#include "flows/realnvp.h"

namespace sbi {

using namespace flows;
namespace {

const core::EnumNames<DensityKind>& density_kinds() {
  static const core::EnumNames<DensityKind> names("estimator", {"realnvp", "nsf", "cnf", "score"});
  return names;
}

// The knobs RealNVP and NSF share.
void set_coupling_options(const DensityOptions& options, CouplingFlowOptions* o) {
  o->theta_dim = options.theta_dim;
  o->context_dim = options.context_dim;
  o->num_transforms = options.transforms;
  o->hidden = options.hidden;
  o->num_blocks = options.layers;
  o->activation = options.activation.value_or(nn::Activation::kReLU);
  o->seed = options.seed;
  o->inference_precision = options.inference_precision;
  o->training_precision = options.training_precision;
}

CnfOptions cnf_options(const DensityOptions& options) {
  CnfOptions o;
  o.theta_dim = options.theta_dim;
  o.context_dim = options.context_dim;
  o.hidden = options.hidden;
  o.num_blocks = options.layers;
  o.num_frequencies = options.num_frequencies;
  o.activation = options.activation.value_or(nn::Activation::kSiLU);
  o.schedule = options.schedule;
  o.time_prior_exponent = options.time_prior_exponent;
  o.ode = options.ode;
  o.trace = options.trace;
  o.seed = options.seed;
  return o;
}


}  // namespace

diffusion::ScoreModelOptions score_model_options(const DensityOptions& options) {
  diffusion::ScoreModelOptions o;
  o.theta_dim = options.theta_dim;
  o.context_dim = options.context_dim;
  o.hidden = options.hidden;
  o.num_blocks = options.layers;
  o.num_frequencies = options.num_frequencies;
  o.fourier_scale = options.fourier_scale;
  o.activation = options.activation.value_or(nn::Activation::kSiLU);
  o.schedule = options.schedule;
  o.weighting = options.weighting;
  o.time_prior_exponent = options.time_prior_exponent;
  o.sampler = options.sampler;
  o.sde = options.sde;
  o.guidance_dropout = options.guidance_dropout;
  o.guidance_scale = options.guidance_scale;
  o.ode = options.ode;
  o.trace = options.trace;
  o.seed = options.seed;
  return o;
}

DensityKind parse_density_kind(const std::string& name) { return density_kinds().parse(name); }
std::string density_kind_name(DensityKind kind) { return density_kinds().name(kind); }
std::vector<std::string> density_kind_names() { return density_kinds().names(); }

DensityOptions default_density_options(DensityKind kind) {
  DensityOptions o;
  o.kind = kind;
  // Coupling flows sample, evaluate log q and train with their conditioners (and a cnn
  // embedding) in single precision: about 2x the draws and the training steps per second,
  // the same C2ST on the sbibm tasks (README, benchmarks; Adam stays double, nn/adam.h).
  if (kind == DensityKind::kRealNVP || kind == DensityKind::kNSF) {
    o.inference_precision = flows::InferencePrecision::kFloat32;
    o.training_precision = nn::Precision::kFloat32;
  }
  if (kind == DensityKind::kCNF) {
    // Mean C2ST at 10^4 (observations 1..5; README table): a 64 x 2-block field reaches
    // two_moons 0.759 (time prior a = 0) and 0.719 (a = 4); 128 x 4 blocks reach 0.728
    // (a = 0), 0.541 (a = 1) and 0.589 (a = 4), and on gaussian_linear 0.534 (a = 0), 0.526
    // (a = 1), 0.611 (a = 4).
    o.hidden = 128;
    o.layers = 4;
    o.time_prior_exponent = 1.0;
  } else if (kind == DensityKind::kScore) {
    const diffusion::ScoreModelOptions score;
    o.hidden = score.hidden;
    o.layers = score.num_blocks;
    o.num_frequencies = score.num_frequencies;
    o.fourier_scale = score.fourier_scale;
    o.schedule = score.schedule;
    o.weighting = score.weighting;
    o.sde = score.sde;
  }
  return o;
}

// Each estimator validates its own options (with their names in the message).
bool DensityOptions::is_valid(std::string* error) const {
  switch (kind) {
    case DensityKind::kRealNVP: {
      RealNVPOptions o;
      set_coupling_options(*this, &o);
      return o.is_valid(error);
    }
    case DensityKind::kNSF: {
      NSFOptions o;
      set_coupling_options(*this, &o);
      o.bins = bins;
      o.bound = bound;
      return o.is_valid(error);
    }
    case DensityKind::kCNF:
      if (inference_precision != nn::Precision::kFloat64 ||
          training_precision != nn::Precision::kFloat64) {
        *error = "the cnf runs in double precision only (float32 is for realnvp and nsf)";
        return false;
      }
      return cnf_options(*this).is_valid(error);
    case DensityKind::kScore:
      if (inference_precision != nn::Precision::kFloat64 ||
          training_precision != nn::Precision::kFloat64) {
        *error = "the score model runs in double precision only (float32 is for realnvp and nsf)";
        return false;
      }
      return score_model_options(*this).is_valid(error);
  }
  *error = "DensityOptions: unknown kind";
  return false;
}

std::unique_ptr<ConditionalDensity> make_density(const DensityOptions& options) {
  switch (options.kind) {
    case DensityKind::kRealNVP: {
      RealNVPOptions o;
      set_coupling_options(options, &o);
      return std::make_unique<RealNVP>(o);
    }
    case DensityKind::kNSF: {
      NSFOptions o;
      set_coupling_options(options, &o);
      o.bins = options.bins;
      o.bound = options.bound;
      return std::make_unique<NeuralSplineFlow>(o);
    }
    case DensityKind::kCNF:
      return std::make_unique<Cnf>(cnf_options(options));
    case DensityKind::kScore:
      return std::make_unique<diffusion::ScoreModel>(score_model_options(options));
  }
  throw core::Error("make_density: unknown estimator kind");
}

std::unique_ptr<ConditionalDensity> make_density(const std::string& kind, const Hyperparameters& h) {
  switch (parse_density_kind(kind)) {
    case DensityKind::kRealNVP:
      return std::make_unique<RealNVP>(RealNVPOptions::from_hyperparameters(h));
    case DensityKind::kNSF:
      return std::make_unique<NeuralSplineFlow>(NSFOptions::from_hyperparameters(h));
    case DensityKind::kCNF:
      return std::make_unique<Cnf>(CnfOptions::from_hyperparameters(h));
    case DensityKind::kScore:
      return std::make_unique<diffusion::ScoreModel>(diffusion::ScoreModelOptions::from_hyperparameters(h));
  }
  throw core::Error("make_density: unknown estimator kind");
}

}  // namespace sbi
