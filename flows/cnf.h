// A continuous normalizing flow (Chen et al. 2018) trained by conditional flow matching:
// flow matching posterior estimation, FMPE (Dax et al. 2023; Lipman et al. 2023).
//
// Time runs as everywhere in the toolkit (DESIGN.md): t = 0 the base N(0, I), t = 1 the data.
//
// Training. Along a Gaussian path x_t = α_t θ + β_t ε (flows/schedule.h) the network
// v(t, x; c) regresses the conditional velocity (Lipman et al. 2023, eq. 9 and Theorem 3;
// Dax et al. 2023, Sec. 3):
//     L = E_{t, ε, (θ, c)} || v(t, x_t; c) - (α'_t θ + β'_t ε) ||^2,
// with ε ~ N(0, I) and t = u^{1 / (1 + a)}, u ~ U(0, 1): uniform for the default a = 0;
// a > 0 puts more weight near the data end, density (1 + a) t^a (the power-law time prior of
// Dax et al. 2023, in the exponent convention of their code, dingo's sample_t). The loss is summed over the
// theta_dim components and averaged over the batch; its minimiser is the marginal field that
// carries N(0, I) at t = 0 to q(θ | c) convolved with N(0, β_1^2) at t = 1.
//
// Sampling integrates dθ/dt = v(t, θ; c) from t = 0, θ ~ N(0, I), to t = 1. The
// log-density follows from the instantaneous change of variables (Chen et al. 2018, Thm. 1),
//     d log p(θ_t) / dt = -tr ∂v/∂θ (t, θ_t),
//     log q(θ_1) = log N(θ_0; 0, I) - ∫_0^1 tr ∂v/∂θ (t, θ_t) dt,
// integrated backward from θ_1 = θ for log_prob, forward alongside the sample for sample().
// The trace is exact (D forward-mode tangent passes per evaluation of the field, each about
// one forward pass: cost (1 + D) forward passes) or Hutchinson's estimate (Hutchinson 1989;
// Grathwohl et al. 2019, FFJORD, Sec. 3.1): tr J = E[u^T J u] with Rademacher u, one
// vector-Jacobian product per evaluation (cost about 2 forward passes whatever D). The probe
// u is drawn once per sample and held over the whole solve, so the ODE stays smooth in t; the
// estimate of log q is unbiased, with variance Σ_{i<j} (J_ij + J_ji)^2 per evaluation (the
// off-diagonal Frobenius norm of the symmetrised Jacobian; the diagonal costs nothing).
// Exact is the default: for the D ≲ 20 of posterior estimation its cost is moderate and the
// log-density carries no noise. Hutchinson's log_prob is deterministic all the same: its
// probes are seeded from the options.
//
// The ODE solver is Boost.Odeint's fixed-step classical Runge-Kutta (integrate_n_steps,
// `steps` steps of 1/steps) or adaptive Dormand-Prince 5(4) (runge_kutta_dopri5 under
// abs_tol / rel_tol). Every column of a chunk of samples is one ODE state, so one evaluation
// of the field is one batched network pass; chunks run in parallel with OpenMP. With a
// fixed-step solver the results do not depend on how columns are chunked or threaded; with
// Dopri5 the step sizes are chosen per chunk.
//
// log_prob_and_gradient returns the log-density with d log q / dθ by central finite
// differences (2 D more log_prob solves), of the fixed-step RK4 log-density whatever the
// solver: an adaptive solver's step-size control makes log q only piecewise smooth in θ, so
// its differences would be noise of the size of the tolerance divided by the step.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flows/conditional_density.h"
#include "flows/schedule.h"
#include "flows/vector_field.h"

