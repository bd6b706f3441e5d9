// A conditional score model: neural posterior score estimation (NPSE; Sharrock et al. 2022,
// Geffner et al. 2023), a ConditionalDensity like the flows.
//
// A noise predictor
//     ε̂(t, x; c) = β_t x / (α_t^2 + β_t^2) + N(t, x; c),
// the exact noise predictor of standard normal data (what z-scored θ look like to first
// order) plus a network N (flows/vector_field.h: a residual MLP on Fourier features of t,
// Gaussian by default as in Song et al. 2021, x and the context) that learns the rest. An
// untrained model is then close to the N(0, I) it is standardised towards, and its
// probability-flow ODE tame from the first step; without the Gaussian part a random N lets
// the VP ODE's drift α'/α x stretch the base by 1/α_0 ≈ 150 (cf. the skip connection of
// Karras et al. 2022, Sec. 5, which plays the same role). ε̂ is trained by denoising
// score matching along the Gaussian path x_t = α_t θ + β_t ε of an SDE (flows/schedule.h:
// vp (default), subvp, ve) in the noise-prediction parameterisation (Ho et al. 2020):
//     L = E_{t, ε, (θ, c)} || ε̂(t, α_t θ + β_t ε; c) - ε ||^2.
// Two weightings λ(t) of the score-matching loss λ(t) ||s_θ - ∇ log p(x_t | θ)||^2
// (Song et al. 2021, eq. 7):
//   noise       λ(t) = β_t^2 (Song et al.'s usual choice), i.e. the plain loss above with t
//               uniform on [0, 1], or with density (1 + a) t^a (a time prior towards the data
//               end, as the CNF's);
//   likelihood  λ(t) = g_t^2 (Song et al. 2021b, Thm. 1: the objective bounds the KL of the
//               probability-flow model), i.e. weight g_t^2 / β_t^2 = dλ_t/dt on the plain loss,
//               importance-sampled by drawing the log-SNR λ_t uniformly (the reported loss is
//               the plain loss under that draw; the constant λ_1 - λ_0 is left out).
//
// Classifier-free guidance (Ho & Salimans 2022), optional: with guidance_dropout p > 0 the
// network's context gets one more input, and in training each pair's context is replaced by
// the null context (zeros, flag 1) with probability p. Sampling and log_prob then use
//     ε̂_w = (1 + w) ε̂(t, x; c) - w ε̂(t, x; ∅),   w = guidance_scale (0: no guidance).
//
// Densities and samples come from the probability-flow ODE through flows/ode_density.h (the
// CNF's machinery): log q is exact up to the ODE solver (exact or Hutchinson trace). The
// sampler option picks how sample() draws: the ODE (default, deterministic given the base
// draw), the reverse SDE (Euler–Maruyama) or predictor–corrector (diffusion/sde_samplers.h);
// the SDE samplers compute log q, when asked, by a separate ODE solve from the sample.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "diffusion/inverse_problem.h"
#include "diffusion/sde_samplers.h"
#include "flows/ode_density.h"
#include "flows/schedule.h"
#include "flows/vector_field.h"

namespace sbi::diffusion {

using flows::Hyperparameters;
using nn::Vector;

enum class ScoreWeighting { kNoise, kLikelihood };
enum class ScoreSampler { kOde, kSde, kPredictorCorrector };

// "noise", "likelihood" and "ode", "sde", "pc" <-> enums; parse throws core::Error.
ScoreWeighting parse_score_weighting(const std::string& name);
std::string score_weighting_name(ScoreWeighting weighting);
std::vector<std::string> score_weighting_names();
ScoreSampler parse_score_sampler(const std::string& name);
std::string score_sampler_name(ScoreSampler sampler);
std::vector<std::string> score_sampler_names();

struct ScoreModelOptions {
  int theta_dim = 0;
  int context_dim = 0;
  int hidden = 128;        // width of the noise predictor's residual stream
  int num_blocks = 4;      // its residual blocks
  int num_frequencies = 8;  // Fourier features of t
  flows::TimeEmbedding time_embedding = flows::TimeEmbedding::kGaussian;
  double fourier_scale = 1.0;  // s of the Gaussian frequencies
  nn::Activation activation = nn::Activation::kSiLU;  // smooth: relu is refused
  flows::ScheduleOptions schedule = vp_schedule();
  ScoreWeighting weighting = ScoreWeighting::kLikelihood;  // the better on sbibm (README)
  // noise weighting: t drawn with density (1 + a) t^a (a = 0 uniform; a > 0 towards the data
  // end, the CNF's time prior, flows/cnf.h); must be 0 with the likelihood weighting.
  double time_prior_exponent = 0.0;
  ScoreSampler sampler = ScoreSampler::kOde;
  SdeSamplerOptions sde;              // steps, corrector steps (pc: at least 1), snr
  double guidance_dropout = 0.0;      // p in [0, 1): 0 trains no null context
  double guidance_scale = 0.0;        // w >= 0; needs guidance_dropout > 0 when w > 0
  int validation_draws = 8;           // (t, ε) draws per held-out pair in validation_loss
  flows::OdeOptions ode;              // the probability-flow ODE
  flows::TraceEstimator trace = flows::TraceEstimator::kExact;
  std::uint64_t seed = 0;  // initial weights and frequencies, training draws, validation draws

