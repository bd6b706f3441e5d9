// Densities defined by an ODE from a Gaussian base: the continuous normalizing flow
// (flows/cnf.h, a learned velocity) and the score model's probability-flow ODE
// (diffusion/score_model.h, a velocity made from a learned noise predictor) share all of it.
//
// Time runs as everywhere in the toolkit (DESIGN.md): t = 0 the base N(0, s^2 I) (s = 1 but
// for the variance-exploding path, flows/schedule.h), t = 1 the data. Sampling integrates
// dθ/dt = v(t, θ; c) from t = 0 to 1; the log-density follows from the instantaneous change
// of variables (Chen et al. 2018, Thm. 1),
//     d log p(θ_t) / dt = -tr ∂v/∂θ (t, θ_t),
//     log q(θ_1) = log N(θ_0; 0, s^2 I) - ∫_0^1 tr ∂v/∂θ (t, θ_t) dt,
// integrated backward from θ_1 = θ for log_prob, forward alongside the sample for sample().
// The trace is exact (D forward-mode tangent passes per evaluation of the field) or
// Hutchinson's estimate (Hutchinson 1989; Grathwohl et al. 2019, FFJORD, Sec. 3.1):
// tr J = E[u^T J u] with Rademacher u, one vector-Jacobian product per evaluation. The probe
// u is drawn once per sample and held over the whole solve, so the ODE stays smooth in t;
// the estimate of log q is unbiased. Hutchinson's log_prob is deterministic all the same:
// its probes are seeded from the model's seed.
//
// The ODE solver is Boost.Odeint's fixed-step classical Runge-Kutta (integrate_n_steps,
// `steps` steps of 1/steps) or adaptive Dormand-Prince 5(4) (runge_kutta_dopri5 under
// abs_tol / rel_tol). Every column of a chunk of samples is one ODE state, so one evaluation
// of the field is one batched network pass; chunks run in parallel with OpenMP. With a
// fixed-step solver the results do not depend on how columns are chunked or threaded.
//
// log_prob_and_gradient returns d log q / dθ by central finite differences (2 D more
// log_prob solves) of the fixed-step RK4 log-density whatever the solver: an adaptive
// solver's step-size control makes log q only piecewise smooth in θ.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "flows/conditional_density.h"
#include "flows/schedule.h"

namespace sbi::flows {

using nn::RowVector;

enum class OdeSolver { kRk4, kDopri5 };
enum class TraceEstimator { kExact, kHutchinson };

// "rk4", "dopri5" and "exact", "hutchinson" <-> enums; parse throws core::Error.
OdeSolver parse_ode_solver(const std::string& name);
std::string ode_solver_name(OdeSolver solver);
TraceEstimator parse_trace_estimator(const std::string& name);
std::string trace_estimator_name(TraceEstimator estimator);
// Every name, in the order of the enum.
std::vector<std::string> ode_solver_names();
std::vector<std::string> trace_estimator_names();

struct OdeOptions {
  OdeSolver solver = OdeSolver::kRk4;
  int steps = 50;          // RK4: steps on [0, 1]; Dopri5: its first step is 1 / steps
  double abs_tol = 1e-6;   // Dopri5: absolute tolerance per state entry
  double rel_tol = 1e-6;   // Dopri5: relative tolerance per state entry

