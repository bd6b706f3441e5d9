#include "simulators/cosmology/lognormal_field.h"

#include <cmath>

#include "core/error.h"

namespace sbi::simulators::cosmology {

GaussianField LognormalField::make_gaussian(const Grid& grid, const PowerFunction& power,
                                            double shift, FftPlanning planning,
                                            double* target_variance, double* clipped_fraction) {
  core::check_valid(grid, "LognormalField");
  core::check(std::isfinite(shift) && shift > 0,
              "LognormalField: shift = " + std::to_string(shift) + " must be finite and > 0");
  std::vector<double> p = mode_power(grid, power);
  const double volume = grid.volume(), cells = static_cast<double>(grid.cells());
  const RealFft fft(grid.dim, grid.n, planning);
  FftWorkspace work(grid.dim, grid.n);

  // ξ_x = (1/V) Σ_k P_k e^(ik·x): the inverse transform of P / V.
  double target = 0;
  for (std::size_t e = 0; e < p.size(); ++e) {
    work.modes()[e] = p[e] / volume;
    target += mode_multiplicity(grid, e) * p[e];
  }
  *target_variance = target / volume;
  fft.inverse(&work);
  const double lambda2 = shift * shift;
  double* xi = work.real();
  for (std::size_t x = 0; x < work.real_size(); ++x) {
    const double arg = 1 + xi[x] / lambda2;
    if (!(arg > 0))
      throw core::Error("LognormalField: the target correlation reaches xi = " + std::to_string(xi[x]) +
                        " <= -shift^2 = " + std::to_string(-lambda2) + " (no lognormal field has it)");
    xi[x] = std::log(arg);
  }
  // P_G,k = (V / N) Σ_x ξ_G,x e^(-ik·x); ξ_G is even, so the transform is real.
  fft.forward(&work);
  double clipped = 0, total = 0;
  for (std::size_t e = 0; e < p.size(); ++e) {
    const double pg = work.modes()[e].real() * volume / cells;
    const double w = mode_multiplicity(grid, e);
    total += w * std::abs(pg);
    if (pg < 0 || e == 0) {
      clipped += w * std::abs(pg);
      p[e] = 0;
    } else {
      p[e] = pg;
    }
  }
  *clipped_fraction = total > 0 ? clipped / total : 0.0;
  return GaussianField(grid, std::move(p), planning);
}

LognormalField::LognormalField(const Grid& grid, const PowerFunction& power, double shift,
                               FftPlanning planning)
    : shift_(shift),
      gaussian_(make_gaussian(grid, power, shift, planning, &target_variance_, &clipped_fraction_)) {
  const double s2 = gaussian_.variance();
  variance_ = shift_ * shift_ * std::expm1(s2);
  half_variance_ = 0.5 * s2;
}

void LognormalField::sample(core::Rng* rng, FftWorkspace* work, double* field) const {
  gaussian_.sample(rng, work, field);
  const std::size_t cells = grid().cells();
  for (std::size_t i = 0; i < cells; ++i)
    field[i] = shift_ * std::expm1(field[i] - half_variance_);
}

Eigen::VectorXd LognormalField::sample(core::Rng* rng) const {
  FftWorkspace work(grid().dim, grid().n);
  Eigen::VectorXd out(static_cast<Eigen::Index>(grid().cells()));
  sample(rng, &work, out.data());
  return out;
}

}  // namespace sbi::simulators::cosmology
