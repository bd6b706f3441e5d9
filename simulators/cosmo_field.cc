#include "simulators/cosmo_field.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "core/error.h"
#include "simulators/cosmology/fft.h"
#include "simulators/cosmology/field_summaries.h"
#include "simulators/cosmology/gaussian_field.h"

namespace sbi::simulators {

using cosmology::Cosmology;

namespace {

constexpr double kArcminToRad = M_PI / (180.0 * 60.0);

// The canonical parameters with their default prior ranges (see cosmo_field.h).
struct ParameterInfo {
  const char* name;
  double low, high;
};
constexpr ParameterInfo kParameters[] = {
    {"omega_m", 0.1, 0.5}, {"sigma8", 0.5, 1.1}, {"w0", -1.5, -0.5},
    {"h", 0.6, 0.8},       {"n_s", 0.9, 1.0},    {"omega_b", 0.03, 0.06},
};
constexpr int kNumParameters = sizeof(kParameters) / sizeof(kParameters[0]);

int parameter_index(const std::string& name) {
  for (int i = 0; i < kNumParameters; ++i)
    if (name == kParameters[i].name) return i;
  return -1;
}

double* parameter_slot(Cosmology* c, int index) {
  switch (index) {
    case 0: return &c->omega_m;
    case 1: return &c->sigma8;
    case 2: return &c->w0;
    case 3: return &c->h;
    case 4: return &c->n_s;
    default: return &c->omega_b;
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

const CosmoFieldConfig& validated(const CosmoFieldConfig& config) {
  core::check_valid(config, "CosmoField");
  return config;
}

}  // namespace

const std::vector<std::string>& cosmo_field_parameter_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& p : kParameters) names.push_back(p.name);
    return names;
  }();
  return kNames;
}

cosmology::ConvergenceMapOptions CosmoFieldConfig::default_map_options() {
  cosmology::ConvergenceMapOptions o;
  o.field = cosmology::FieldKind::kLognormal;
  // Measured against the library defaults (tests/simulators/cosmo_field_test.cc): 12 Limber
  // panels instead of 48 and 10 σ8 panels per decade instead of 40 keep C_ℓ over the map's ℓ
  // range within 1e-4 relative (5e-5 at the prior's corners) and build 8x faster. (The C_ℓ
  // table density matters most: 16 points per decade would give 2e-3, so it stays at 40.)
  o.limber.panels = 12;
  o.power.panels_per_decade = 10;
  return o;
}

bool CosmoFieldConfig::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "CosmoFieldConfig::" + what;
    return false;
  };
  if (free.empty()) return fail("free is empty: name at least one of " +
                                join(cosmo_field_parameter_names()));
  for (std::size_t i = 0; i < free.size(); ++i) {
    if (parameter_index(free[i]) < 0)
      return fail("free: unknown parameter '" + free[i] + "'; accepted: " +
                  join(cosmo_field_parameter_names()));
    for (std::size_t j = 0; j < i; ++j)
      if (free[j] == free[i]) return fail("free: '" + free[i] + "' is listed twice");
  }
  std::string e;
  if (!fixed.is_valid(&e)) return fail("fixed: " + e);
  if (!map.is_valid(&e)) return fail("map: " + e);
  if (!map_summary && !power && !peaks && !moments)
    return fail("summary: choose map, or at least one of power, peaks, moments");
  if (map_summary && (power || peaks || moments))
    return fail("summary: map stands alone (the map itself is x)");
  if (power_bins < 1 || power_bins > 100)
    return fail("power_bins = " + std::to_string(power_bins) + " must be in [1, 100]");
  if (!(std::isfinite(smoothing_arcmin) && smoothing_arcmin >= 0))
    return fail("smoothing_arcmin = " + fmt(smoothing_arcmin) + " must be finite and >= 0");
  if (peak_edges.size() < 2) return fail("peak_edges needs at least 2 values");
  for (std::size_t b = 0; b < peak_edges.size(); ++b) {
    if (!std::isfinite(peak_edges[b])) return fail("peak_edges must be finite");
    if (b > 0 && !(peak_edges[b] > peak_edges[b - 1]))
      return fail("peak_edges must increase (" + fmt(peak_edges[b - 1]) + ", " +
                  fmt(peak_edges[b]) + ")");
  }
  if (peaks && map.shape_noise == 0)
    return fail("peaks need shape noise (S/N = kappa / noise rms): shape_noise is 0");
  // Every cosmology in the prior's box must be valid: the constraints are ranges and
  // Ωb < Ωm, all linear, so the 2^d corners suffice.
  const int d = static_cast<int>(free.size());
  for (int corner = 0; corner < (1 << d); ++corner) {
    Cosmology c = fixed;
    std::string where;
    for (int i = 0; i < d; ++i) {
      const ParameterInfo& p = kParameters[parameter_index(free[i])];
      const double v = (corner >> i) & 1 ? p.high : p.low;
      *parameter_slot(&c, parameter_index(free[i])) = v;
      where += (i ? ", " : "") + free[i] + " " + fmt(v);
    }
    if (!c.is_valid(&e)) return fail("fixed: " + e + " at the prior corner (" + where + ")");
  }
  return true;
}