  bool is_valid(std::string* error) const;
};

// What an ODE solve did.
struct OdeSummary {
  long steps = 0;        // accepted steps
  long evaluations = 0;  // calls of the vector field (each on the whole batch)
};

// A vector field on a batch: given t and x (D x N), writes v (D x N) and, unless null,
// tr ∂v/∂x per column (1 x N), exact or estimated.
using BatchVectorField =
    std::function<void(double t, const Matrix& x, Matrix* v, RowVector* divergence)>;

// Pushes z (D x N, the t = 0 state) to t = 1 and returns it; unless null, writes
// log N(z; 0, base_std^2 I) - ∫_0^1 div dt into log_prob (the flow's log-density at the result).
Matrix flow_forward(const BatchVectorField& field, const Matrix& z, const OdeOptions& options,
                    Vector* log_prob, OdeSummary* summary = nullptr, double base_std = 1.0);

// log N(x_0; 0, base_std^2 I) - ∫_0^1 div dt for x_1 = theta, integrating from t = 1 back
// to 0; writes x_0 into base unless null.
Vector flow_log_prob(const BatchVectorField& field, const Matrix& theta, const OdeOptions& options,
                     Matrix* base = nullptr, OdeSummary* summary = nullptr, double base_std = 1.0);

// Rademacher probes (±1), rows x cols.
Matrix rademacher(int rows, Eigen::Index cols, core::Rng* rng);

// What the shared part needs to know of a model.
struct OdeDensitySettings {
  int theta_dim = 0;
  int context_dim = 0;
  OdeOptions ode;
  TraceEstimator trace = TraceEstimator::kExact;
  std::uint64_t seed = 0;  // Hutchinson probes of log_prob
  double base_std = 1.0;   // the base N(0, base_std^2 I)
};

// The settings of a model's options that name theta_dim, context_dim, ode, trace, seed and
// schedule (CnfOptions, diffusion::ScoreModelOptions); the base is the schedule's.
template <class Options>
OdeDensitySettings ode_density_settings(const Options& o) {
  OdeDensitySettings s;
  s.theta_dim = o.theta_dim;
  s.context_dim = o.context_dim;
  s.ode = o.ode;
  s.trace = o.trace;
  s.seed = o.seed;
  s.base_std = Schedule(o.schedule).base_std();
  return s;
}

class OdeDensity : public ConditionalDensity {
 public:
  int theta_dim() const override { return settings_.theta_dim; }
  int context_dim() const override { return settings_.context_dim; }

  Vector log_prob(const Matrix& theta, const Matrix& context) const override;
  // Draws from the base and integrates the ODE to t = 1 (with log q when asked).
  Matrix sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const override;
  Vector log_prob_and_gradient(const Matrix& theta, const Matrix& context,
                               Matrix* grad_theta) override;

  // The model's velocity for the columns of `context` as an ODE right-hand side; the
  // divergence is exact, or Hutchinson's u^T J u with u = the columns of `probes` when not
  // null. Both are borrowed: they must outlive the returned function.
  virtual BatchVectorField ode_field(const Matrix& context, const Matrix* probes) const = 0;

  // Columns per parallel chunk of log_prob, sample and the validation losses.
  static constexpr Eigen::Index kChunk = 256;

 protected:
  explicit OdeDensity(const OdeDensitySettings& settings) : settings_(settings) {}

  const OdeDensitySettings& ode_settings() const { return settings_; }
  Vector log_prob_with(const Matrix& theta, const Matrix& context, const OdeOptions& ode) const;
  // The probability-flow sample of base draws z (theta_dim x N), with log q unless null.
  Matrix integrate_from_base(const Matrix& z, const Matrix& context, core::Rng* rng,
                             Vector* log_prob) const;

  // A training loss on fixed draws, for validation_loss: `draws` (t, ε) per pair from
  // draw(n, &rng, &t, &ε) with rng = Rng(seed, stream) fresh on every call (so the number
  // early stopping compares moves only with the weights), loss(θ, c, t, ε) averaged over
  // the pairs in deterministic chunks.
  using TimeNoiseDraw = std::function<void(Eigen::Index, core::Rng*, RowVector*, Matrix*)>;
  using BatchLoss = std::function<double(const Matrix&, const Matrix&, const RowVector&, const Matrix&)>;
  double loss_on_fixed_draws(const Matrix& theta, const Matrix& context, int draws, std::uint64_t stream,
                             const TimeNoiseDraw& draw, const BatchLoss& loss) const;

  // (1/n) Σ_k chunk_sum(start_k, len_k) over chunks of kChunk columns of n, in parallel,
  // summed in chunk order: bitwise the same for any thread count.
  static double chunked_mean(Eigen::Index n,
                             const std::function<double(Eigen::Index, Eigen::Index)>& chunk_sum);

 private:
  OdeDensitySettings settings_;
};

}  // namespace sbi::flows
