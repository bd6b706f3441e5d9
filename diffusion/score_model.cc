#include "diffusion/score_model.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::diffusion {
namespace {

// Rng streams of the options' seed (flows/ode_density's Hutchinson probes use 2^32 and up).
constexpr std::uint64_t kInitStream = 0, kTrainStream = 1, kValidationStream = 2;

const core::EnumNames<ScoreWeighting>& weightings() {
  static const core::EnumNames<ScoreWeighting> names("score weighting", {"noise", "likelihood"});
  return names;
}

const core::EnumNames<ScoreSampler>& samplers() {
  static const core::EnumNames<ScoreSampler> names("score sampler", {"ode", "sde", "pc"});
  return names;
}

flows::VectorFieldOptions network_options(const ScoreModelOptions& o) {
  flows::VectorFieldOptions f;
  f.theta_dim = o.theta_dim;
  f.context_dim = o.context_dim + (o.guidance_dropout > 0 ? 1 : 0);
  f.hidden = o.hidden;
  f.num_blocks = o.num_blocks;
  f.num_frequencies = o.num_frequencies;
  f.time_embedding = o.time_embedding;
  f.fourier_scale = o.fourier_scale;
  f.activation = o.activation;
  return f;
}

const ScoreModelOptions& validated(const ScoreModelOptions& o) {
  core::check_valid(o, "ScoreModel");
  return o;
}

}  // namespace

ScoreWeighting parse_score_weighting(const std::string& name) { return weightings().parse(name); }
std::string score_weighting_name(ScoreWeighting value) { return weightings().name(value); }
std::vector<std::string> score_weighting_names() { return weightings().names(); }
ScoreSampler parse_score_sampler(const std::string& name) { return samplers().parse(name); }
std::string score_sampler_name(ScoreSampler value) { return samplers().name(value); }
std::vector<std::string> score_sampler_names() { return samplers().names(); }

bool ScoreModelOptions::is_valid(std::string* error) const {
  std::string sub;
  if (theta_dim < 1) *error = "ScoreModelOptions::theta_dim = " + std::to_string(theta_dim) + " must be >= 1";
  else if (context_dim < 0)
    *error = "ScoreModelOptions::context_dim = " + std::to_string(context_dim) + " must be >= 0";
  else if (!network_options(*this).is_valid(&sub)) *error = "ScoreModelOptions: " + sub;
  else if (!schedule.is_valid(&sub)) *error = "ScoreModelOptions::schedule: " + sub;
  else if (!schedule.is_sde())
    *error = "ScoreModelOptions::schedule: a score model needs the path of an SDE (vp, subvp or ve), not " +
             flows::schedule_kind_name(schedule.kind);
  else if (weighting != ScoreWeighting::kNoise && weighting != ScoreWeighting::kLikelihood)
    *error = "ScoreModelOptions::weighting = " + std::to_string(static_cast<int>(weighting)) + " is not a weighting";
  else if (!(time_prior_exponent >= 0 && std::isfinite(time_prior_exponent)))
    *error = "ScoreModelOptions::time_prior_exponent = " + std::to_string(time_prior_exponent) + " must be >= 0";
  else if (time_prior_exponent > 0 && weighting == ScoreWeighting::kLikelihood)
    *error = "ScoreModelOptions::time_prior_exponent applies to the noise weighting only (the "
             "likelihood weighting draws t from its own density)";
  else if (sampler != ScoreSampler::kOde && sampler != ScoreSampler::kSde &&
           sampler != ScoreSampler::kPredictorCorrector)
    *error = "ScoreModelOptions::sampler = " + std::to_string(static_cast<int>(sampler)) + " is not a sampler";
  else if (!sde.is_valid(&sub)) *error = "ScoreModelOptions::sde: " + sub;
  else if (sampler == ScoreSampler::kPredictorCorrector && sde.corrector_steps < 1)
    *error = "ScoreModelOptions: the pc sampler needs sde.corrector_steps >= 1";
  else if (sampler == ScoreSampler::kSde && sde.corrector_steps > 0)
    *error = "ScoreModelOptions: the sde sampler has no corrector (use the pc sampler)";
  else if (!(guidance_dropout >= 0 && guidance_dropout < 1))
    *error = "ScoreModelOptions::guidance_dropout = " + std::to_string(guidance_dropout) + " must be in [0, 1)";
  else if (!(guidance_scale >= 0 && std::isfinite(guidance_scale)))
    *error = "ScoreModelOptions::guidance_scale = " + std::to_string(guidance_scale) + " must be >= 0";
  else if (guidance_scale > 0 && !(guidance_dropout > 0))
    *error = "ScoreModelOptions::guidance_scale = " + std::to_string(guidance_scale) +
             " needs a model trained with guidance_dropout > 0 (it has no null context)";
  else if (validation_draws < 1)
    *error = "ScoreModelOptions::validation_draws = " + std::to_string(validation_draws) + " must be >= 1";
  else if (!ode.is_valid(&sub)) *error = "ScoreModelOptions::ode: " + sub;
  else if (trace != flows::TraceEstimator::kExact && trace != flows::TraceEstimator::kHutchinson)
    *error = "ScoreModelOptions::trace = " + std::to_string(static_cast<int>(trace)) + " is not an estimator";
  else return true;
  return false;
}

