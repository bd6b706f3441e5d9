#include "flows/ode_density.h"

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

// Rng stream of the model's seed for the Hutchinson probes of log_prob (+ chunk index); the
// models keep streams below it for their own draws.
constexpr std::uint64_t kProbeStream = 1ULL << 32;

// log N(z; 0, s^2 I) per column.
Vector normal_log_prob(const Matrix& z, double s) {
  return (-0.5 / (s * s) * z.colwise().squaredNorm().array() -
          z.rows() * (0.5 * kLog2Pi + std::log(s)))
      .transpose();
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

const core::EnumNames<OdeSolver>& ode_solvers() {
  static const core::EnumNames<OdeSolver> names("ODE solver", {"rk4", "dopri5"});
  return names;
}

const core::EnumNames<TraceEstimator>& trace_estimators() {
  static const core::EnumNames<TraceEstimator> names("trace estimator", {"exact", "hutchinson"});
  return names;
}

}  // namespace

OdeSolver parse_ode_solver(const std::string& name) { return ode_solvers().parse(name); }
std::string ode_solver_name(OdeSolver value) { return ode_solvers().name(value); }
std::vector<std::string> ode_solver_names() { return ode_solvers().names(); }

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

Matrix rademacher(int rows, Eigen::Index cols, core::Rng* rng) {
  Matrix u(rows, cols);
  for (Eigen::Index i = 0; i < u.size(); ++i) u.data()[i] = (rng->next_u64() >> 63) ? 1.0 : -1.0;
  return u;
}

Matrix flow_forward(const BatchVectorField& field, const Matrix& z, const OdeOptions& options,
                    Vector* log_prob, OdeSummary* summary, double base_std) {
  const Eigen::Index d = z.rows(), n = z.cols();
  const bool with_div = log_prob != nullptr;
  State s(d * n + (with_div ? n : 0), 0.0);
  std::copy(z.data(), z.data() + z.size(), s.begin());
  // L(0) = 0, L(1) = ∫_0^1 div dt: log q(x_1) = log N(x_0) - L(1) (Chen et al. 2018, Thm. 1).
  solve(field, d, n, with_div, 0.0, 1.0, options, &s, summary);
  if (with_div)
    *log_prob = normal_log_prob(z, base_std) - Eigen::Map<const Vector>(s.data() + d * n, n);
  return Eigen::Map<const Matrix>(s.data(), d, n);
}

Vector flow_log_prob(const BatchVectorField& field, const Matrix& theta, const OdeOptions& options,
                     Matrix* base, OdeSummary* summary, double base_std) {
  const Eigen::Index d = theta.rows(), n = theta.cols();
  State s(d * n + n, 0.0);
  std::copy(theta.data(), theta.data() + theta.size(), s.begin());
  // L(1) = 0, integrated back to L(0) = -∫_0^1 div dt: log q(x_1) = log N(x_0) + L(0).
  solve(field, d, n, true, 1.0, 0.0, options, &s, summary);
  const Eigen::Map<const Matrix> x0(s.data(), d, n);
  if (base != nullptr) *base = x0;
  return normal_log_prob(x0, base_std) + Eigen::Map<const Vector>(s.data() + d * n, n);
}

Vector OdeDensity::log_prob_with(const Matrix& theta, const Matrix& context,
                                 const OdeOptions& ode) const {
  const Eigen::Index n = theta.cols();
  const bool hutchinson = settings_.trace == TraceEstimator::kHutchinson;
  Vector out(n);
#pragma omp parallel for schedule(dynamic, 1) if (n > kChunk)
  for (Eigen::Index start = 0; start < n; start += kChunk) {
    const Eigen::Index len = std::min(kChunk, n - start);
    const Matrix ctx = context.middleCols(start, len);
    Matrix probes;
    if (hutchinson) {
      core::Rng probe_rng(settings_.seed, kProbeStream + static_cast<std::uint64_t>(start / kChunk));
      probes = rademacher(settings_.theta_dim, len, &probe_rng);
    }
    out.segment(start, len) = flow_log_prob(ode_field(ctx, hutchinson ? &probes : nullptr),
                                            theta.middleCols(start, len), ode, nullptr, nullptr,
                                            settings_.base_std);
  }
  return out;
}

Vector OdeDensity::log_prob(const Matrix& theta, const Matrix& context) const {
  check_shapes(kind(), "log_prob", &theta, context);
  return log_prob_with(theta, context, settings_.ode);
}

Matrix OdeDensity::sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const {
  check_shapes(kind(), "sample", nullptr, context);
  Matrix z(settings_.theta_dim, context.cols());
  for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = settings_.base_std * rng->normal();
  return integrate_from_base(z, context, rng, log_prob);
}

Matrix OdeDensity::integrate_from_base(const Matrix& z, const Matrix& context, core::Rng* rng,
                                       Vector* log_prob) const {
  const Eigen::Index n = context.cols();
  const int d = settings_.theta_dim;
  const bool hutchinson = log_prob != nullptr && settings_.trace == TraceEstimator::kHutchinson;
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
                     settings_.ode, log_prob != nullptr ? &lp : nullptr, nullptr, settings_.base_std);
    if (log_prob != nullptr) log_prob->segment(start, len) = lp;
  }
  return theta;
}

Vector OdeDensity::log_prob_and_gradient(const Matrix& theta, const Matrix& context,
                                         Matrix* grad_theta) {
  check_shapes(kind(), "log_prob_and_gradient", &theta, context);
  const Vector lp = log_prob(theta, context);
  if (grad_theta == nullptr) return lp;
  // Central differences of the fixed-step RK4 log-density (smooth in θ), step
  // h = eps^{1/3} max(1, |θ|): truncation O(h^2) and rounding O(eps / h) balance near 1e-10.
  OdeOptions rk4 = settings_.ode;
  rk4.solver = OdeSolver::kRk4;
  const double scale = std::cbrt(std::numeric_limits<double>::epsilon());
  grad_theta->resize(theta.rows(), theta.cols());
  Matrix probe = theta;
  for (int i = 0; i < settings_.theta_dim; ++i) {
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

double OdeDensity::loss_on_fixed_draws(const Matrix& theta, const Matrix& context, int draws,
                                       std::uint64_t stream, const TimeNoiseDraw& draw,
                                       const BatchLoss& loss) const {
  const Eigen::Index n = theta.cols() * draws;
  core::Rng rng(settings_.seed, stream);
  RowVector t;
  Matrix noise;
  draw(n, &rng, &t, &noise);
  const Matrix th = theta.replicate(1, draws);
  const Matrix ctx = context.replicate(1, draws);
  return chunked_mean(n, [&](Eigen::Index start, Eigen::Index len) {
    return len * loss(th.middleCols(start, len), ctx.middleCols(start, len), t.segment(start, len),
                      noise.middleCols(start, len));
  });
}

double OdeDensity::chunked_mean(Eigen::Index n,
                                const std::function<double(Eigen::Index, Eigen::Index)>& chunk_sum) {
  if (n == 0) return 0.0;
  const Eigen::Index chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> sums(chunks);  // summed in order afterwards: bitwise deterministic
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
  for (Eigen::Index k = 0; k < chunks; ++k) {
    const Eigen::Index start = k * kChunk;
    sums[k] = chunk_sum(start, std::min(kChunk, n - start));
  }
  double total = 0.0;
  for (double s : sums) total += s;
  return total / n;
}

}  // namespace sbi::flows
