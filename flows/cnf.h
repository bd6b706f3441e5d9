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
// Sampling, log-densities (exact or Hutchinson trace), the ODE solvers and the
// finite-difference gradient are the shared machinery of flows/ode_density.h.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flows/ode_density.h"
#include "flows/schedule.h"
#include "flows/vector_field.h"

namespace sbi::flows {

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

class Cnf : public OdeDensity {
 public:
  explicit Cnf(const CnfOptions& options);

  std::string kind() const override { return "cnf"; }
  Hyperparameters hyperparameters() const override { return options_.to_hyperparameters(); }
  const CnfOptions& options() const { return options_; }

  // The flow-matching loss on fresh draws of t and ε from the model's own stream (seeded
  // from options.seed), with its gradients; not -mean log q.
  double loss_and_gradient(const Matrix& theta, const Matrix& context,
                           Matrix* grad_context) override;
  // The flow-matching loss on validation_draws fixed-seed draws per pair: deterministic.
  double validation_loss(const Matrix& theta, const Matrix& context) const override;
  std::vector<std::uint64_t> random_state() const override { return train_rng_.state_vector(); }
  void set_random_state(const std::vector<std::uint64_t>& state) override { train_rng_.set_state_vector(state); }
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
  BatchVectorField ode_field(const Matrix& context, const Matrix* probes) const override;

  const VectorField& field() const { return field_; }
  const Schedule& schedule() const { return schedule_; }

 private:
  // x_t and the target α'_t θ + β'_t ε for the given draws.
  void path_sample(const Matrix& theta, const RowVector& t, const Matrix& noise, Matrix* x_t,
                   Matrix* target) const;
  // t = u^{1/(1+a)} and ε for n pairs.
  void draw(Eigen::Index n, core::Rng* rng, RowVector* t, Matrix* noise) const;

  CnfOptions options_;
  Schedule schedule_;
  VectorField field_;
  core::Rng train_rng_;
  VectorFieldCache train_cache_;
};

}  // namespace sbi::flows