Hyperparameters ScoreModelOptions::to_hyperparameters() const {
  Hyperparameters h("ScoreModel");
  h.set("theta_dim", theta_dim);
  h.set("context_dim", context_dim);
  h.set("hidden", hidden);
  h.set("num_blocks", num_blocks);
  h.set("num_frequencies", num_frequencies);
  h.set("time_embedding", flows::time_embedding_name(time_embedding));
  h.set("fourier_scale", fourier_scale);
  h.set("activation", nn::activation_name(activation));
  flows::set_schedule_hyperparameters(schedule, &h);
  h.set("weighting", score_weighting_name(weighting));
  h.set("time_prior_exponent", time_prior_exponent);
  h.set("sampler", score_sampler_name(sampler));
  h.set("sde_steps", sde.steps);
  h.set("corrector_steps", sde.corrector_steps);
  h.set("snr", sde.snr);
  h.set("guidance_dropout", guidance_dropout);
  h.set("guidance_scale", guidance_scale);
  h.set("validation_draws", validation_draws);
  h.set("ode_solver", flows::ode_solver_name(ode.solver));
  h.set("ode_steps", ode.steps);
  h.set("ode_abs_tol", ode.abs_tol);
  h.set("ode_rel_tol", ode.rel_tol);
  h.set("trace", flows::trace_estimator_name(trace));
  h.set_uint64("seed", seed);
  return h;
}

ScoreModelOptions ScoreModelOptions::from_hyperparameters(const Hyperparameters& h) {
  ScoreModelOptions o;
  o.theta_dim = h.get_int("theta_dim");
  o.context_dim = h.get_int("context_dim");
  o.hidden = h.get_int("hidden");
  o.num_blocks = h.get_int("num_blocks");
  o.num_frequencies = h.get_int("num_frequencies");
  o.time_embedding = h.get_enum("time_embedding", flows::parse_time_embedding, flows::time_embedding_names());
  o.fourier_scale = h.get_double("fourier_scale");
  o.activation = h.get_enum("activation", nn::parse_activation, nn::activation_names());
  o.schedule = flows::schedule_from_hyperparameters(h);
  o.weighting = h.get_enum("weighting", parse_score_weighting, score_weighting_names());
  o.time_prior_exponent = h.get_double("time_prior_exponent");
  o.sampler = h.get_enum("sampler", parse_score_sampler, score_sampler_names());
  o.sde.steps = h.get_int("sde_steps");
  o.sde.corrector_steps = h.get_int("corrector_steps");
  o.sde.snr = h.get_double("snr");
  o.guidance_dropout = h.get_double("guidance_dropout");
  o.guidance_scale = h.get_double("guidance_scale");
  o.validation_draws = h.get_int("validation_draws");
  o.ode.solver = h.get_enum("ode_solver", flows::parse_ode_solver, flows::ode_solver_names());
  o.ode.steps = h.get_int("ode_steps");
  o.ode.abs_tol = h.get_double("ode_abs_tol");
  o.ode.rel_tol = h.get_double("ode_rel_tol");
  o.trace = h.get_enum("trace", flows::parse_trace_estimator, flows::trace_estimator_names());
  o.seed = h.get_uint64("seed");
  return o;
}

