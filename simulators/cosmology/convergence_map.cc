#include "simulators/cosmology/convergence_map.h"

#include <cmath>

#include "core/error.h"
#include "core/normal_fill.h"

namespace sbi::simulators::cosmology {

bool ConvergenceMapOptions::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "ConvergenceMapOptions::" + what;
    return false;
  };
  if (pixels < 4 || pixels > 8192 || pixels % 2 != 0)
    return fail("pixels = " + std::to_string(pixels) + " must be even and in [4, 8192]");
  if (!(std::isfinite(side_deg) && side_deg > 0 && side_deg <= 20))
    return fail("side_deg = " + std::to_string(side_deg) + " must be in (0, 20] (flat sky)");
  if (!(std::isfinite(source_redshift) && source_redshift > 0 && source_redshift <= 20))
    return fail("source_redshift = " + std::to_string(source_redshift) + " must be in (0, 20]");
  if (!(std::isfinite(lognormal_shift) && lognormal_shift >= 0))
    return fail("lognormal_shift = " + std::to_string(lognormal_shift) + " must be finite and >= 0");
  if (!(std::isfinite(shape_noise) && shape_noise >= 0))
    return fail("shape_noise = " + std::to_string(shape_noise) + " must be finite and >= 0");
  if (!(std::isfinite(galaxy_density) && galaxy_density > 0))
    return fail("galaxy_density = " + std::to_string(galaxy_density) +
                " arcmin^-2 must be finite and > 0");
  if (ell_points_per_decade < 10 || ell_points_per_decade > 1000)
    return fail("ell_points_per_decade = " + std::to_string(ell_points_per_decade) +
                " must be in [10, 1000]");
  std::string e;
  if (!power.is_valid(&e)) return fail("power: " + e);
  if (!limber.is_valid(&e)) return fail("limber: " + e);
  return true;
}

ConvergenceMapSimulator::ConvergenceMapSimulator(const Cosmology& cosmology,
                                                 const ConvergenceMapOptions& options)
    : options_(options) {
  core::check_valid(options, "ConvergenceMapSimulator");
  core::check_valid(cosmology, "ConvergenceMapSimulator");
  grid_.dim = 2;
  grid_.n = options.pixels;
  grid_.side = options.side_deg * M_PI / 180.0;
  linear_ = std::make_unique<LinearPowerSpectrum>(cosmology, options.power);
  spectrum_ = std::make_unique<ConvergenceSpectrum>(*linear_, options.source_redshift, options.limber);

  // C_ℓ table over the map's multipoles (a little beyond, so no mode extrapolates).
  const double ell_min = std::max(1.0, 0.9 * grid_.fundamental());
  const double ell_max = 1.1 * std::sqrt(2.0) * grid_.fundamental() * (grid_.n / 2);
  const double lo = std::log(ell_min), hi = std::log(ell_max);
  const int points = std::max(
      8, static_cast<int>(std::ceil(options.ell_points_per_decade * (hi - lo) / std::log(10.0))) + 1);
  const double h = (hi - lo) / (points - 1);
  std::vector<double> log_cl(points);
  for (int i = 0; i < points; ++i) {
    const double c = (*spectrum_)(std::exp(lo + i * h));
    if (!(c > 0))
      throw core::Error("ConvergenceMapSimulator: C_ell vanishes at ell = " + std::to_string(std::exp(lo + i * h)));
    log_cl[i] = std::log(c);
  }
  log_cl_ = UniformCubicSpline(lo, h, std::move(log_cl));

  const double pixel_arcmin = options.side_deg * 60.0 / options.pixels;
  noise_sigma_ = options.shape_noise / std::sqrt(options.galaxy_density * pixel_arcmin * pixel_arcmin);

  const PowerFunction power = [this](double ell) { return cl(ell); };
  if (options.field == FieldKind::kGaussian) {
    gaussian_ = std::make_unique<GaussianField>(grid_, power, options.planning);
  } else {
    shift_ = options.lognormal_shift > 0 ? options.lognormal_shift
                                         : std::abs(spectrum_->empty_beam_convergence());
    lognormal_ = std::make_unique<LognormalField>(grid_, power, shift_, options.planning);
  }
}

double ConvergenceMapSimulator::cl(double ell) const { return std::exp(log_cl_(std::log(ell))); }

double ConvergenceMapSimulator::signal_variance() const {
  return gaussian_ ? gaussian_->variance() : lognormal_->variance();
}

void ConvergenceMapSimulator::sample(core::Rng* rng, FftWorkspace* work, double* map) const {
  if (gaussian_) {
    gaussian_->sample(rng, work, map);
  } else {
    lognormal_->sample(rng, work, map);
  }
  if (noise_sigma_ > 0) {
    // The workspace's real array is free once the field is in `map`: the noise goes there.
    const std::size_t cells = grid_.cells();
    double* noise = work->real();
    core::fill_standard_normal(rng, noise, cells);
    for (std::size_t i = 0; i < cells; ++i) map[i] += noise_sigma_ * noise[i];
  }
}

Eigen::VectorXd ConvergenceMapSimulator::sample(core::Rng* rng) const {
  FftWorkspace work(grid_.dim, grid_.n);
  Eigen::VectorXd out(static_cast<Eigen::Index>(grid_.cells()));
  sample(rng, &work, out.data());
  return out;
}

}  // namespace sbi::simulators::cosmology
