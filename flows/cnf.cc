#include "flows/cnf.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::flows {
namespace {

// Rng streams of the options' seed (the Hutchinson probes of log_prob use flows/ode_density's).
constexpr std::uint64_t kInitStream = 0, kTrainStream = 1, kValidationStream = 2;

VectorFieldOptions field_options(const CnfOptions& o) {
  VectorFieldOptions f;
  f.theta_dim = o.theta_dim;
  f.context_dim = o.context_dim;
  f.hidden = o.hidden;
  f.num_blocks = o.num_blocks;
  f.num_frequencies = o.num_frequencies;
  f.activation = o.activation;
  return f;
}

const CnfOptions& validated(const CnfOptions& o) {
  core::check_valid(o, "Cnf");
  return o;
}


}  // namespace

bool CnfOptions::is_valid(std::string* error) const {
  std::string sub;
  if (theta_dim < 1) *error = "CnfOptions::theta_dim = " + std::to_string(theta_dim) + " must be >= 1";
  else if (context_dim < 0) *error = "CnfOptions::context_dim = " + std::to_string(context_dim) + " must be >= 0";
  else if (!field_options(*this).is_valid(&sub)) *error = "CnfOptions: " + sub;
  else if (!schedule.is_valid(&sub)) *error = "CnfOptions::schedule: " + sub;
  else if (!(time_prior_exponent >= 0 && std::isfinite(time_prior_exponent)))
    *error = "CnfOptions::time_prior_exponent = " + std::to_string(time_prior_exponent) + " must be >= 0";
  else if (validation_draws < 1)
    *error = "CnfOptions::validation_draws = " + std::to_string(validation_draws) + " must be >= 1";
  else if (!ode.is_valid(&sub)) *error = "CnfOptions::ode: " + sub;
  else if (trace != TraceEstimator::kExact && trace != TraceEstimator::kHutchinson)
    *error = "CnfOptions::trace = " + std::to_string(static_cast<int>(trace)) + " is not an estimator";
  else return true;
  return false;
}

Hyperparameters CnfOptions::to_hyperparameters() const {
  Hyperparameters h("Cnf");
  h.set("theta_dim", theta_dim);
  h.set("context_dim", context_dim);
  h.set("hidden", hidden);
  h.set("num_blocks", num_blocks);
  h.set("num_frequencies", num_frequencies);
  h.set("activation", nn::activation_name(activation));
  set_schedule_hyperparameters(schedule, &h);
  h.set("time_prior_exponent", time_prior_exponent);
  h.set("validation_draws", validation_draws);
  h.set("ode_solver", ode_solver_name(ode.solver));
  h.set("ode_steps", ode.steps);
  h.set("ode_abs_tol", ode.abs_tol);
  h.set("ode_rel_tol", ode.rel_tol);
  h.set("trace", trace_estimator_name(trace));
  h.set_uint64("seed", seed);
  return h;
}

CnfOptions CnfOptions::from_hyperparameters(const Hyperparameters& h) {
  CnfOptions o;
  o.theta_dim = h.get_int("theta_dim");
  o.context_dim = h.get_int("context_dim");
  o.hidden = h.get_int("hidden");
  o.num_blocks = h.get_int("num_blocks");
  o.num_frequencies = h.get_int("num_frequencies");
  o.activation = h.get_enum("activation", nn::parse_activation, nn::activation_names());
  o.schedule = schedule_from_hyperparameters(h);
  o.time_prior_exponent = h.get_double("time_prior_exponent");
  o.validation_draws = h.get_int("validation_draws");
  o.ode.solver = h.get_enum("ode_solver", parse_ode_solver, ode_solver_names());
  o.ode.steps = h.get_int("ode_steps");
  o.ode.abs_tol = h.get_double("ode_abs_tol");
  o.ode.rel_tol = h.get_double("ode_rel_tol");
  o.trace = h.get_enum("trace", parse_trace_estimator, trace_estimator_names());
  o.seed = h.get_uint64("seed");
  return o;
}

Cnf::Cnf(const CnfOptions& options)
    : OdeDensity(ode_density_settings(validated(options))),
      options_(options),
      schedule_(options.schedule),
      train_rng_(options.seed, kTrainStream) {
  core::Rng init_rng(options.seed, kInitStream);
  field_ = VectorField(field_options(options), &init_rng);
}


