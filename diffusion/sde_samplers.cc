#include "diffusion/sde_samplers.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace sbi::diffusion {
namespace {

void fill_normal(Matrix* z, core::Rng* rng) {
  for (Eigen::Index i = 0; i < z->size(); ++i) z->data()[i] = rng->normal();
}

// One Langevin corrector step at time t (Song et al. 2021, Alg. 4 and 5, with the step size
// of their code): x <- x + η s + sqrt(2 η) z, η = 2 (r <||z||> / <||s||>)^2, the norms
// averaged over the batch. (Per-sample norms would make η blow up for a sample near a mode
// of p_t, where s -> 0, and throw it far off.)
void langevin_step(const NoisePredictor& noise, double t, double beta, double snr, Matrix* x,
                   core::Rng* rng) {
  Matrix eps;
  noise(t, *x, &eps, nullptr);
  const Matrix score = -eps / beta;
  Matrix z(x->rows(), x->cols());
  fill_normal(&z, rng);
  const double score_norm = score.colwise().norm().mean();
  if (!(score_norm > 0)) return;  // every sample at a mode: no gradient to follow
  const double ratio = snr * z.colwise().norm().mean() / score_norm;
  const double eta = 2.0 * ratio * ratio;
  *x += eta * score + std::sqrt(2.0 * eta) * z;
}

}  // namespace

bool SdeSamplerOptions::is_valid(std::string* error) const {
  if (steps < 1) *error = "SdeSamplerOptions::steps = " + std::to_string(steps) + " must be >= 1";
  else if (corrector_steps < 0)
    *error = "SdeSamplerOptions::corrector_steps = " + std::to_string(corrector_steps) + " must be >= 0";
  else if (!(snr > 0 && std::isfinite(snr)))
    *error = "SdeSamplerOptions::snr = " + std::to_string(snr) + " must be > 0";
  else return true;
  return false;
}

double sampling_time(const Schedule& schedule, double u, double* dt_du) {
  const bool warped = schedule.options().kind == flows::ScheduleKind::kVariancePreserving ||
                      schedule.options().kind == flows::ScheduleKind::kSubVariancePreserving;
  if (dt_du != nullptr) *dt_du = warped ? 2.0 * (1.0 - u) : 1.0;
  return warped ? 1.0 - (1.0 - u) * (1.0 - u) : u;
}

BatchVectorField probability_flow_field(const Schedule& schedule, NoisePredictor noise) {
  return [schedule, noise = std::move(noise)](double u, const Matrix& x, Matrix* v, RowVector* div) {
    double dt_du;
    const double t = sampling_time(schedule, u, &dt_du);
    const flows::PathCoefficients c = schedule.at(t);
    const Schedule::Sde sde = schedule.sde(t);
    // dx/dt = f x - g^2 / (2 β) ε̂, times dt/du.
    const double a = sde.drift * dt_du, k = sde.diffusion_sq / (2.0 * c.beta) * dt_du;
    noise(t, x, v, div);  // v = ε̂, div = div ε̂ for now
    *v = a * x - k * *v;
    if (div != nullptr) *div = (a * static_cast<double>(x.rows()) - k * div->array()).matrix();
  };
}

Matrix reverse_sde_sample(const Schedule& schedule, const NoisePredictor& noise, Matrix x,
                          const SdeSamplerOptions& options, core::Rng* rng) {
  core::check_valid(options, "reverse_sde_sample");
  core::check(schedule.options().is_sde(), "reverse_sde_sample: the schedule must be an SDE's (vp, subvp or ve)");
  Matrix eps, z(x.rows(), x.cols());
  for (int k = 0; k < options.steps; ++k) {
    const double t = sampling_time(schedule, static_cast<double>(k) / options.steps);
    const double dt = sampling_time(schedule, static_cast<double>(k + 1) / options.steps) - t;
    const flows::PathCoefficients c = schedule.at(t);
    for (int m = 0; m < options.corrector_steps; ++m)
      langevin_step(noise, t, c.beta, options.snr, &x, rng);
    const Schedule::Sde sde = schedule.sde(t);
    noise(t, x, &eps, nullptr);
    // Euler–Maruyama: x += [f x - g^2 / β ε̂] dt + g sqrt(dt) z; the last step adds no noise.
    x += (sde.drift * x - (sde.diffusion_sq / c.beta) * eps) * dt;
    if (k + 1 < options.steps) {
      fill_normal(&z, rng);
      x += std::sqrt(sde.diffusion_sq * dt) * z;
    }
  }
  return x;
}

}  // namespace sbi::diffusion
