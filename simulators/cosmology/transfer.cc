#include "simulators/cosmology/transfer.h"

#include <cmath>

#include "core/error.h"

namespace sbi::simulators::cosmology {

TransferForm parse_transfer_form(const std::string& name) {
  if (name == "eh_full") return TransferForm::kWithBaryons;
  if (name == "eh_no_wiggle") return TransferForm::kNoWiggle;
  throw core::Error("parse_transfer_form: unknown transfer function '" + name +
                    "' (expected eh_full or eh_no_wiggle)");
}

std::string transfer_form_name(TransferForm form) {
  return form == TransferForm::kWithBaryons ? "eh_full" : "eh_no_wiggle";
}

EisensteinHu::EisensteinHu(const Cosmology& c, TransferForm form) : form_(form) {
  core::check_valid(c, "EisensteinHu");
  h_ = c.h;
  const double theta = c.t_cmb / 2.7;  // Θ_2.7
  theta2_ = theta * theta;
  const double theta4 = theta2_ * theta2_;
  omhh_ = c.omega_m * c.h * c.h;
  const double obhh = c.omega_b * c.h * c.h;
  f_b_ = c.omega_b / c.omega_m;
  f_c_ = 1.0 - f_b_;

  // Eqs. 2-3: matter-radiation equality (z_eq_ holds 1 + z_eq) and its wavenumber [1/Mpc].
  z_eq_ = 2.50e4 * omhh_ / theta4;
  k_eq_ = 7.46e-2 * omhh_ / theta2_;
  // Eq. 4: the drag epoch.
  const double b1 = 0.313 * std::pow(omhh_, -0.419) * (1 + 0.607 * std::pow(omhh_, 0.674));
  const double b2 = 0.238 * std::pow(omhh_, 0.223);
  z_d_ = 1291 * std::pow(omhh_, 0.251) / (1 + 0.659 * std::pow(omhh_, 0.828)) *
         (1 + b1 * std::pow(obhh, b2));

  if (form == TransferForm::kNoWiggle) {
    // Eqs. 26 and 31.
    s_ = 44.5 * std::log(9.83 / omhh_) / std::sqrt(1 + 10 * std::pow(obhh, 0.75));
    alpha_gamma_ = 1 - 0.328 * std::log(431 * omhh_) * f_b_ +
                   0.38 * std::log(22.3 * omhh_) * f_b_ * f_b_;
    return;
  }

  // Eq. 5: baryon-to-photon momentum density ratio at the drag epoch and at equality.
  const double r_d = 31.5 * obhh / theta4 * (1000 / (1 + z_d_));
  const double r_eq = 31.5 * obhh / theta4 * (1000 / z_eq_);
  // Eq. 6: sound horizon at the drag epoch [Mpc].
  s_ = 2.0 / (3.0 * k_eq_) * std::sqrt(6.0 / r_eq) *
       std::log((std::sqrt(1 + r_d) + std::sqrt(r_d + r_eq)) / (1 + std::sqrt(r_eq)));
  // Eq. 7: Silk damping scale [1/Mpc].
  k_silk_ = 1.6 * std::pow(obhh, 0.52) * std::pow(omhh_, 0.73) * (1 + std::pow(10.4 * omhh_, -0.95));
  // Eqs. 11-12: CDM suppression and log shift.
  const double a1 = std::pow(46.9 * omhh_, 0.670) * (1 + std::pow(32.1 * omhh_, -0.532));
  const double a2 = std::pow(12.0 * omhh_, 0.424) * (1 + std::pow(45.0 * omhh_, -0.582));
  alpha_c_ = std::pow(a1, -f_b_) * std::pow(a2, -f_b_ * f_b_ * f_b_);
  const double bb1 = 0.944 / (1 + std::pow(458 * omhh_, -0.708));
  const double bb2 = std::pow(0.395 * omhh_, -0.0266);
  beta_c_ = 1.0 / (1 + bb1 * (std::pow(f_c_, bb2) - 1));
  // Eqs. 14-15 and 23-24: baryon amplitude, node shift and envelope.
  const double y = z_eq_ / (1 + z_d_);
  const double sq = std::sqrt(1 + y);
  const double g = y * (-6 * sq + (2 + 3 * y) * std::log((sq + 1) / (sq - 1)));
  alpha_b_ = 2.07 * k_eq_ * s_ * std::pow(1 + r_d, -0.75) * g;
  beta_node_ = 8.41 * std::pow(omhh_, 0.435);
  beta_b_ = 0.5 + f_b_ + (3 - 2 * f_b_) * std::sqrt(std::pow(17.2 * omhh_, 2) + 1);
}

double EisensteinHu::full(double k) const {
  // k in 1/Mpc. Eq. 10 and eqs. 19-20: T̃0(k, α_c, β_c).
  const double q = k / (13.41 * k_eq_);
  const double q2 = q * q;
  const double ks = k * s_;
  const double c_common = 386.0 / (1 + 69.9 * std::pow(q, 1.08));
  const double ln_beta = std::log(M_E + 1.8 * beta_c_ * q);
  const double t0_1_beta = ln_beta / (ln_beta + (14.2 + c_common) * q2);             // α_c = 1
  const double t0_alpha_beta = ln_beta / (ln_beta + (14.2 / alpha_c_ + c_common) * q2);
  // Eqs. 17-18.
  const double f = 1.0 / (1 + std::pow(ks / 5.4, 4));
  const double t_c = f * t0_1_beta + (1 - f) * t0_alpha_beta;
  // Eqs. 21-22: baryons.
  const double ln_1 = std::log(M_E + 1.8 * q);
  const double t0_11 = ln_1 / (ln_1 + (14.2 + c_common) * q2);
  const double ratio = beta_node_ / ks;
  const double ks_tilde = ks / std::cbrt(1 + ratio * ratio * ratio);
  const double j0 = (ks_tilde < 1e-4) ? 1 - ks_tilde * ks_tilde / 6 : std::sin(ks_tilde) / ks_tilde;
  const double bk = beta_b_ / ks;
  const double t_b = (t0_11 / (1 + (ks / 5.2) * (ks / 5.2)) +
                      alpha_b_ / (1 + bk * bk * bk) * std::exp(-std::pow(k / k_silk_, 1.4))) * j0;
  return f_b_ * t_b + f_c_ * t_c;  // eq. 16
}

double EisensteinHu::no_wiggle(double k) const {
  // k in 1/Mpc. Eqs. 30, 28, 29 (Γ_eff in units of h: q = k Θ² / (Ωm h² ...) with k in 1/Mpc).
  const double x = 0.43 * k * s_;
  const double gamma_eff = omhh_ * (alpha_gamma_ + (1 - alpha_gamma_) / (1 + x * x * x * x));
  const double q = k * theta2_ / gamma_eff;
  const double l0 = std::log(2 * M_E + 1.8 * q);
  const double c0 = 14.2 + 731.0 / (1 + 62.5 * q);
  return l0 / (l0 + c0 * q * q);
}

double EisensteinHu::unchecked(double k) const {
  const double k_mpc = k * h_;
  return form_ == TransferForm::kWithBaryons ? full(k_mpc) : no_wiggle(k_mpc);
}

double EisensteinHu::operator()(double k) const {
  if (!(k >= kMinWavenumber && k <= kMaxWavenumber)) {
    throw core::Error("EisensteinHu: k = " + std::to_string(k) +
                      " h/Mpc is outside the fitting formula's range [1e-05, 100] h/Mpc");
  }
  return unchecked(k);
}

}  // namespace sbi::simulators::cosmology
