// Lognormal random fields on periodic grids (Coles & Jones 1991), with a shift λ:
//
//   δ(x) = λ (exp(G(x) - σ_G² / 2) - 1),      δ >= -λ,   <δ> = 0,
//
// G a zero-mean Gaussian field of variance σ_G² (gaussian_field.h, same grid and Fourier
// conventions). λ = 1 is the density contrast (δ >= -1); for weak-lensing convergence λ is
// the minimum convergence (convergence_map.h).
//
// Construction: correlation matching on the grid, ξ_G = ln(1 + ξ / λ²). The target P(k) is
// transformed to the grid correlation ξ_x = (1 / V) Σ_k P_k e^(ik·x) (inverse FFT), mapped
// to ξ_G, transformed back, P_G,k = (V / N) Σ_x ξ_G,x e^(-ik·x), and negative P_G,k (and the
// k = 0 mode) are set to 0, the power removed being reported by clipped_fraction(). Without
// clipping the field's grid correlation is exactly ξ, so its variance is
// ξ_0 = Σ_{k≠0} P / V (target_variance()) and its spectrum is P. The k = 0 mode of ξ_G is
// Σ_x ln(1 + ξ_x / λ²) < Σ_x ξ_x / λ² = 0 and is always removed: G's variance then exceeds
// ξ_G,0 by -P_G,0 / V (relative size ~ σ² × correlation volume / box volume). The mean stays
// exactly 0 in expectation because σ_G² in the exponent is G's actual variance; the field's
// variance is variance() = λ² (exp(σ_G²) - 1), equal to target_variance() up to that
// integral-constraint term and the clipping.
#pragma once

#include <Eigen/Core>

#include "simulators/cosmology/gaussian_field.h"

namespace sbi::simulators::cosmology {

// Immutable after construction; sample() is const and thread-safe.
class LognormalField {
 public:
  // Throws core::Error on an invalid grid, shift <= 0, or a target correlation with
  // 1 + ξ / λ² <= 0 somewhere (no lognormal field has it).
  LognormalField(const Grid& grid, const PowerFunction& power, double shift = 1.0,
                 FftPlanning planning = FftPlanning::kEstimate);

  const Grid& grid() const { return gaussian_.grid(); }
  double shift() const { return shift_; }
  double target_variance() const { return target_variance_; }  // ξ_0 of the input P
  double variance() const { return variance_; }                // λ² (exp(σ_G²) - 1)
  double gaussian_variance() const { return gaussian_.variance(); }  // σ_G²
  // Power removed by clipping P_G < 0 (k = 0 included), over Σ |P_G|, full-grid weights.
  double clipped_fraction() const { return clipped_fraction_; }

  // One realisation into field[0 .. N) (row-major), drawing N normals from *rng.
  void sample(core::Rng* rng, FftWorkspace* work, double* field) const;
  Eigen::VectorXd sample(core::Rng* rng) const;

 private:
  static GaussianField make_gaussian(const Grid& grid, const PowerFunction& power, double shift,
                                     FftPlanning planning, double* target_variance,
                                     double* clipped_fraction);
  double shift_;
  double target_variance_ = 0, clipped_fraction_ = 0;
  GaussianField gaussian_;
  double variance_ = 0, half_variance_ = 0;
};

}  // namespace sbi::simulators::cosmology