  bool is_valid(std::string* error) const;
  Hyperparameters to_hyperparameters() const;
  static ScoreModelOptions from_hyperparameters(const Hyperparameters& h);

  static flows::ScheduleOptions vp_schedule() {
    flows::ScheduleOptions s;
    s.kind = flows::ScheduleKind::kVariancePreserving;
    return s;
  }
};

class ScoreModel : public flows::OdeDensity {
 public:
  explicit ScoreModel(const ScoreModelOptions& options);

  std::string kind() const override { return "score"; }
  Hyperparameters hyperparameters() const override { return options_.to_hyperparameters(); }
  const ScoreModelOptions& options() const { return options_; }
  const flows::Schedule& schedule() const { return schedule_; }

  Matrix sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const override;
  // The denoising loss on fresh draws of t and ε (and of the guidance dropout) from the
  // model's own stream, with its gradients; not -mean log q.
  double loss_and_gradient(const Matrix& theta, const Matrix& context,
                           Matrix* grad_context) override;
  // The denoising loss on validation_draws fixed-seed draws per pair, without dropout.
  double validation_loss(const Matrix& theta, const Matrix& context) const override;
  std::vector<std::uint64_t> random_state() const override { return train_rng_.state_vector(); }
  void set_random_state(const std::vector<std::uint64_t>& state) override { train_rng_.set_state_vector(state); }
  nn::Parameters parameters() override;

  // The denoising loss for given times t (1 x N) and noise ε (theta_dim x N).
  double denoising_loss(const Matrix& theta, const Matrix& context, const RowVector& t,
                        const Matrix& noise) const;

  // The same with its parameter gradient added into the buffers and dL/dc written unless
  // null; null_columns (unless null) marks the pairs whose context is replaced by the null
  // context (their dL/dc is zero).
  double denoising_loss_and_gradient(const Matrix& theta, const Matrix& context, const RowVector& t,
                                     const Matrix& noise, const std::vector<bool>* null_columns,
                                     Matrix* grad_context);

  // ε̂_w(t, x; c) for the columns of `context` (guided when guidance_scale > 0), with
  // div ε̂_w exact or by Hutchinson's u^T J u with the columns of `probes` when not null.
  // context and probes are borrowed.
  NoisePredictor noise_predictor(const Matrix& context, const Matrix* probes) const;
  // The model at one context (context_dim x 1; 0 x 1 for an unconditional model) as the prior
  // of diffusion/inverse_problem.h: its path, ε̂_w for any batch of x, and u^T ∂ε̂_w/∂x by one
  // reverse pass (two with guidance). Borrows the model.
  DiffusionPrior as_prior(const Matrix& context) const;

  // The probability-flow velocity made from noise_predictor.
  flows::BatchVectorField ode_field(const Matrix& context, const Matrix* probes) const override;

 private:
  // β_t x / (α_t^2 + β_t^2) per column: the Gaussian part of ε̂.
  Matrix gaussian_noise(const RowVector& t, const Matrix& x) const;
  // t (uniform, or uniform in log-SNR for the likelihood weighting) and ε for n pairs.
  void draw(Eigen::Index n, core::Rng* rng, RowVector* t, Matrix* noise) const;
  // The network's context: [c; 0] or, for null columns, [0; 1] when guidance is trained.
  Matrix network_context(const Matrix& context, const std::vector<bool>* null_columns) const;

  ScoreModelOptions options_;
  flows::Schedule schedule_;
  flows::VectorField network_;
  core::Rng train_rng_;
  flows::VectorFieldCache train_cache_;
};

}  // namespace sbi::diffusion
