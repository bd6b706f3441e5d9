#include "simulators/cosmology/background.h"

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "simulators/cosmology/gauss_legendre.h"

namespace sbi::simulators::cosmology {

namespace {

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

}  // namespace

bool Cosmology::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "Cosmology::" + what;
    return false;
  };
  if (!(std::isfinite(omega_m) && omega_m > 0 && omega_m <= 1))
    return fail("omega_m = " + fmt(omega_m) + " must be in (0, 1]");
  if (!(std::isfinite(omega_b) && omega_b >= 0))
    return fail("omega_b = " + fmt(omega_b) + " must be finite and >= 0");
  if (!(omega_b < omega_m))
    return fail("omega_b = " + fmt(omega_b) + " must be < omega_m = " + fmt(omega_m) +
                " (no cold dark matter left)");
  if (!(std::isfinite(h) && h > 0 && h <= 2)) return fail("h = " + fmt(h) + " must be in (0, 2]");
  if (!std::isfinite(n_s)) return fail("n_s = " + fmt(n_s) + " must be finite");
  if (!(std::isfinite(sigma8) && sigma8 > 0))
    return fail("sigma8 = " + fmt(sigma8) + " must be finite and > 0");
  if (!(std::isfinite(w0) && w0 >= -3 && w0 <= -1.0 / 3.0))
    return fail("w0 = " + fmt(w0) + " must be in [-3, -1/3]");
  if (!(std::isfinite(t_cmb) && t_cmb > 0 && t_cmb <= 10))
    return fail("t_cmb = " + fmt(t_cmb) + " K must be in (0, 10]");
  return true;
}

bool BackgroundOptions::is_valid(std::string* error) const {
  if (!(std::isfinite(panel_width) && panel_width > 0)) {
    if (error) *error = "BackgroundOptions::panel_width = " + fmt(panel_width) + " must be > 0";
    return false;
  }
  return true;
}

Background::Background(const Cosmology& cosmology, const BackgroundOptions& options)
    : cosmology_(cosmology), options_(options) {
  core::check_valid(cosmology, "Background");
  core::check_valid(options, "Background");
}

double Background::e_of_a(double a) const {
  const double om = cosmology_.omega_m;
  const double w = cosmology_.w0;
  const double de = (w == -1.0) ? 1.0 : std::pow(a, -3.0 * (1.0 + w));
  return std::sqrt(om / (a * a * a) + (1.0 - om) * de);
}

double Background::e_of_z(double z) const { return e_of_a(1.0 / (1.0 + z)); }

double Background::dlne_dlna(double a) const {
  // E² = Ωm a^-3 + Ω_DE a^(-3(1+w)):  d ln E / d ln a = (1 / 2E²) dE²/d ln a.
  const double om = cosmology_.omega_m;
  const double w = cosmology_.w0;
  const double m = om / (a * a * a);
  const double de = (1.0 - om) * ((w == -1.0) ? 1.0 : std::pow(a, -3.0 * (1.0 + w)));
  return -1.5 * (m + (1.0 + w) * de) / (m + de);
}

double Background::omega_m_of_a(double a) const {
  const double e = e_of_a(a);
  return cosmology_.omega_m / (a * a * a * e * e);
}

double Background::comoving_distance(double z) const {
  if (!(std::isfinite(z) && z >= 0))
    throw core::Error("Background::comoving_distance: z = " + fmt(z) + " must be finite and >= 0");
  if (z == 0) return 0.0;
  const int panels = static_cast<int>(std::ceil(z / options_.panel_width));
  const double width = z / panels;
  double sum = 0;
  for (int p = 0; p < panels; ++p) {
    const double mid = (p + 0.5) * width, half = 0.5 * width;
    for (int i = 0; i < gauss_legendre::kHalf10; ++i)
      sum += gauss_legendre::kW10[i] * half * (1.0 / e_of_z(mid - half * gauss_legendre::kX10[i]) + 1.0 / e_of_z(mid + half * gauss_legendre::kX10[i]));
  }
  return kHubbleDistance * sum;
}

}  // namespace sbi::simulators::cosmology
