#include "simulators/cosmology/gaussian_field.h"

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "core/memory_budget.h"
#include "core/normal_fill.h"

namespace sbi::simulators::cosmology {

bool Grid::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "Grid::" + what;
    return false;
  };
  if (dim != 2 && dim != 3) return fail("dim = " + std::to_string(dim) + " must be 2 or 3");
  if (n < 4 || n > 65536 || n % 2 != 0)
    return fail("n = " + std::to_string(n) + " must be even and in [4, 65536]");
  if (!(std::isfinite(side) && side > 0))
    return fail("side = " + std::to_string(side) + " must be finite and > 0");
  return true;
}

std::size_t Grid::cells() const {
  std::size_t c = 1;
  for (int i = 0; i < dim; ++i) c *= static_cast<std::size_t>(n);
  return c;
}

double Grid::volume() const { return std::pow(side, dim); }

namespace {

// A field of N cells holds about 40 N bytes: the workspace (8 N real + 8 N complex), the power
// and amplitude tables (8 N), and the transient |k|² indices (2 N) and power table (4 N).
void check_grid(const Grid& grid, const std::string& context) {
  core::check_valid(grid, context);
  core::check_memory(40.0 * std::pow(static_cast<double>(grid.n), grid.dim),
                     context + ": a " + std::to_string(grid.n) + "^" + std::to_string(grid.dim) +
                         " grid");
}

const Grid& checked(const Grid& grid, const char* context) {
  check_grid(grid, context);
  return grid;
}

}  // namespace

std::vector<int> mode_index_squared(const Grid& grid) {
  check_grid(grid, "mode_index_squared");
  const int n = grid.n, nh = n / 2 + 1;
  auto freq2 = [n](int i) {
    const int f = i <= n / 2 ? i : i - n;
    return f * f;
  };
  std::vector<int> out;
  out.reserve(static_cast<std::size_t>(grid.cells() / n) * nh);
  if (grid.dim == 2) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < nh; ++j) out.push_back(freq2(i) + j * j);
  } else {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        for (int l = 0; l < nh; ++l) out.push_back(freq2(i) + freq2(j) + l * l);
  }
  return out;
}

int mode_multiplicity(const Grid& grid, std::size_t entry) {
  const int nh = grid.n / 2 + 1;
  const int last = static_cast<int>(entry % nh);
  return (last == 0 || last == grid.n / 2) ? 1 : 2;
}

std::vector<double> mode_power(const Grid& grid, const PowerFunction& power) {
  const std::vector<int> m2 = mode_index_squared(grid);
  const int max_m2 = grid.dim * (grid.n / 2) * (grid.n / 2);
  std::vector<char> present(max_m2 + 1, 0);
  for (int v : m2) present[v] = 1;
  std::vector<double> by_m2(max_m2 + 1, 0.0);
  const double kf = grid.fundamental();
  for (int v = 1; v <= max_m2; ++v) {
    if (!present[v]) continue;
    const double k = kf * std::sqrt(static_cast<double>(v));
    const double p = power(k);
    if (!(std::isfinite(p) && p >= 0)) {
      std::ostringstream s;
      s << "mode_power: P(k = " << k << ") = " << p << " must be finite and >= 0";
      throw core::Error(s.str());
    }
    by_m2[v] = p;
  }
  std::vector<double> out(m2.size());
  for (std::size_t e = 0; e < m2.size(); ++e) out[e] = by_m2[m2[e]];
  return out;
}

GaussianField::GaussianField(const Grid& grid, const PowerFunction& power, FftPlanning planning)
    : GaussianField(grid, cosmology::mode_power(checked(grid, "GaussianField"), power), planning) {}

GaussianField::GaussianField(const Grid& grid, std::vector<double> power, FftPlanning planning)
    : grid_(checked(grid, "GaussianField")),
      fft_(grid.dim, grid.n, planning),
      power_(std::move(power)) {
  core::check(power_.size() == fft_.modes_size(),
              "GaussianField: mode_power has " + std::to_string(power_.size()) +
                  " entries, expected " + std::to_string(fft_.modes_size()));
  const double volume = grid.volume(), cells = static_cast<double>(grid.cells());
  power_[0] = 0.0;
  amplitude_.resize(power_.size());
  double sum = 0;
  for (std::size_t e = 0; e < power_.size(); ++e) {
    if (!(std::isfinite(power_[e]) && power_[e] >= 0))
      throw core::Error("GaussianField: mode_power[" + std::to_string(e) + "] must be finite and >= 0");
    amplitude_[e] = std::sqrt(power_[e] / (volume * cells));
    sum += mode_multiplicity(grid, e) * power_[e];
  }
  variance_ = sum / volume;
}

void GaussianField::sample(core::Rng* rng, FftWorkspace* work, double* field) const {
  core::check(rng != nullptr && work != nullptr && field != nullptr,
              "GaussianField::sample: rng, work and field must not be null");
  work->resize(grid_.dim, grid_.n);
  double* r = work->real();
  const std::size_t cells = work->real_size();
  core::fill_standard_normal(rng, r, cells);
  fft_.forward(work);
  std::complex<double>* m = work->modes();
  const std::size_t modes = work->modes_size();
  const double* a = amplitude_.data();
  for (std::size_t e = 0; e < modes; ++e) m[e] *= a[e];
  fft_.inverse(work);
  std::copy(r, r + cells, field);
}

Eigen::VectorXd GaussianField::sample(core::Rng* rng) const {
  FftWorkspace work(grid_.dim, grid_.n);
  Eigen::VectorXd out(static_cast<Eigen::Index>(grid_.cells()));
  sample(rng, &work, out.data());
  return out;
}

}  // namespace sbi::simulators::cosmology
