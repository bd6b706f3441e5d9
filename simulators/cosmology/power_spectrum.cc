#include "simulators/cosmology/power_spectrum.h"

#include <cmath>

#include "core/error.h"
#include "simulators/cosmology/gauss_legendre.h"

namespace sbi::simulators::cosmology {

bool PowerSpectrumOptions::is_valid(std::string* error) const {
  if (panels_per_decade < 4 || panels_per_decade > 10000) {
    if (error)
      *error = "PowerSpectrumOptions::panels_per_decade = " + std::to_string(panels_per_decade) +
               " must be in [4, 10000]";
    return false;
  }
  std::string e;
  if (!growth.is_valid(&e)) {
    if (error) *error = "PowerSpectrumOptions::growth: " + e;
    return false;
  }
  return true;
}

double LinearPowerSpectrum::top_hat_window(double x) {
  if (std::abs(x) < 1e-2) {
    const double x2 = x * x;
    return 1 - x2 / 10 + x2 * x2 / 280;
  }
  return 3 * (std::sin(x) - x * std::cos(x)) / (x * x * x);
}

LinearPowerSpectrum::LinearPowerSpectrum(const Cosmology& cosmology,
                                         const PowerSpectrumOptions& options)
    : options_((core::check_valid(options, "LinearPowerSpectrum"), options)),
      cosmology_(cosmology),
      background_(cosmology),
      growth_(background_, options.growth),
      transfer_(cosmology, options.transfer) {
  amplitude_ = 1.0;
  const double s8 = sigma_r(8.0, 0.0);
  amplitude_ = cosmology.sigma8 * cosmology.sigma8 / (s8 * s8);
}

double LinearPowerSpectrum::unchecked(double k) const {
  const double t = transfer_.unchecked(k);
  return amplitude_ * std::pow(k, cosmology_.n_s) * t * t;
}

double LinearPowerSpectrum::operator()(double k, double z) const {
  if (!(k >= kMinWavenumber && k <= kMaxWavenumber)) {
    throw core::Error("LinearPowerSpectrum: k = " + std::to_string(k) +
                      " h/Mpc is outside the fitting formula's range [1e-05, 100] h/Mpc");
  }
  if (!(std::isfinite(z) && z >= 0))
    throw core::Error("LinearPowerSpectrum: z = " + std::to_string(z) + " must be finite and >= 0");
  const double d = growth_.normalised_at_z(z);
  return unchecked(k) * d * d;
}

double LinearPowerSpectrum::sigma_r(double radius, double z) const {
  core::check(std::isfinite(radius) && radius > 0,
              "LinearPowerSpectrum::sigma_r: radius = " + std::to_string(radius) +
                  " Mpc/h must be finite and > 0");
  core::check(std::isfinite(z) && z >= 0,
              "LinearPowerSpectrum::sigma_r: z = " + std::to_string(z) + " must be finite and >= 0");
  const double lo = std::log(kMinWavenumber), hi = std::log(kMaxWavenumber);
  const int panels = static_cast<int>(
      std::ceil(options_.panels_per_decade * (hi - lo) / std::log(10.0)));
  const double width = (hi - lo) / panels, half = 0.5 * width;
  double sum = 0;
  for (int p = 0; p < panels; ++p) {
    const double mid = lo + (p + 0.5) * width;
    for (int i = 0; i < gauss_legendre::kHalf8; ++i) {
      for (double sign : {-1.0, 1.0}) {
        const double k = std::exp(mid + sign * half * gauss_legendre::kX8[i]);
        const double w = top_hat_window(k * radius);
        sum += gauss_legendre::kW8[i] * half * k * k * k * unchecked(k) * w * w;
      }
    }
  }
  const double d = growth_.normalised_at_z(z);
  return std::sqrt(sum / (2 * M_PI * M_PI)) * d;
}

}  // namespace sbi::simulators::cosmology