ScoreModel::ScoreModel(const ScoreModelOptions& options)
    : OdeDensity(flows::ode_density_settings(validated(options))),
      options_(options),
      schedule_(options.schedule),
      train_rng_(options.seed, kTrainStream) {
  core::Rng init_rng(options.seed, kInitStream);
  network_ = flows::VectorField(network_options(options), &init_rng);
}

Matrix ScoreModel::network_context(const Matrix& context, const std::vector<bool>* null_columns) const {
  if (!(options_.guidance_dropout > 0)) return context;
  Matrix out(context.rows() + 1, context.cols());
  out.topRows(context.rows()) = context;
  out.bottomRows(1).setZero();
  if (null_columns != nullptr)
    for (Eigen::Index j = 0; j < context.cols(); ++j)
      if ((*null_columns)[j]) {
        out.col(j).setZero();
        out(context.rows(), j) = 1.0;
      }
  return out;
}

NoisePredictor ScoreModel::noise_predictor(const Matrix& context, const Matrix* probes) const {
  struct State {
    Matrix conditional, null;
    flows::VectorFieldCache cache, null_cache;
  };
  auto state = std::make_shared<State>();
  state->conditional = network_context(context, nullptr);
  const double w = options_.guidance_scale;
  if (w > 0) {
    const std::vector<bool> all(context.cols(), true);
    state->null = network_context(context, &all);
  }
  return [this, state, probes, w](double t, const Matrix& x, Matrix* eps, RowVector* div) {
    const RowVector times = RowVector::Constant(1, x.cols(), t);
    // Hutchinson: u^T J u with the sample's fixed probe u (Grathwohl et al. 2019, Sec. 3.1).
    auto divergence = [&](flows::VectorFieldCache* cache) -> RowVector {
      if (probes == nullptr) return network_.divergence(cache);
      return (network_.vjp(cache, *probes).array() * probes->array()).colwise().sum().matrix();
    };
    *eps = network_.forward(times, x, state->conditional, &state->cache);
    if (div != nullptr) *div = divergence(&state->cache);
    if (w > 0) {
      // ε̂_w = (1 + w) ε̂(c) - w ε̂(∅) (Ho & Salimans 2022, eq. 6); the divergence is linear too.
      *eps = (1.0 + w) * *eps - w * network_.forward(times, x, state->null, &state->null_cache);
      if (div != nullptr) *div = (1.0 + w) * *div - w * divergence(&state->null_cache);
    }
    // The Gaussian part β x / (α^2 + β^2), the same with and without guidance.
    const flows::PathCoefficients c = schedule_.at(t);
    const double gain = c.beta / (c.alpha * c.alpha + c.beta * c.beta);
    *eps += gain * x;
    if (div != nullptr) div->array() += gain * static_cast<double>(x.rows());
  };
}

