// The Eisenstein & Hu (1998, ApJ 496, 605; "EH98") fitting formulae for the matter transfer
// function T(k) of CDM + baryons, with k in h/Mpc:
//
//  - kWithBaryons: the full form with baryon acoustic oscillations (EH98 Sec. 3, eqs. 2-24):
//    T = (Ωb/Ωm) T_b + (Ωc/Ωm) T_c;
//  - kNoWiggle: the zero-baryon shape with the baryon suppression but no oscillations
//    (EH98 Sec. 4.2, eqs. 26-31).
//
// Where the paper leaves a choice open we follow the authors' own code (tf_fit.c): the value
// of eq. 2 is 1 + z_eq (it enters R_eq = 31.5 ω_b Θ^-4 (10³ / (1 + z_eq)) and
// y = (1 + z_eq) / (1 + z_d)), and R_d is evaluated at 1 + z_d. The constant e in eqs. 19
// and 29 is Euler's number exactly (tf_fit.c rounds it to 2.718282).
//
// Validity: the fits were calibrated against CMBfast over 0.025 <= Ωm h² <= 0.25,
// Ωb/Ωm <= 0.5 and k up to a few tens of h/Mpc. The library refuses wavenumbers outside
// [kMinWavenumber, kMaxWavenumber] = [1e-5, 100] h/Mpc: below, the formula is exactly 1 to
// < 1e-6 and a request there is a unit mistake (k in 1/Mpc vs h/Mpc, or a box of > 10⁵ Gpc);
// above, baryonic and non-linear physics dominate and the linear fit has no meaning.
#pragma once

#include <string>

#include "simulators/cosmology/background.h"

namespace sbi::simulators::cosmology {

constexpr double kMinWavenumber = 1e-5;  // h/Mpc
constexpr double kMaxWavenumber = 100;   // h/Mpc

enum class TransferForm { kWithBaryons, kNoWiggle };

// Parses "eh_full" / "eh_no_wiggle"; throws core::Error naming the accepted values.
TransferForm parse_transfer_form(const std::string& name);
std::string transfer_form_name(TransferForm form);

// Immutable: the k-independent quantities are computed once.
class EisensteinHu {
 public:
  // Throws core::Error on an invalid cosmology.
  EisensteinHu(const Cosmology& cosmology, TransferForm form);

  TransferForm form() const { return form_; }
  // T(k), k [h/Mpc] in [kMinWavenumber, kMaxWavenumber]; throws core::Error outside.
  double operator()(double k) const;
  // The same without the range check (callers that have checked their k range).
  double unchecked(double k) const;

  // Derived scales (EH98 eqs. 2-7, 26) for inspection and tests.
  double sound_horizon() const { return s_; }  // s [Mpc] (eq. 6 full, eq. 26 no-wiggle)
  double k_equality() const { return k_eq_; }  // k_eq [1/Mpc] (eq. 3)
  double z_drag() const { return z_d_; }       // z_d (eq. 4)

 private:
  double full(double k_mpc) const;
  double no_wiggle(double k_mpc) const;

  TransferForm form_;
  double h_ = 0, theta2_ = 0, f_b_ = 0, f_c_ = 0, omhh_ = 0;
  double z_eq_ = 0, k_eq_ = 0, z_d_ = 0, s_ = 0, k_silk_ = 0;
  double alpha_c_ = 0, beta_c_ = 0, alpha_b_ = 0, beta_b_ = 0, beta_node_ = 0;
  double alpha_gamma_ = 0;  // no-wiggle (eq. 31)
};

}  // namespace sbi::simulators::cosmology
