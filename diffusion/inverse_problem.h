// Posterior sampling with a diffusion prior and an explicit linear-Gaussian likelihood:
// x ~ p(x) known only through a noise predictor ε̂(t, x) (an unconditional score model, or an
// analytic one), y = A x + n, n ~ N(0, diag(σ_n^2)). Bayes' rule holds at every t of the
// path x_t = α_t x + β_t ε,
//     ∇ log p_t(x_t | y) = ∇ log p_t(x_t) + ∇ log p_t(y | x_t),
// so the posterior's noise predictor is ε̂(t, x) - β_t ∇_x log p_t(y | x_t = x) and any sampler
// of diffusion/sde_samplers.h draws from the posterior. p_t(y | x_t) = ∫ p(y | x) p(x | x_t) dx
// is what each guidance approximates by a Gaussian N(y; A m_t, Σ_n + A V_t A^T):
//
//   convolved  m_t = x_t / α_t, V_t = (β_t / α_t)^2 I: p(x | x_t) ∝ p(x_t | x), the prior
//              left out (Adam et al. 2022, "Posterior samples of source galaxies in strong
//              gravitational lenses with score-based priors", eq. 9 for the VE path, here for
//              any α_t). No network derivative; exact when the prior is flat on the scale of
//              the likelihood, biased otherwise (for a Gaussian prior the bias is measured in
//              tests/diffusion/inverse_problem_test.cc). Uses the eigendecomposition of
//              H = A^T Σ_n^{-1} A, once: ∇ = (1/α) U diag(1 / (1 + c λ)) U^T A^T Σ_n^{-1}
//              (y - A x_t / α), c = (β/α)^2 (Woodbury), d^2 per sample and step.
//   dps        m_t = x̂_0 = (x_t - β_t ε̂) / α_t (Tweedie's mean), V_t = 0: diffusion posterior
//              sampling (Chung et al. 2023, eq. 16 with the Gaussian likelihood, step 1), the
//              gradient through ε̂ by one vector-Jacobian product. Works for non-linear
//              forward models too; biased like convolved when prior and likelihood are of
//              similar width (V_t = 0 ignores the spread of x given a noisy x_t).
//   tweedie    m_t = x̂_0, V_t = (β_t / α_t)^2 (I - β_t ∂ε̂/∂x) (Tweedie's covariance, the
//              moment projection of Boys et al. 2023): exact when the prior is Gaussian
//              (then V_t does not depend on x_t and p_t(y | x_t) is exactly that Gaussian);
//              costs d vector-Jacobian products per sample and step, so it is for small d.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <Eigen/SparseCore>

#include "diffusion/sde_samplers.h"

namespace sbi::diffusion {

using nn::Vector;

// y = A x + n with per-entry noise σ_n (every σ_n > 0).
struct LinearObservation {
  Eigen::SparseMatrix<double> forward;  // A: m x d
  Vector y;                             // m
  Vector sigma;                         // m
  void check() const;                   // shapes, finiteness, σ > 0: throws core::Error
};

// u^T ∂ε̂/∂x per column (D x N) at time t, for the columns x.
using NoiseVjp = std::function<Matrix(double t, const Matrix& x, const Matrix& u)>;

// A diffusion prior: its path, noise predictor and (for dps and tweedie) the predictor's
// vector-Jacobian product.
struct DiffusionPrior {
  Schedule schedule;
  NoisePredictor noise;
  NoiseVjp noise_vjp;
};

enum class Guidance { kConvolved, kDps, kTweedie };
Guidance parse_guidance(const std::string& name);  // "convolved", "dps", "tweedie"
std::string guidance_name(Guidance guidance);
std::vector<std::string> guidance_names();

// y = f(x) + n with a differentiable, possibly non-linear forward model f, n ~ N(0, diag σ²).
struct NonlinearObservation {
  std::function<Matrix(const Matrix& x)> forward;                  // f per column: m x N
  std::function<Matrix(const Matrix& x, const Matrix& u)> forward_vjp;  // J_f(x_j)^T u_j: d x N
  Vector y;      // m
  Vector sigma;  // m, every entry > 0
  void check() const;  // both functions set, y finite, σ finite and > 0: throws core::Error
};

// Diffusion posterior sampling (Chung et al. 2023) for a non-linear forward model: as dps
// above with A^T Σ_n^{-1} (y - A x̂_0) replaced by J_f(x̂_0)^T Σ_n^{-1} (y - f(x̂_0)). For a
// linear f it is guided_noise_predictor(..., Guidance::kDps). The plain gradient step may
// diverge when the likelihood is much narrower than the spread of x̂_0 at high noise (a
// cubic f with σ_n = 0.05 against a unit prior gives NaN; tests/diffusion/
// inverse_problem_test.cc runs σ_n = 0.3, where the mean lands within 6% of the exact one).
NoisePredictor dps_noise_predictor(const DiffusionPrior& prior, const NonlinearObservation& observation);

// ε̂_post(t, x) = ε̂(t, x) - β_t ∇ log p̃_t(y | x) under the chosen approximation. The
// returned function copies what it needs (A, y, σ_n, the eigendecomposition for convolved).
// No divergence: it is for the SDE samplers (the divergence output must be null).
NoisePredictor guided_noise_predictor(const DiffusionPrior& prior, const LinearObservation& observation,
                                      Guidance guidance);

}  // namespace sbi::diffusion