DiffusionPrior ScoreModel::as_prior(const Matrix& context) const {
  check_shapes(kind(), "as_prior", nullptr, context);
  core::check(context.cols() == 1, "ScoreModel::as_prior: one context column, not " +
                                       std::to_string(context.cols()));
  DiffusionPrior prior{schedule_, {}, {}};
  const Matrix c = context;
  prior.noise = [this, c](double t, const Matrix& x, Matrix* eps, RowVector* div) {
    const Matrix ctx = c.replicate(1, x.cols());
    noise_predictor(ctx, nullptr)(t, x, eps, div);
  };
  prior.noise_vjp = [this, c](double t, const Matrix& x, const Matrix& u) {
    const RowVector times = RowVector::Constant(1, x.cols(), t);
    const Matrix ctx = c.replicate(1, x.cols());
    const double w = options_.guidance_scale;
    flows::VectorFieldCache cache;
    network_.forward(times, x, network_context(ctx, nullptr), &cache);
    Matrix out = network_.vjp(&cache, u);
    if (w > 0) {
      const std::vector<bool> all(x.cols(), true);
      flows::VectorFieldCache null_cache;
      network_.forward(times, x, network_context(ctx, &all), &null_cache);
      out = (1.0 + w) * out - w * network_.vjp(&null_cache, u);
    }
    // The Gaussian part β x / (α^2 + β^2) is a multiple of the identity.
    const flows::PathCoefficients pc = schedule_.at(t);
    return Matrix(out + (pc.beta / (pc.alpha * pc.alpha + pc.beta * pc.beta)) * u);
  };
  return prior;
}

flows::BatchVectorField ScoreModel::ode_field(const Matrix& context, const Matrix* probes) const {
  return probability_flow_field(schedule_, noise_predictor(context, probes));
}

Matrix ScoreModel::sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const {
  if (options_.sampler == ScoreSampler::kOde) return OdeDensity::sample(context, rng, log_prob);
  check_shapes(kind(), "sample", nullptr, context);
  const Eigen::Index n = context.cols();
  const double base_std = ode_settings().base_std;
  Matrix z(options_.theta_dim, n);
  for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = base_std * rng->normal();
  // One stream per chunk, seeded in order from rng: the result does not depend on threads.
  const Eigen::Index chunks = (n + kChunk - 1) / kChunk;
  const std::uint64_t chunk_seed = rng->next_u64();
  Matrix theta(options_.theta_dim, n);
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
  for (Eigen::Index k = 0; k < chunks; ++k) {
    const Eigen::Index start = k * kChunk, len = std::min(kChunk, n - start);
    const Matrix ctx = context.middleCols(start, len);
    core::Rng chunk_rng(chunk_seed, static_cast<std::uint64_t>(k));
    theta.middleCols(start, len) = reverse_sde_sample(schedule_, noise_predictor(ctx, nullptr),
                                                      z.middleCols(start, len), options_.sde, &chunk_rng);
  }
  if (log_prob != nullptr) *log_prob = this->log_prob(theta, context);
  return theta;
}

void ScoreModel::draw(Eigen::Index n, core::Rng* rng, RowVector* t, Matrix* noise) const {
  t->resize(n);
  if (options_.weighting == ScoreWeighting::kNoise) {
    const double power = 1.0 / (1.0 + options_.time_prior_exponent);
    for (Eigen::Index j = 0; j < n; ++j) (*t)(j) = std::pow(rng->uniform(), power);
  } else {
    // Uniform log-SNR: density ∝ dλ/dt = g_t^2 / β_t^2 in t (see the header).
    const double lambda0 = schedule_.log_snr(0.0), lambda1 = schedule_.log_snr(1.0);
    for (Eigen::Index j = 0; j < n; ++j)
      (*t)(j) = schedule_.time_of_log_snr(rng->uniform(lambda0, lambda1));
  }
  noise->resize(options_.theta_dim, n);
  for (Eigen::Index i = 0; i < noise->size(); ++i) noise->data()[i] = rng->normal();
}

namespace {
// x_t = α_t θ + β_t ε per column.
Matrix noisy(const flows::Schedule& schedule, const Matrix& theta, const RowVector& t, const Matrix& noise) {
  core::check(t.cols() == theta.cols() && noise.rows() == theta.rows() && noise.cols() == theta.cols(),
              "ScoreModel::denoising_loss: t must be 1 x N and noise theta_dim x N");
  Matrix x(theta.rows(), theta.cols());
  for (Eigen::Index j = 0; j < theta.cols(); ++j) {
    const flows::PathCoefficients c = schedule.at(t(j));
    x.col(j) = c.alpha * theta.col(j) + c.beta * noise.col(j);
  }
  return x;
}
}  // namespace

