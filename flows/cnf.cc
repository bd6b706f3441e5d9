#include "flows/cnf.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <boost/numeric/odeint.hpp>

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi::flows {
namespace {

namespace odeint = boost::numeric::odeint;
using State = std::vector<double>;

constexpr double kLog2Pi = 1.8378770664093454836;

// Columns per parallel chunk in log_prob / sample / validation_loss: one ODE state each.
constexpr Eigen::Index kChunk = 256;

// Rng streams of the options' seed.
constexpr std::uint64_t kInitStream = 0, kTrainStream = 1, kValidationStream = 2;
constexpr std::uint64_t kProbeStream = 1ULL << 32;  // + chunk index

Vector standard_normal_log_prob(const Matrix& z) {
  return (-0.5 * z.colwise().squaredNorm().array() - 0.5 * z.rows() * kLog2Pi).transpose();
}

Matrix rademacher(int rows, Eigen::Index cols, core::Rng* rng) {
  Matrix u(rows, cols);
  for (Eigen::Index i = 0; i < u.size(); ++i) u.data()[i] = (rng->next_u64() >> 63) ? 1.0 : -1.0;
  return u;
}

// The augmented ODE d/dt (x, L) = (v(t, x), div v(t, x)) on a flat state: x (D x N,
// column-major) then, when with_divergence, L (N).
struct AugmentedSystem {
  const BatchVectorField* field;
  Eigen::Index d, n;
  bool with_divergence;
  long* evaluations;

  void operator()(const State& s, State& ds, double t) const {
    const Matrix x = Eigen::Map<const Matrix>(s.data(), d, n);
    Matrix v;
    RowVector div;
    (*field)(t, x, &v, with_divergence ? &div : nullptr);
    Eigen::Map<Matrix>(ds.data(), d, n) = v;
    if (with_divergence) Eigen::Map<RowVector>(ds.data() + d * n, n) = div;
    ++*evaluations;
  }
};

// Integrates the augmented state from t0 to t1 (either direction).
void solve(const BatchVectorField& field, Eigen::Index d, Eigen::Index n, bool with_divergence,
           double t0, double t1, const OdeOptions& o, State* s, OdeSummary* summary) {
  core::check_valid(o, "flow ODE");
  OdeSummary local;
  if (n > 0) {
    AugmentedSystem system{&field, d, n, with_divergence, &local.evaluations};
    const double dt = (t1 - t0) / o.steps;
    if (o.solver == OdeSolver::kRk4) {
      odeint::integrate_n_steps(odeint::runge_kutta4<State>(), system, *s, t0, dt, o.steps);
      local.steps = o.steps;
    } else {
      local.steps = static_cast<long>(odeint::integrate_adaptive(
          odeint::make_controlled(o.abs_tol, o.rel_tol, odeint::runge_kutta_dopri5<State>()),
          system, *s, t0, t1, dt));
    }
  }
  if (summary != nullptr) *summary = local;
}

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

namespace {
const core::EnumNames<OdeSolver>& ode_solvers() {
  static const core::EnumNames<OdeSolver> names("ODE solver", {"rk4", "dopri5"});
  return names;
}
}  // namespace

OdeSolver parse_ode_solver(const std::string& name) { return ode_solvers().parse(name); }
std::string ode_solver_name(OdeSolver value) { return ode_solvers().name(value); }
std::vector<std::string> ode_solver_names() { return ode_solvers().names(); }

namespace {
const core::EnumNames<TraceEstimator>& trace_estimators() {
  static const core::EnumNames<TraceEstimator> names("trace estimator", {"exact", "hutchinson"});
  return names;
}
}  // namespace

TraceEstimator parse_trace_estimator(const std::string& name) { return trace_estimators().parse(name); }
std::string trace_estimator_name(TraceEstimator value) { return trace_estimators().name(value); }
std::vector<std::string> trace_estimator_names() { return trace_estimators().names(); }

bool OdeOptions::is_valid(std::string* error) const {
  if (solver != OdeSolver::kRk4 && solver != OdeSolver::kDopri5)
    *error = "OdeOptions::solver = " + std::to_string(static_cast<int>(solver)) + " is not a solver";
  else if (steps < 1) *error = "OdeOptions::steps = " + std::to_string(steps) + " must be >= 1";
  else if (!(abs_tol > 0)) *error = "OdeOptions::abs_tol = " + std::to_string(abs_tol) + " must be > 0";
  else if (!(rel_tol >= 0)) *error = "OdeOptions::rel_tol = " + std::to_string(rel_tol) + " must be >= 0";
  else return true;
  return false;
}

Matrix flow_forward(const BatchVectorField& field, const Matrix& z, const OdeOptions& options,
                    Vector* log_prob, OdeSummary* summary) {
  const Eigen::Index d = z.rows(), n = z.cols();
  const bool with_div = log_prob != nullptr;
  State s(d * n + (with_div ? n : 0), 0.0);
  std::copy(z.data(), z.data() + z.size(), s.begin());
  // L(0) = 0, L(1) = ∫_0^1 div dt: log q(x_1) = log N(x_0) - L(1) (Chen et al. 2018, Thm. 1).
  solve(field, d, n, with_div, 0.0, 1.0, options, &s, summary);
  if (with_div)
    *log_prob = standard_normal_log_prob(z) - Eigen::Map<const Vector>(s.data() + d * n, n);
  return Eigen::Map<const Matrix>(s.data(), d, n);
}

Vector flow_log_prob(const BatchVectorField& field, const Matrix& theta, const OdeOptions& options,
                     Matrix* base, OdeSummary* summary) {
  const Eigen::Index d = theta.rows(), n = theta.cols();
  State s(d * n + n, 0.0);
  std::copy(theta.data(), theta.data() + theta.size(), s.begin());
  // L(1) = 0, integrated back to L(0) = -∫_0^1 div dt: log q(x_1) = log N(x_0) + L(0).
  solve(field, d, n, true, 1.0, 0.0, options, &s, summary);
  const Eigen::Map<const Matrix> x0(s.data(), d, n);
  if (base != nullptr) *base = x0;
  return standard_normal_log_prob(x0) + Eigen::Map<const Vector>(s.data() + d * n, n);
}

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
  h.set("schedule", schedule_kind_name(schedule.kind));
  h.set("sigma_min", schedule.sigma_min);
  h.set("vp_beta_min", schedule.vp_beta_min);
  h.set("vp_beta_max", schedule.vp_beta_max);
  h.set("vp_s_min", schedule.vp_s_min);
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
  o.schedule.kind = h.get_enum("schedule", parse_schedule_kind, schedule_kind_names());
  o.schedule.sigma_min = h.get_double("sigma_min");
  o.schedule.vp_beta_min = h.get_double("vp_beta_min");
  o.schedule.vp_beta_max = h.get_double("vp_beta_max");
  o.schedule.vp_s_min = h.get_double("vp_s_min");
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
    : options_(validated(options)),
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

Vector Cnf::log_prob_with(const Matrix& theta, const Matrix& context, const OdeOptions& ode) const {
  const Eigen::Index n = theta.cols();
  const bool hutchinson = options_.trace == TraceEstimator::kHutchinson;
  Vector out(n);
#pragma omp parallel for schedule(dynamic, 1) if (n > kChunk)
  for (Eigen::Index start = 0; start < n; start += kChunk) {
    const Eigen::Index len = std::min(kChunk, n - start);
    const Matrix ctx = context.middleCols(start, len);
    Matrix probes;
    if (hutchinson) {
      core::Rng probe_rng(options_.seed, kProbeStream + static_cast<std::uint64_t>(start / kChunk));
      probes = rademacher(options_.theta_dim, len, &probe_rng);
    }
    out.segment(start, len) =
        flow_log_prob(ode_field(ctx, hutchinson ? &probes : nullptr), theta.middleCols(start, len), ode);
  }
  return out;
}

Vector Cnf::log_prob(const Matrix& theta, const Matrix& context) const {
  check_shapes("Cnf", "log_prob", &theta, context);
  return log_prob_with(theta, context, options_.ode);
}

Matrix Cnf::sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const {
  check_shapes("Cnf", "sample", nullptr, context);
  const Eigen::Index n = context.cols();
  const int d = options_.theta_dim;
  Matrix z(d, n);
  for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = rng->normal();
  const bool hutchinson = log_prob != nullptr && options_.trace == TraceEstimator::kHutchinson;
  Matrix probes;
  if (hutchinson) probes = rademacher(d, n, rng);
  Matrix theta(d, n);
  if (log_prob != nullptr) log_prob->resize(n);
#pragma omp parallel for schedule(dynamic, 1) if (n > kChunk)
  for (Eigen::Index start = 0; start < n; start += kChunk) {
    const Eigen::Index len = std::min(kChunk, n - start);
    const Matrix ctx = context.middleCols(start, len);
    const Matrix chunk_probes = hutchinson ? Matrix(probes.middleCols(start, len)) : Matrix();
    Vector lp;
    theta.middleCols(start, len) =
        flow_forward(ode_field(ctx, hutchinson ? &chunk_probes : nullptr), z.middleCols(start, len),
                     options_.ode, log_prob != nullptr ? &lp : nullptr);
    if (log_prob != nullptr) log_prob->segment(start, len) = lp;
  }
  return theta;
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
  const Eigen::Index n = theta.cols() * options_.validation_draws;
  if (n == 0) return 0.0;
  // The same draws on every call: the number early stopping compares across epochs moves
  // only with the weights.
  core::Rng rng(options_.seed, kValidationStream);
  RowVector t;
  Matrix noise;
  draw(n, &rng, &t, &noise);
  const Matrix th = theta.replicate(1, options_.validation_draws);
  const Matrix ctx = context.replicate(1, options_.validation_draws);
  const Eigen::Index chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> sums(chunks);  // summed in order afterwards: bitwise deterministic
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
  for (Eigen::Index k = 0; k < chunks; ++k) {
    const Eigen::Index start = k * kChunk, len = std::min(kChunk, n - start);
    sums[k] = len * flow_matching_loss(th.middleCols(start, len), ctx.middleCols(start, len),
                                       t.segment(start, len), noise.middleCols(start, len));
  }
  double total = 0.0;
  for (double s : sums) total += s;
  return total / n;
}

Vector Cnf::log_prob_and_gradient(const Matrix& theta, const Matrix& context, Matrix* grad_theta) {
  check_shapes("Cnf", "log_prob_and_gradient", &theta, context);
  const Vector lp = log_prob(theta, context);
  if (grad_theta == nullptr) return lp;
  // Central differences of the fixed-step RK4 log-density (smooth in θ), step
  // h = eps^{1/3} max(1, |θ|): truncation O(h^2) and rounding O(eps / h) balance near 1e-10.
  OdeOptions rk4 = options_.ode;
  rk4.solver = OdeSolver::kRk4;
  const double scale = std::cbrt(std::numeric_limits<double>::epsilon());
  grad_theta->resize(theta.rows(), theta.cols());
  Matrix probe = theta;
  for (int i = 0; i < options_.theta_dim; ++i) {
    const RowVector h = scale * theta.row(i).cwiseAbs().cwiseMax(1.0);
    const RowVector plus = theta.row(i) + h, minus = theta.row(i) - h;
    probe.row(i) = plus;
    const Vector lp_plus = log_prob_with(probe, context, rk4);
    probe.row(i) = minus;
    const Vector lp_minus = log_prob_with(probe, context, rk4);
    probe.row(i) = theta.row(i);
    grad_theta->row(i) = (lp_plus - lp_minus).transpose().cwiseQuotient(plus - minus);
  }
  return lp;
}

nn::Parameters Cnf::parameters() {
  nn::Parameters out;
  nn::append_parameters("vector_field", field_.parameters(), &out);
  return out;
}

}  // namespace sbi::flows