CosmoField::CosmoField(const CosmoFieldConfig& config) : config_(validated(config)) {
  for (const auto& name : config_.free) free_index_.push_back(parameter_index(name));

  const int n = config_.map.pixels;
  cosmology::Grid grid;
  grid.dim = 2;
  grid.n = n;
  grid.side = config_.map.side_deg * M_PI / 180.0;
  const double ell_f = grid.fundamental(), ell_n = ell_f * (n / 2);
  const int bins = config_.power_bins;
  for (int b = 0; b <= bins; ++b)
    ell_edges_.push_back(b == bins ? ell_n : ell_f * std::pow(ell_n / ell_f, static_cast<double>(b) / bins));

  const std::vector<int> m2 = cosmology::mode_index_squared(grid);
  if (config_.power) {
    std::vector<long> count(bins, 0);
    for (std::size_t e = 1; e < m2.size(); ++e) {
      const double ell = ell_f * std::sqrt(static_cast<double>(m2[e]));
      if (ell < ell_edges_.front() || ell >= ell_edges_.back()) continue;
      ++count[std::upper_bound(ell_edges_.begin(), ell_edges_.end(), ell) - ell_edges_.begin() - 1];
    }
    for (int b = 0; b < bins; ++b)
      core::check(count[b] > 0, "CosmoField: power_bins = " + std::to_string(bins) + " leaves bin " +
                                    std::to_string(b) + " [" + fmt(ell_edges_[b]) + ", " +
                                    fmt(ell_edges_[b + 1]) + ") without modes for pixels = " +
                                    std::to_string(n) + "; use fewer bins");
  }
  if ((config_.peaks || config_.moments) && config_.smoothing_arcmin > 0) {
    // W(ℓ) = exp(-ℓ² σ² / 2), with 1/N folded in for the unnormalised inverse FFT. Smoothed
    // unit white noise has variance (1/N) Σ_k W_k² over the N full-plane modes.
    const double sigma = config_.smoothing_arcmin * kArcminToRad;
    const double cells = static_cast<double>(grid.cells());
    smoothing_.resize(m2.size());
    double sum_w2 = 0;
    for (std::size_t e = 0; e < m2.size(); ++e) {
      const double w = std::exp(-0.5 * ell_f * ell_f * m2[e] * sigma * sigma);
      smoothing_[e] = w / cells;
      sum_w2 += cosmology::mode_multiplicity(grid, e) * w * w;
    }
    smoothing_noise_factor_ = std::sqrt(sum_w2 / cells);
  }
}

core::DataShape CosmoField::x_shape() const {
  return config_.map_summary ? core::DataShape::image(config_.map.pixels, config_.map.pixels)
                             : core::DataShape::vector(x_dim());
}

int CosmoField::x_dim() const {
  if (config_.map_summary) return config_.map.pixels * config_.map.pixels;
  int d = 0;
  if (config_.power) d += config_.power_bins;
  if (config_.peaks) d += static_cast<int>(config_.peak_edges.size()) - 1;
  if (config_.moments) d += 3;
  return d;
}

std::vector<std::string> CosmoField::data_names() const {
  std::vector<std::string> names;
  if (config_.map_summary) {  // kappa_<row>_<column>
    for (int i = 0; i < config_.map.pixels; ++i)
      for (int j = 0; j < config_.map.pixels; ++j)
        names.push_back("kappa_" + std::to_string(i) + "_" + std::to_string(j));
    return names;
  }
  if (config_.power)
    for (int b = 0; b < config_.power_bins; ++b) names.push_back("logC_ell_bin" + std::to_string(b));
  if (config_.peaks)
    for (std::size_t b = 0; b + 1 < config_.peak_edges.size(); ++b)
      names.push_back("peaks_snr_" + fmt(config_.peak_edges[b]) + "_" + fmt(config_.peak_edges[b + 1]));
  if (config_.moments) {
    names.push_back("log_kappa_var");
    names.push_back("kappa_skew");
    names.push_back("kappa_kurt");
  }
  return names;
}

