// The weak-lensing convergence power spectrum of a single source plane at redshift z_s, in the
// flat-sky Limber approximation (LoVerde & Afshordi 2008, k = (ℓ + 1/2) / χ):
//
//   C_ℓ = ∫_0^χs dχ q(χ)² / χ² P((ℓ + 1/2) / χ, z(χ)),
//   q(χ) = (3/2) Ωm (H0/c)² (χ / a(χ)) (χs - χ) / χs,        [q] = h/Mpc,
//
// with χ the comoving distance (background.h; flat, so the transverse distance is χ),
// H0/c = 1 / 2997.92458 h/Mpc, P in (Mpc/h)³: C_ℓ is dimensionless (per steradian).
// The integral runs over z with dχ = (c/H0) dz / E(z), by Gauss–Legendre panels. Where
// (ℓ + 1/2)/χ leaves [k_min, k_max] (only near the observer, χ < (ℓ + 1/2) / k_max) the
// integrand is set to 0. For the linear spectrum (P ∝ k^-3 up to logarithms at high k) the
// integrand grows as χ³ (χs - χ)² near the observer, so the part left out is about
// 15 (χ_min / χs)⁴ of C_ℓ: 5e-5 at ℓ = 1e4 for z_s = 1 and k_max = 100 h/Mpc (tested).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "simulators/cosmology/background.h"
#include "simulators/cosmology/power_spectrum.h"

namespace sbi::simulators::cosmology {

// P(k, z) [(Mpc/h)³] at k [h/Mpc], redshift z.
using PowerFunction3d = std::function<double(double k, double z)>;

struct LimberOptions {
  int panels = 48;                  // Gauss–Legendre panels in z over [0, z_s] (8 nodes each),
                                    // in [1, 100000]
  double k_min = kMinWavenumber;    // integrand range in k [h/Mpc], 0 <= k_min < k_max
  double k_max = kMaxWavenumber;

  bool is_valid(std::string* error) const;
};

// Immutable after construction; operator() is const and thread-safe if the power function is.
class ConvergenceSpectrum {
 public:
  // Any P(k, z) (copied). source_redshift z_s in (0, 20]. Throws core::Error on bad input.
  ConvergenceSpectrum(const Background& background, PowerFunction3d power, double source_redshift,
                      const LimberOptions& options = {});
  // The linear spectrum (borrowed: it must outlive this object).
  ConvergenceSpectrum(const LinearPowerSpectrum& linear, double source_redshift,
                      const LimberOptions& options = {});

  double source_redshift() const { return z_s_; }
  double source_distance() const { return chi_s_; }  // χs [Mpc/h]
  // C_ℓ at multipole ℓ >= 1 (real-valued ℓ allowed).
  double operator()(double ell) const;
  // q(χ) [h/Mpc] for 0 <= χ <= χs at redshift z(χ) (both given: χ = χ(z)).
  double lensing_kernel(double chi, double z) const;
  // The convergence of an empty beam (δ = -1 all along): -∫ q dχ; the minimum convergence,
  // used as the shift of lognormal convergence maps.
  double empty_beam_convergence() const { return kappa_empty_; }

 private:
  void setup(const Background& background);

  PowerFunction3d power_;
  double z_s_, chi_s_ = 0;
  LimberOptions options_;
  std::vector<double> z_, chi_, weight_;  // nodes: z, χ, dχ-weight × q² / χ²
  double kappa_empty_ = 0;
  double prefactor_ = 0;  // (3/2) Ωm (H0/c)²
};

}  // namespace sbi::simulators::cosmology
