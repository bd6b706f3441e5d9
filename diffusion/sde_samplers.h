// Samplers of a diffusion model given its noise predictor ε̂(t, x) ≈ E[ε | x_t = x], on the
// toolkit's time (t = 0 noise, t = 1 data) and a Gaussian path x_t = α_t x_1 + β_t ε of an
// SDE (flows/schedule.h: vp, subvp or ve). The score is ∇ log p_t(x) = -ε̂(t, x) / β_t.
//
//   probability_flow_field   the probability-flow ODE's velocity (Song et al. 2021, eq. 13)
//                            v = f_t x - g_t^2 / (2 β_t) ε̂, with its divergence
//                            f_t D - g_t^2 / (2 β_t) div ε̂, for the ODE machinery of
//                            flows/ode_density.h (samples and exact log-densities).
//   reverse_sde_sample       Euler–Maruyama on the reverse-time SDE (Song et al. 2021, eq. 6)
//                            dx = [f_t x - g_t^2 / β_t ε̂] dt + g_t dW, t from 0 to 1.
//   predictor_corrector_sample  the same predictor with `corrector_steps` Langevin corrector
//                            steps before each (Song et al. 2021, Alg. 1, 4 and 5):
//                            x <- x + η s + sqrt(2 η) z, s the score, η = 2 (r ||z|| / ||s||)^2
//                            with the norms averaged over the batch (as in their code), r the
//                            signal-to-noise ratio.
// Both integrate on a warped clock u in [0, 1] with t = 1 - (1 - u)^2 for vp and subvp:
// their β_t behaves like sqrt(1 - t) within 1% of the data end (T(s) ≈ β_min s there), so
// β'_t and the velocity grow like (1 - t)^{-1/2} and uniform steps in t would leave that
// whole stretch to one step; in u the velocity times dt/du = 2 (1 - u) stays bounded. The ve
// path (β' = -log(σ_max/σ_min) β, smooth) keeps t = u.
// The last predictor step adds no noise (the denoising step of Song et al.'s samplers): the
// output is the drift's mean, and for r -> 0 and many steps the samplers converge to the
// data distribution of the score they are given.
#pragma once

#include "core/rng.h"
#include "flows/ode_density.h"
#include "flows/schedule.h"

namespace sbi::diffusion {

using flows::BatchVectorField;
using flows::Schedule;
using nn::Matrix;
using nn::RowVector;

// ε̂(t, x) on a batch (D x N) and, unless null, div_x ε̂ per column: the signature of a
// flows::BatchVectorField, whose meaning here is the noise prediction.
using NoisePredictor = BatchVectorField;

struct SdeSamplerOptions {
  int steps = 500;            // Euler–Maruyama steps on [0, 1]
  int corrector_steps = 0;    // Langevin steps before each predictor step (0: plain reverse SDE)
  double snr = 0.1;           // r of the corrector's step size
  bool is_valid(std::string* error) const;
};

// t(u) of the sampling clock above, with dt/du written unless null.
double sampling_time(const Schedule& schedule, double u, double* dt_du = nullptr);

// The probability-flow velocity dx/du on the sampling clock (u = 0 noise, u = 1 data) and
// its divergence: flows::flow_forward and flow_log_prob integrate it over u in [0, 1].
BatchVectorField probability_flow_field(const Schedule& schedule, NoisePredictor noise);

// Runs the reverse SDE from x (D x N, draws of the t = 0 marginal) to t = 1 and returns the
// samples; draws its noise from rng.
Matrix reverse_sde_sample(const Schedule& schedule, const NoisePredictor& noise, Matrix x,
                          const SdeSamplerOptions& options, core::Rng* rng);

}  // namespace sbi::diffusion
