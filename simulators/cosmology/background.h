// The expansion history of a flat w0CDM universe without radiation:
//
//   E(z) = H(z) / H0 = sqrt(Ωm (1+z)³ + (1 - Ωm) (1+z)^(3(1+w0))),
//
// and the comoving distance χ(z) = (c / H0) ∫_0^z dz' / E(z'), with c / H0 = 2997.92458 Mpc/h.
// Distances are in Mpc/h throughout the cosmology library (wavenumbers in h/Mpc, power spectra
// in (Mpc/h)³). Radiation is left out of the expansion (it changes E(z) by < 0.1% below
// z = 10 for Ωm = 0.3); T_cmb enters only the transfer function.
#pragma once

#include <string>

namespace sbi::simulators::cosmology {

// c / H0 in Mpc/h (the Hubble distance for H0 = 100 h km/s/Mpc).
constexpr double kHubbleDistance = 2997.92458;

// The cosmological parameters. Defaults: a Planck-like flat ΛCDM model.
struct Cosmology {
  double omega_m = 0.3;    // Ωm: total matter (CDM + baryons) today, in (0, 1]
  double omega_b = 0.05;   // Ωb: baryons today, in [0, Ωm)  (Ωb = Ωm would leave no CDM)
  double h = 0.7;          // H0 / (100 km/s/Mpc), in (0, 2]
  double n_s = 0.96;       // primordial spectral index, finite
  double sigma8 = 0.8;     // rms linear density contrast in spheres of 8 Mpc/h today, > 0
  double w0 = -1.0;        // dark-energy equation of state (constant), in [-3, -1/3]:
                           // dark energy must be negligible at early times (growth starts as
                           // D = a) and the formula fits calibrate no wilder models
  double t_cmb = 2.725;    // CMB temperature today [K], in (0, 10]

  // False (and *error names the parameter, its value and the rule) when a parameter is out of
  // range or not finite.
  bool is_valid(std::string* error) const;
};

// Options of the distance integral.
struct BackgroundOptions {
  double panel_width = 0.25;  // χ(z): Gauss–Legendre panels of this width in z (10 nodes each;
                              // relative error < 1e-12 for the defaults), > 0

  bool is_valid(std::string* error) const;
};

// Immutable and cheap; all queries are const and thread-safe.
class Background {
 public:
  // Throws core::Error (naming the parameter) on an invalid cosmology or options.
  explicit Background(const Cosmology& cosmology, const BackgroundOptions& options = {});

  const Cosmology& cosmology() const { return cosmology_; }

  double e_of_z(double z) const;  // E(z) = H(z) / H0, z > -1
  double e_of_a(double a) const;  // E at scale factor a = 1 / (1 + z), a > 0
  // d ln E / d ln a.
  double dlne_dlna(double a) const;
  // Ωm(a) = Ωm a^-3 / E(a)².
  double omega_m_of_a(double a) const;
  // Comoving distance χ(z) [Mpc/h], z >= 0 (throws otherwise).
  double comoving_distance(double z) const;

 private:
  Cosmology cosmology_;
  BackgroundOptions options_;
};

}  // namespace sbi::simulators::cosmology
