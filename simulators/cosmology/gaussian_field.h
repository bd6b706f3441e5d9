// Gaussian random fields on periodic grids: n^d cells (d = 2 or 3) in a box of side L, with
// a prescribed isotropic power spectrum P(k).
//
// Conventions (stated once for the library; field_summaries.h measures with the same ones).
// Continuum: δ(k) = ∫ d^dx δ(x) e^(-ik·x), <δ(k) δ*(k')> = (2π)^d δ_D(k - k') P(k), so that
// in a box of volume V = L^d, <|δ(k)|²> = V P(k). On the grid, with N = n^d cells, cell
// volume V / N and the unnormalised FFT δ̃_k = Σ_x δ_x e^(-ik·x) (fft.h):
//
//   δ(k) ≈ (V / N) δ̃_k,      <|δ̃_k|²> = (N² / V) P(k),      P̂(k) = (V / N²) |δ̃_k|²,
//
// for the modes k = (2π / L) (i, j[, l]), i, j, l in (-n/2, n/2]; the k = 0 mode is set to
// zero (the box mean is exactly 0). The one-point variance of the grid field is then
// σ² = (1 / V) Σ_{k≠0} P(|k|) over all n^d modes. Units: L in the length unit of P's k
// (Mpc/h with k in h/Mpc and P in (Mpc/h)³; radians with k = ℓ and P = C_ℓ for flat-sky maps).
//
// Sampling: white noise w_x ~ N(0, 1) is drawn in real space, cell by cell in row-major order
// from the caller's core::Rng (core::fill_standard_normal, core/normal_fill.h: a ziggurat on the Rng's raw
// output, so a realisation is bitwise reproducible from the Rng alone),
// transformed (r2c), multiplied by sqrt(P(|k|) / (V N)) and transformed back (c2r): then
// <|w̃_k|²> = N and δ̃_k = w̃_k sqrt(N P / V), as required. Hermitian symmetry holds by
// construction (the noise is real).
#pragma once

#include <Eigen/Core>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "simulators/cosmology/fft.h"

namespace sbi::simulators::cosmology {

// A periodic grid.
struct Grid {
  int dim = 2;         // 2 or 3
  int n = 64;          // cells per side, even, in [4, 65536]
  double side = 100;   // L, box side [length unit of the power spectrum, e.g. Mpc/h], > 0

  bool is_valid(std::string* error) const;
  std::size_t cells() const;                           // N = n^d
  double volume() const;                               // V = L^d
  double fundamental() const { return 2 * M_PI / side; }  // k_f = 2π / L
};

// P(k) [length^d] at |k| [1/length] > 0.
using PowerFunction = std::function<double(double k)>;

// |k|² in units of k_f² for every entry of the half-complex layout (fft.h): i² + j² [+ l²]
// with signed frequencies.
std::vector<int> mode_index_squared(const Grid& grid);
// How many of the n^d full-grid modes an entry of the half-complex layout stands for: 1 for
// the last index 0 or n/2 (self-conjugate planes), else 2 (k and -k).
int mode_multiplicity(const Grid& grid, std::size_t entry);
// P(|k|) at every entry of the half-complex layout, 0 at k = 0. P is called once per distinct
// |k| (at most d (n/2)² + 1 calls). Throws core::Error if P returns a negative or non-finite
// value (naming the k).
std::vector<double> mode_power(const Grid& grid, const PowerFunction& power);

// Immutable after construction; sample() is const and thread-safe (each thread its own Rng
// and FftWorkspace).
class GaussianField {
 public:
  // Power P(|k|) given as a function. Throws core::Error on an invalid grid or P.
  GaussianField(const Grid& grid, const PowerFunction& power,
                FftPlanning planning = FftPlanning::kEstimate);
  // Power given per entry of the half-complex layout (mode_power's layout; the k = 0 entry
  // is ignored), each >= 0.
  GaussianField(const Grid& grid, std::vector<double> mode_power,
                FftPlanning planning = FftPlanning::kEstimate);

  const Grid& grid() const { return grid_; }
  // The expected one-point variance σ² = Σ_{k≠0} P / V of the grid field.
  double variance() const { return variance_; }
  const std::vector<double>& mode_power() const { return power_; }

  // One realisation into field[0 .. N) (row-major), drawing N normals from *rng; *work is
  // resized on first use and reused afterwards (no allocation then).
  void sample(core::Rng* rng, FftWorkspace* work, double* field) const;
  // Convenience: allocates the workspace and the result.
  Eigen::VectorXd sample(core::Rng* rng) const;

 private:
  Grid grid_;
  RealFft fft_;
  std::vector<double> power_;      // P per half-complex entry
  std::vector<double> amplitude_;  // sqrt(P / (V N)) per half-complex entry, 0 at k = 0
  double variance_ = 0;
};

}  // namespace sbi::simulators::cosmology
