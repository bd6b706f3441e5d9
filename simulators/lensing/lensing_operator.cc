#include "simulators/lensing/lensing_operator.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "core/memory_budget.h"

namespace sbi::simulators::lensing {

Eigen::SparseMatrix<double> lensing_operator(const RayGrid& grid, const LensModel& lens,
                                             const SourceGrid& source) {
  core::check_valid(source, "lensing_operator");
  const int per_pixel = grid.rays_per_pixel();
  const double inv = 1.0 / per_pixel;
  std::vector<double> x(per_pixel), y(per_pixel), bx(per_pixel), by(per_pixel);
  // Up to four triplets (16 bytes) and stored entries (12) per ray.
  core::check_memory(4 * 28.0 * grid.num_rays(), "lensing_operator: the sparse operator of " +
                                                     std::to_string(grid.num_rays()) + " rays");
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(static_cast<std::size_t>(grid.num_pixels()) * per_pixel * 4);
  int index[4];
  double weight[4];
  for (int p = 0; p < grid.num_pixels(); ++p) {
    grid.rays(p, 1, x.data(), y.data());
    lens.shoot(per_pixel, x.data(), y.data(), bx.data(), by.data());
    for (int k = 0; k < per_pixel; ++k) {
      const int count = source.bilinear(bx[k], by[k], index, weight);
      for (int t = 0; t < count; ++t) entries.emplace_back(p, index[t], weight[t] * inv);
    }
  }
  Eigen::SparseMatrix<double> b(grid.num_pixels(), source.size());
  b.setFromTriplets(entries.begin(), entries.end());  // sums the duplicates
  return b;
}

}  // namespace sbi::simulators::lensing