BatchVectorField Cnf::ode_field(const Matrix& context, const Matrix* probes) const {
  auto cache = std::make_shared<VectorFieldCache>();
  const Matrix* ctx = &context;
  return [this, ctx, probes, cache](double t, const Matrix& x, Matrix* v, RowVector* div) {
    *v = field_.forward(RowVector::Constant(1, x.cols(), t), x, *ctx, cache.get());
    if (div == nullptr) return;
    if (probes == nullptr) {
      *div = field_.divergence(cache.get());
    } else {
      // Hutchinson: u^T J u with the sample's fixed probe u (Grathwohl et al. 2019, Sec. 3.1).
      *div = (field_.vjp(cache.get(), *probes).array() * probes->array()).colwise().sum().matrix();
    }
  };
}

void Cnf::draw(Eigen::Index n, core::Rng* rng, RowVector* t, Matrix* noise) const {
  const double power = 1.0 / (1.0 + options_.time_prior_exponent);
  t->resize(n);
  for (Eigen::Index j = 0; j < n; ++j) (*t)(j) = std::pow(rng->uniform(), power);
  noise->resize(options_.theta_dim, n);
  for (Eigen::Index i = 0; i < noise->size(); ++i) noise->data()[i] = rng->normal();
}

void Cnf::path_sample(const Matrix& theta, const RowVector& t, const Matrix& noise, Matrix* x_t,
                      Matrix* target) const {
  core::check(t.cols() == theta.cols() && noise.rows() == theta.rows() && noise.cols() == theta.cols(),
              "Cnf::flow_matching_loss: t must be 1 x N and noise theta_dim x N");
  x_t->resize(theta.rows(), theta.cols());
  target->resize(theta.rows(), theta.cols());
  for (Eigen::Index j = 0; j < theta.cols(); ++j) {
    // x_t = α_t θ + β_t ε, u_t = α'_t θ + β'_t ε (Lipman et al. 2023, Theorem 3).
    const PathCoefficients c = schedule_.at(t(j));
    x_t->col(j) = c.alpha * theta.col(j) + c.beta * noise.col(j);
    target->col(j) = c.d_alpha * theta.col(j) + c.d_beta * noise.col(j);
  }
}

double Cnf::flow_matching_loss(const Matrix& theta, const Matrix& context, const RowVector& t,
                               const Matrix& noise) const {
  check_shapes("Cnf", "flow_matching_loss", &theta, context);
  if (theta.cols() == 0) return 0.0;
  Matrix x_t, target;
  path_sample(theta, t, noise, &x_t, &target);
  VectorFieldCache cache;
  return (field_.forward(t, x_t, context, &cache) - target).squaredNorm() / theta.cols();
}

double Cnf::flow_matching_loss_and_gradient(const Matrix& theta, const Matrix& context,
                                            const RowVector& t, const Matrix& noise,
                                            Matrix* grad_context) {
  check_shapes("Cnf", "flow_matching_loss_and_gradient", &theta, context);
  const double n = static_cast<double>(theta.cols());
  Matrix x_t, target;
  path_sample(theta, t, noise, &x_t, &target);
  const Matrix residual = field_.forward(t, x_t, context, &train_cache_) - target;
  // L = (1/N) Σ_j ||r_j||^2, dL/dv = 2 r / N.
  field_.backward(&train_cache_, (2.0 / n) * residual, nullptr, grad_context, true);
  return residual.squaredNorm() / n;
}

double Cnf::loss_and_gradient(const Matrix& theta, const Matrix& context, Matrix* grad_context) {
  check_shapes("Cnf", "loss_and_gradient", &theta, context);
  core::check(theta.cols() > 0, "Cnf::loss_and_gradient: empty batch");
  RowVector t;
  Matrix noise;
  draw(theta.cols(), &train_rng_, &t, &noise);
  return flow_matching_loss_and_gradient(theta, context, t, noise, grad_context);
}

double Cnf::validation_loss(const Matrix& theta, const Matrix& context) const {
  check_shapes("Cnf", "validation_loss", &theta, context);
  return loss_on_fixed_draws(
      theta, context, options_.validation_draws, kValidationStream,
      [this](Eigen::Index n, core::Rng* rng, RowVector* t, Matrix* noise) { draw(n, rng, t, noise); },
      [this](const Matrix& th, const Matrix& c, const RowVector& t, const Matrix& noise) {
        return flow_matching_loss(th, c, t, noise);
      });
}

nn::Parameters Cnf::parameters() {
  nn::Parameters out;
  nn::append_parameters("vector_field", field_.parameters(), &out);
  return out;
}

}  // namespace sbi::flows