Matrix ScoreModel::gaussian_noise(const RowVector& t, const Matrix& x) const {
  Matrix out(x.rows(), x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    const flows::PathCoefficients c = schedule_.at(t(j));
    out.col(j) = (c.beta / (c.alpha * c.alpha + c.beta * c.beta)) * x.col(j);
  }
  return out;
}

double ScoreModel::denoising_loss(const Matrix& theta, const Matrix& context, const RowVector& t,
                                  const Matrix& noise) const {
  check_shapes(kind(), "denoising_loss", &theta, context);
  if (theta.cols() == 0) return 0.0;
  flows::VectorFieldCache cache;
  const Matrix x = noisy(schedule_, theta, t, noise);
  return (network_.forward(t, x, network_context(context, nullptr), &cache) + gaussian_noise(t, x) - noise)
             .squaredNorm() / theta.cols();
}

double ScoreModel::denoising_loss_and_gradient(const Matrix& theta, const Matrix& context,
                                               const RowVector& t, const Matrix& noise,
                                               const std::vector<bool>* null_columns,
                                               Matrix* grad_context) {
  check_shapes(kind(), "denoising_loss_and_gradient", &theta, context);
  const Eigen::Index n = theta.cols();
  core::check(n > 0, "ScoreModel::denoising_loss_and_gradient: empty batch");
  core::check(null_columns == nullptr || static_cast<Eigen::Index>(null_columns->size()) == n,
              "ScoreModel::denoising_loss_and_gradient: one null flag per pair");
  const Matrix x = noisy(schedule_, theta, t, noise);
  const Matrix residual =
      network_.forward(t, x, network_context(context, null_columns), &train_cache_) + gaussian_noise(t, x) - noise;
  // L = (1/N) Σ_j ||r_j||^2, dL/dε̂ = 2 r / N.
  Matrix grad_network_context;
  network_.backward(&train_cache_, (2.0 / n) * residual, nullptr,
                    grad_context != nullptr ? &grad_network_context : nullptr, true);
  if (grad_context != nullptr) {
    *grad_context = grad_network_context.topRows(options_.context_dim);
    if (null_columns != nullptr)
      for (Eigen::Index j = 0; j < n; ++j)
        if ((*null_columns)[j]) grad_context->col(j).setZero();  // the context did not enter
  }
  return residual.squaredNorm() / n;
}

double ScoreModel::loss_and_gradient(const Matrix& theta, const Matrix& context, Matrix* grad_context) {
  check_shapes(kind(), "loss_and_gradient", &theta, context);
  const Eigen::Index n = theta.cols();
  RowVector t;
  Matrix noise;
  draw(n, &train_rng_, &t, &noise);
  std::vector<bool> null_columns(n, false);
  if (options_.guidance_dropout > 0)
    for (Eigen::Index j = 0; j < n; ++j) null_columns[j] = train_rng_.uniform() < options_.guidance_dropout;
  return denoising_loss_and_gradient(theta, context, t, noise, &null_columns, grad_context);
}

double ScoreModel::validation_loss(const Matrix& theta, const Matrix& context) const {
  check_shapes(kind(), "validation_loss", &theta, context);
  return loss_on_fixed_draws(
      theta, context, options_.validation_draws, kValidationStream,
      [this](Eigen::Index n, core::Rng* rng, RowVector* t, Matrix* noise) { draw(n, rng, t, noise); },
      [this](const Matrix& th, const Matrix& c, const RowVector& t, const Matrix& noise) {
        return denoising_loss(th, c, t, noise);
      });
}

nn::Parameters ScoreModel::parameters() {
  nn::Parameters out;
  nn::append_parameters("noise_predictor", network_.parameters(), &out);
  return out;
}

}  // namespace sbi::diffusion
