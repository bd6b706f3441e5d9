// The linear matter power spectrum
//
//   P(k, z) = A k^n_s T(k)² D(z)²,      k in h/Mpc, P in (Mpc/h)³,
//
// with T the Eisenstein & Hu transfer function (transfer.h), D(z) the growth factor normalised
// to D(0) = 1 (growth.h), and A fixed so that the top-hat variance at R = 8 Mpc/h today equals
// σ8²:
//
//   σ²(R) = (1 / 2π²) ∫ k³ P(k) W²(kR) d ln k,     W(x) = 3 (sin x - x cos x) / x³,
//
// integrated over [kMinWavenumber, kMaxWavenumber] = [1e-5, 100] h/Mpc by Gauss–Legendre
// panels in ln k (the parts outside add < 1e-10 relative to σ8² for n_s < 1.5). Wavenumbers
// outside that range are refused (transfer.h says why).
#pragma once

#include <string>

#include "simulators/cosmology/background.h"
#include "simulators/cosmology/growth.h"
#include "simulators/cosmology/transfer.h"

namespace sbi::simulators::cosmology {

struct PowerSpectrumOptions {
  TransferForm transfer = TransferForm::kWithBaryons;  // Eisenstein & Hu form
  int panels_per_decade = 40;  // σ(R): Gauss–Legendre panels per decade of k (8 nodes each;
                               // relative error < 1e-9 for R = 8 Mpc/h), in [4, 10000]
  GrowthOptions growth;        // accuracy of the growth factor

  bool is_valid(std::string* error) const;
};

// Immutable after construction; all queries are const and thread-safe.
class LinearPowerSpectrum {
 public:
  // Normalises to cosmology.sigma8. Throws core::Error on invalid input.
  explicit LinearPowerSpectrum(const Cosmology& cosmology, const PowerSpectrumOptions& options = {});

  const Background& background() const { return background_; }
  const Growth& growth() const { return growth_; }
  const EisensteinHu& transfer() const { return transfer_; }
  double amplitude() const { return amplitude_; }  // A [(Mpc/h)^(3 + n_s)]

  // P(k, z) [(Mpc/h)³], k [h/Mpc] in [1e-5, 100], z >= 0; throws core::Error outside.
  double operator()(double k, double z = 0) const;
  // P(k, 0) for k already known to lie in range.
  double unchecked(double k) const;
  // σ(R) [dimensionless] of the linear field at redshift z, top-hat radius R [Mpc/h] > 0.
  double sigma_r(double radius, double z = 0) const;

  // W(x) = 3 (sin x - x cos x) / x³ (series below x = 1e-2).
  static double top_hat_window(double x);

 private:
  PowerSpectrumOptions options_;
  Cosmology cosmology_;
  Background background_;
  Growth growth_;
  EisensteinHu transfer_;
  double amplitude_ = 1.0;
};

}  // namespace sbi::simulators::cosmology