Cosmology CosmoField::cosmology(const Eigen::Ref<const Eigen::VectorXd>& theta) const {
  core::check(theta.size() == theta_dim(), "CosmoField::cosmology: theta has " +
                                               std::to_string(theta.size()) + " entries, expected " +
                                               std::to_string(theta_dim()));
  Cosmology c = config_.fixed;
  for (int i = 0; i < theta_dim(); ++i) *parameter_slot(&c, free_index_[i]) = theta[i];
  core::check_valid(c, "CosmoField: theta = (" + [&] {
    std::string s;
    for (int i = 0; i < theta_dim(); ++i) s += (i ? ", " : "") + config_.free[i] + " " + fmt(theta[i]);
    return s;
  }() + ")");
  return c;
}

void CosmoField::summarize(const double* map, double noise_sigma, Eigen::Ref<Eigen::VectorXd> x) const {
  core::check(x.size() == x_dim(), "CosmoField::summarize: x has " + std::to_string(x.size()) +
                                       " entries, expected " + std::to_string(x_dim()));
  const int n = config_.map.pixels;
  const double side = config_.map.side_deg * M_PI / 180.0;
  // Per-thread scratch, reused across calls: fresh 256 KiB buffers per simulation cost more
  // in page faults than the transforms themselves. Results do not depend on it.
  thread_local cosmology::FftWorkspace work;
  work.resize(2, n);
  int at = 0;
  if (config_.power) {
    const auto ps = cosmology::binned_power_spectrum(map, n, side, ell_edges_, &work);
    for (int b = 0; b < config_.power_bins; ++b) x[at++] = std::log(ps.power[b]);
  }
  if (!config_.peaks && !config_.moments) return;
  const std::size_t cells = static_cast<std::size_t>(n) * n;
  const double* smoothed = map;
  if (!smoothing_.empty()) {
    const cosmology::RealFft fft(2, n);  // the plan comes from the process-wide cache
    std::copy(map, map + cells, work.real());
    fft.forward(&work);
    std::complex<double>* modes = work.modes();
    for (std::size_t e = 0; e < work.modes_size(); ++e) modes[e] *= smoothing_[e];
    fft.inverse(&work);
    smoothed = work.real();
  }
  if (config_.peaks) {
    const std::vector<long> counts =
        cosmology::peak_counts(smoothed, n, noise_sigma * smoothing_noise_factor_, config_.peak_edges);
    for (long c : counts) x[at++] = static_cast<double>(c);
  }
  if (config_.moments) {
    const auto m = cosmology::one_point_moments(smoothed, cells);
    x[at++] = std::log(m.variance);
    x[at++] = m.skewness;
    x[at++] = m.kurtosis;
  }
}

void CosmoField::simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                          Eigen::Ref<Eigen::VectorXd> x) const {
  check_simulate_args(*this, theta, rng, x, "CosmoField::simulate");
  const cosmology::ConvergenceMapSimulator sim(cosmology(theta), config_.map);
  const int n = config_.map.pixels;
  thread_local cosmology::FftWorkspace work;  // per-thread scratch, as in summarize()
  thread_local std::vector<double> map;
  work.resize(2, n);
  map.resize(static_cast<std::size_t>(n) * n);
  sim.sample(rng, &work, map.data());
  if (config_.map_summary) {
    x = Eigen::Map<const Eigen::VectorXd>(map.data(), x.size());  // row-major, as the image
    return;
  }
  summarize(map.data(), sim.noise_sigma(), x);
}

core::Prior cosmo_field_prior(const std::vector<std::string>& free) {
  Eigen::VectorXd low(free.size()), high(free.size());
  for (std::size_t i = 0; i < free.size(); ++i) {
    const int k = parameter_index(free[i]);
    core::check(k >= 0, "cosmo_field_prior: unknown parameter '" + free[i] + "'");
    low[i] = kParameters[k].low;
    high[i] = kParameters[k].high;
  }
  return core::Prior::box_uniform(low, high);
}

Task make_cosmo_field_task(const CosmoFieldConfig& config) {
  return {std::make_unique<CosmoField>(config), cosmo_field_prior(config.free)};
}

}  // namespace sbi::simulators