namespace sbi::flows {

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
// log N(z; 0, I) - ∫_0^1 div dt into log_prob (the flow's log-density at the result).
Matrix flow_forward(const BatchVectorField& field, const Matrix& z, const OdeOptions& options,
                    Vector* log_prob, OdeSummary* summary = nullptr);

// log N(x_0; 0, I) - ∫_0^1 div dt for x_1 = theta, integrating from t = 1 back to 0;
// writes x_0 into base unless null.
Vector flow_log_prob(const BatchVectorField& field, const Matrix& theta, const OdeOptions& options,
                     Matrix* base = nullptr, OdeSummary* summary = nullptr);

struct CnfOptions {
  int theta_dim = 0;
  int context_dim = 0;
  int hidden = 64;           // width of the vector field's residual stream
  int num_blocks = 2;        // its residual blocks
  int num_frequencies = 3;   // Fourier features of t
  nn::Activation activation = nn::Activation::kSiLU;  // smooth: relu is refused
  ScheduleOptions schedule;  // the Gaussian path (default: conditional OT, σ_min = 1e-3)
  double time_prior_exponent = 0.0;  // a >= 0 above: 0 = uniform t
  int validation_draws = 8;  // (t, ε) draws per held-out pair in validation_loss
  OdeOptions ode;            // sampling and log_prob
  TraceEstimator trace = TraceEstimator::kExact;
  std::uint64_t seed = 0;    // initial weights, training draws, validation draws, probes

  bool is_valid(std::string* error) const;
  Hyperparameters to_hyperparameters() const;
  static CnfOptions from_hyperparameters(const Hyperparameters& h);
};

class Cnf : public ConditionalDensity {
 public:
  explicit Cnf(const CnfOptions& options);

  std::string kind() const override { return "cnf"; }
  int theta_dim() const override { return options_.theta_dim; }
  int context_dim() const override { return options_.context_dim; }
  Hyperparameters hyperparameters() const override { return options_.to_hyperparameters(); }
  const CnfOptions& options() const { return options_; }

  Vector log_prob(const Matrix& theta, const Matrix& context) const override;
  Matrix sample(const Matrix& context, core::Rng* rng, Vector* log_prob) const override;
  // The flow-matching loss on fresh draws of t and ε from the model's own stream (seeded
  // from options.seed), with its gradients; not -mean log q.
  double loss_and_gradient(const Matrix& theta, const Matrix& context,
                           Matrix* grad_context) override;
  // The flow-matching loss on validation_draws fixed-seed draws per pair: deterministic.
  double validation_loss(const Matrix& theta, const Matrix& context) const override;
  // Finite differences, see above.
  Vector log_prob_and_gradient(const Matrix& theta, const Matrix& context,
                               Matrix* grad_theta) override;
  nn::Parameters parameters() override;

  // The flow-matching loss for given draws t (1 x N) and noise ε (theta_dim x N).
  double flow_matching_loss(const Matrix& theta, const Matrix& context, const RowVector& t,
                            const Matrix& noise) const;
  // The same, adding its parameter gradient into the buffers and writing dL/dc unless null.
  double flow_matching_loss_and_gradient(const Matrix& theta, const Matrix& context,
                                         const RowVector& t, const Matrix& noise,
                                         Matrix* grad_context);

  // The network's field for the columns of `context` as an ODE right-hand side; the
  // divergence is exact, or Hutchinson's u^T J u with u = the columns of `probes` when not
  // null (borrowed: must outlive the returned function).
  BatchVectorField ode_field(const Matrix& context, const Matrix* probes) const;

  const VectorField& field() const { return field_; }
  const Schedule& schedule() const { return schedule_; }

 private:
  // x_t and the target α'_t θ + β'_t ε for the given draws.
  void path_sample(const Matrix& theta, const RowVector& t, const Matrix& noise, Matrix* x_t,
                   Matrix* target) const;
  // t = u^{1/(1+a)} and ε for n pairs.
  void draw(Eigen::Index n, core::Rng* rng, RowVector* t, Matrix* noise) const;
  Vector log_prob_with(const Matrix& theta, const Matrix& context, const OdeOptions& ode) const;

  CnfOptions options_;
  Schedule schedule_;
  VectorField field_;
  core::Rng train_rng_;
  VectorFieldCache train_cache_;
};

}  // namespace sbi::flows
