#include "simulators/cosmology/convergence.h"

#include <cmath>

#include "core/error.h"
#include "simulators/cosmology/gauss_legendre.h"

namespace sbi::simulators::cosmology {

bool LimberOptions::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "LimberOptions::" + what;
    return false;
  };
  if (panels < 1 || panels > 100000)
    return fail("panels = " + std::to_string(panels) + " must be in [1, 100000]");
  if (!(k_min >= 0 && k_max > k_min && std::isfinite(k_max)))
    return fail("k_min = " + std::to_string(k_min) + ", k_max = " + std::to_string(k_max) +
                " must satisfy 0 <= k_min < k_max < inf");
  return true;
}

ConvergenceSpectrum::ConvergenceSpectrum(const Background& background, PowerFunction3d power,
                                         double source_redshift, const LimberOptions& options)
    : power_(std::move(power)), z_s_(source_redshift), options_(options) {
  setup(background);
}

ConvergenceSpectrum::ConvergenceSpectrum(const LinearPowerSpectrum& linear, double source_redshift,
                                         const LimberOptions& options)
    : power_([&linear](double k, double z) {
        const double d = linear.growth().normalised_at_z(z);
        return linear.unchecked(k) * d * d;
      }),
      z_s_(source_redshift),
      options_(options) {
  // The linear spectrum refuses k outside the fitting range: the integrand's range must lie
  // inside it.
  core::check(options.k_min >= kMinWavenumber && options.k_max <= kMaxWavenumber,
              "ConvergenceSpectrum: LimberOptions k range must lie inside [1e-05, 100] h/Mpc "
              "for the linear power spectrum");
  setup(linear.background());
}

double ConvergenceSpectrum::lensing_kernel(double chi, double z) const {
  return prefactor_ * chi * (1 + z) * (chi_s_ - chi) / chi_s_;
}

void ConvergenceSpectrum::setup(const Background& background) {
  core::check_valid(options_, "ConvergenceSpectrum");
  core::check(std::isfinite(z_s_) && z_s_ > 0 && z_s_ <= 20,
              "ConvergenceSpectrum: source_redshift = " + std::to_string(z_s_) +
                  " must be in (0, 20]");
  core::check(static_cast<bool>(power_), "ConvergenceSpectrum: the power function is empty");
  const double om = background.cosmology().omega_m;
  prefactor_ = 1.5 * om / (kHubbleDistance * kHubbleDistance);
  chi_s_ = background.comoving_distance(z_s_);
  const int panels = options_.panels;
  const double width = z_s_ / panels, half = 0.5 * width;
  z_.reserve(8 * panels);
  double empty = 0;
  for (int p = 0; p < panels; ++p) {
    const double mid = (p + 0.5) * width;
    for (int i = 0; i < gauss_legendre::kHalf8; ++i) {
      for (double sign : {-1.0, 1.0}) {
        const double z = mid + sign * half * gauss_legendre::kX8[i];
        const double chi = background.comoving_distance(z);
        const double dchi = gauss_legendre::kW8[i] * half * kHubbleDistance / background.e_of_z(z);
        const double q = lensing_kernel(chi, z);
        z_.push_back(z);
        chi_.push_back(chi);
        weight_.push_back(dchi * q * q / (chi * chi));
        empty += dchi * q;
      }
    }
  }
  kappa_empty_ = -empty;
}

double ConvergenceSpectrum::operator()(double ell) const {
  if (!(std::isfinite(ell) && ell >= 1))
    throw core::Error("ConvergenceSpectrum: ell = " + std::to_string(ell) + " must be finite and >= 1");
  const double l = ell + 0.5;
  double sum = 0;
  for (std::size_t i = 0; i < z_.size(); ++i) {
    const double k = l / chi_[i];
    if (k < options_.k_min || k > options_.k_max) continue;
    sum += weight_[i] * power_(k, z_[i]);
  }
  return sum;
}

}  // namespace sbi::simulators::cosmology
