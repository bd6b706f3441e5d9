#include "simulators/galaxy_images.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/normal_fill.h"
#include "simulators/lensing/psf.h"
#include "simulators/lensing/sersic.h"
#include "simulators/parameter_rules.h"

namespace sbi::simulators {
namespace {

// θ entries: name, the rule they must satisfy (checked in check_theta), default prior.
struct ParameterInfo {
  const char* name;
  ParameterRule rule;
  core::Marginal prior;
};
const ParameterInfo kParameters[] = {
    {"flux", ParameterRule::kNonNegative, core::Marginal::loguniform(20, 200)},
    {"bulge_frac", ParameterRule::kFraction, core::Marginal::uniform(0, 1)},
    {"bulge_n", ParameterRule::kSersicIndex, core::Marginal::uniform(2, 5)},
    {"bulge_reff", ParameterRule::kPositive, core::Marginal::uniform(0.15, 0.5)},
    {"disk_reff", ParameterRule::kPositive, core::Marginal::uniform(0.6, 1.5)},
    {"q", ParameterRule::kAxisRatio, core::Marginal::uniform(0.3, 1)},
    {"phi", ParameterRule::kAny, core::Marginal::uniform(0, M_PI)},
    {"x0", ParameterRule::kAny, core::Marginal::uniform(-0.2, 0.2)},
    {"y0", ParameterRule::kAny, core::Marginal::uniform(-0.2, 0.2)},
    {"sub_amp", ParameterRule::kFraction, core::Marginal::uniform(0, 0.5)},
    {"pitch", ParameterRule::kPitch, core::Marginal::uniform(0.2, 0.5)},
};
static_assert(sizeof(kParameters) / sizeof(kParameters[0]) == GalaxyImages::kThetaDim);

enum Index {
  kFlux, kBulgeFrac, kBulgeN, kBulgeReff, kDiskReff, kQ, kPhi, kX0, kY0, kSubAmp, kPitch
};

constexpr int kArms = 2;               // m, the number of spiral arms
constexpr int kMinClumps = 2, kMaxClumps = 6;
constexpr int kMaxKernel = 255;       // the largest PSF kernel side (lensing/psf.h)
const double kFwhmPerSigma = 2 * std::sqrt(2 * std::log(2.0));

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The Gaussian PSF kernel's side 2 ceil(4σ) + 1 for FWHM `fwhm` arcsec: beyond 4σ the
// 1-D profile holds 6e-5 of the light, which the kernel's normalisation gives back.
int kernel_size(double fwhm, double pixel_scale) {
  const double sigma = fwhm / kFwhmPerSigma / pixel_scale;  // pixels
  return 2 * static_cast<int>(std::ceil(4 * sigma)) + 1;
}

const GalaxyImageConfig& validated(const GalaxyImageConfig& config) {
  core::check_valid(config, "GalaxyImages");
  return config;
}

// A circular Gaussian clump: flux [image units], centre and width [arcsec].
struct Clump {
  double flux, x, y, sigma;
};

// The galaxy's surface brightness: bulge + disk (modulated by arms, or dimmed for the clumps'
// share) + clumps, as in the header.
class GalaxyLight final : public lensing::Source {
 public:
  GalaxyLight(const Eigen::Ref<const Eigen::VectorXd>& t, bool arms, double arm_phase,
              std::vector<Clump> clumps)
      : bulge_(lensing::Sersic(t[kFlux] * t[kBulgeFrac] / unit_flux(t[kBulgeReff], t[kBulgeN],
                                                                     std::sqrt(t[kQ])),
                               t[kBulgeReff], t[kBulgeN], std::sqrt(t[kQ]), t[kPhi], t[kX0],
                               t[kY0])),
        disk_(lensing::Sersic(t[kFlux] * (1 - t[kBulgeFrac]) *
                                  (arms ? 1.0 : 1.0 - t[kSubAmp]) /
                                  unit_flux(t[kDiskReff], 1.0, t[kQ]),
                              t[kDiskReff], 1.0, t[kQ], t[kPhi], t[kX0], t[kY0])),
        arms_(arms),
        amp_(t[kSubAmp]),
        phase_(arm_phase),
        inv_tan_pitch_(1 / std::tan(t[kPitch])),
        inv_q_(1 / t[kQ]),
        disk_reff_(t[kDiskReff]),
        taper_(0.5 * t[kDiskReff]),
        x0_(t[kX0]),
        y0_(t[kY0]),
        cos_(std::cos(t[kPhi])),
        sin_(std::sin(t[kPhi])),
        clumps_(std::move(clumps)) {}

  using lensing::Source::brightness;
  void brightness(int n, const double* x, const double* y, double* out) const override {
    thread_local std::vector<double> disk;
    disk.resize(static_cast<std::size_t>(n));
    bulge_.brightness(n, x, y, out);
    disk_.brightness(n, x, y, disk.data());
    if (arms_) {
      const double inv_taper2 = 1 / (taper_ * taper_);
      for (int i = 0; i < n; ++i) {
        const double dx = x[i] - x0_, dy = y[i] - y0_;
        const double u = cos_ * dx + sin_ * dy, v = (-sin_ * dx + cos_ * dy) * inv_q_;
        const double r2 = u * u + v * v;
        if (r2 == 0) continue;  // the taper is 0 there
        const double r = std::sqrt(r2), alpha = std::atan2(v, u);
        const double amp = amp_ * (1 - std::exp(-r2 * inv_taper2));
        disk[i] *= 1 + amp * std::cos(kArms * (alpha - std::log(r / disk_reff_) * inv_tan_pitch_) +
                                      phase_);
      }
    }
    for (int i = 0; i < n; ++i) out[i] += disk[i];
    for (const Clump& c : clumps_) {
      const double norm = c.flux / (2 * M_PI * c.sigma * c.sigma), k = -0.5 / (c.sigma * c.sigma);
      for (int i = 0; i < n; ++i) {
        const double dx = x[i] - c.x, dy = y[i] - c.y;
        out[i] += norm * std::exp(k * (dx * dx + dy * dy));
      }
    }
  }

 private:
  // The flux of a Sérsic profile of amplitude I_e = 1 (lensing/sersic.h's closed form).
  static double unit_flux(double r_eff, double n, double q) {
    return lensing::Sersic(1.0, r_eff, n, q, 0.0).total_flux();
  }

  lensing::Sersic bulge_, disk_;
  bool arms_;
  double amp_, phase_, inv_tan_pitch_, inv_q_, disk_reff_, taper_, x0_, y0_, cos_, sin_;
  std::vector<Clump> clumps_;
};

}  // namespace

std::string galaxy_substructure_name(GalaxySubstructure s) {
  switch (s) {
    case GalaxySubstructure::kClumps:
      return "clumps";
    case GalaxySubstructure::kArms:
      return "arms";
    case GalaxySubstructure::kMixed:
      return "mixed";
  }
  return "?";
}

bool parse_galaxy_substructure(const std::string& name, GalaxySubstructure* out) {
  for (GalaxySubstructure s :
       {GalaxySubstructure::kClumps, GalaxySubstructure::kArms, GalaxySubstructure::kMixed})
    if (name == galaxy_substructure_name(s)) {
      *out = s;
      return true;
    }
  return false;
}

bool GalaxyImageConfig::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "GalaxyImageConfig::" + what;
    return false;
  };
  if (npix < 1 || npix > 4096)
    return fail("npix = " + std::to_string(npix) + " must be in [1, 4096]");
  if (!(std::isfinite(pixel_scale) && pixel_scale > 0))
    return fail("pixel_scale = " + fmt(pixel_scale) + " must be finite and > 0 (arcsec)");
  if (supersample < 1 || supersample > lensing::RayGrid::kMaxSupersample)
    return fail("supersample = " + std::to_string(supersample) + " must be in [1, " +
                std::to_string(lensing::RayGrid::kMaxSupersample) + "]");
  const double samples = static_cast<double>(npix) * npix * supersample * supersample;
  if (samples >= 2147483648.0)
    return fail("npix = " + std::to_string(npix) + " and supersample = " +
                std::to_string(supersample) + " make " + fmt(samples) +
                " samples per image, 2^31 or more");
  if (!(std::isfinite(psf_fwhm) && psf_fwhm >= 0))
    return fail("psf_fwhm = " + fmt(psf_fwhm) + " must be finite and >= 0 (arcsec; 0 = no PSF)");
  if (psf_fwhm > 0 && kernel_size(psf_fwhm, pixel_scale) > kMaxKernel)
    return fail("psf_fwhm = " + fmt(psf_fwhm) + " is " + fmt(psf_fwhm / pixel_scale) +
                " pixels; its kernel of 2 ceil(4 sigma) + 1 pixels must be at most 255 (FWHM "
                "up to 74 pixels)");
  if (!(std::isfinite(noise_sigma) && noise_sigma >= 0))
    return fail("noise_sigma = " + fmt(noise_sigma) + " must be finite and >= 0 (0 = no noise)");
  return true;
}

GalaxyImages::GalaxyImages(const GalaxyImageConfig& config)
    : config_(validated(config)), grid_(config.npix, config.pixel_scale, config.supersample) {
  if (config_.psf_fwhm > 0)
    convolver_.emplace(lensing::Psf::gaussian(config_.psf_fwhm, config_.pixel_scale,
                                              kernel_size(config_.psf_fwhm, config_.pixel_scale)),
                       config_.npix);
}

core::DataShape GalaxyImages::x_shape() const {
  return core::DataShape::image(config_.npix, config_.npix);
}

std::vector<std::string> GalaxyImages::parameter_names() const {
  return parameter_names_of(kParameters);
}

std::vector<std::string> GalaxyImages::data_names() const {
  return pixel_names(config_.npix);
}

void GalaxyImages::check_theta(const Eigen::Ref<const Eigen::VectorXd>& theta,
                               const char* function) const {
  check_parameter_rules(kParameters, theta, function);
}

void GalaxyImages::render(const lensing::Source& source, Eigen::Ref<Eigen::VectorXd> image,
                          const std::vector<std::array<double, 2>>& cusps) const {
  core::check(image.size() == x_dim(), "GalaxyImages::render: image has " +
                                           std::to_string(image.size()) + " entries, expected " +
                                           std::to_string(x_dim()));
  // Blocks of pixels whose samples fit in a few kB (RayGrid orders a block's samples sub-pixel
  // by sub-pixel, so each pixel's samples are `count` apart).
  const int per = grid_.rays_per_pixel(), total = grid_.num_pixels();
  const int block = std::max(1, 1024 / per);
  const double scale = config_.pixel_scale * config_.pixel_scale / per;  // area / samples
  thread_local std::vector<double> xs, ys, values;
  for (int p0 = 0; p0 < total; p0 += block) {
    const int count = std::min(block, total - p0);
    const std::size_t n = static_cast<std::size_t>(count) * per;
    xs.resize(n);
    ys.resize(n);
    values.resize(n);
    grid_.rays(p0, count, xs.data(), ys.data());
    source.brightness(static_cast<int>(n), xs.data(), ys.data(), values.data());
    for (int j = 0; j < count; ++j) {
      double sum = 0;
      for (int k = 0; k < per; ++k) sum += values[static_cast<std::size_t>(k) * count + j];
      image[p0 + j] = sum * scale;
    }
  }
  for (const auto& cusp : cusps) refine_cusp(source, cusp[0], cusp[1], image);
}

void GalaxyImages::refine_cusp(const lensing::Source& source, double cx, double cy,
                               Eigen::Ref<Eigen::VectorXd> image) const {
  // Sub-pixel cell i along an axis (i = s c + b, pixel c, sub-pixel b) has its centre at
  // ((i + 1/2) / s - npix/2) Δ (ray_tracing.h's offsets). A cell's integral is replaced by the
  // refined one: its own midpoint value is taken off and the refinement's sum added.
  const int s = config_.supersample, n = config_.npix, cells = n * s;
  const double h = config_.pixel_scale / s, half = 0.5 * n * config_.pixel_scale;
  struct Cell {
    double x, y, size;
    int pixel;
  };
  auto near = [&](const Cell& c) {  // the cusp closer than kCuspReach sizes to the cell
    const double dx = std::max(0.0, std::fabs(cx - c.x) - 0.5 * c.size);
    const double dy = std::max(0.0, std::fabs(cy - c.y) - 0.5 * c.size);
    return dx * dx + dy * dy < kCuspReach * kCuspReach * c.size * c.size;
  };
  const int reach = static_cast<int>(std::ceil(kCuspReach)) + 1;
  const double fi = std::floor((cx + half) / h), fj = std::floor((cy + half) / h);
  if (!(fi >= -reach && fi < cells + reach && fj >= -reach && fj < cells + reach)) return;
  const int ic = static_cast<int>(fi), jc = static_cast<int>(fj);
  // Cells to split, and cells to evaluate once with weight size² (or -size² for a negative
  // size: a sub-pixel's own sample, taken off).
  std::vector<Cell> refine, midpoint;
  for (int j = jc - reach; j <= jc + reach; ++j)
    for (int i = ic - reach; i <= ic + reach; ++i) {
      if (i < 0 || j < 0 || i >= cells || j >= cells) continue;
      const Cell c{(i + 0.5) * h - half, (j + 0.5) * h - half, h, (j / s) * n + i / s};
      if (!near(c)) continue;
      refine.push_back(c);
      midpoint.push_back({c.x, c.y, -h, c.pixel});  // taken off
    }
  for (int level = 1; level <= kCuspLevels && !refine.empty(); ++level) {
    std::vector<Cell> next;
    for (const Cell& c : refine)
      for (int a = -1; a <= 1; ++a)
        for (int b = -1; b <= 1; ++b) {
          const double size = c.size / 3;
          const Cell child{c.x + b * size, c.y + a * size, size, c.pixel};
          (level < kCuspLevels && near(child) ? next : midpoint).push_back(child);
        }
    refine.swap(next);
  }
  thread_local std::vector<double> xs, ys, values;
  xs.resize(midpoint.size());
  ys.resize(midpoint.size());
  values.resize(midpoint.size());
  for (std::size_t k = 0; k < midpoint.size(); ++k) {
    xs[k] = midpoint[k].x;
    ys[k] = midpoint[k].y;
  }
  source.brightness(static_cast<int>(midpoint.size()), xs.data(), ys.data(), values.data());
  for (std::size_t k = 0; k < midpoint.size(); ++k) {
    const double size = midpoint[k].size;
    image[midpoint[k].pixel] += values[k] * (size < 0 ? -size * size : size * size);
  }
}

void GalaxyImages::noiseless_image(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                                   Eigen::Ref<Eigen::VectorXd> image) const {
  check_theta(theta, "GalaxyImages::noiseless_image");
  core::check(rng != nullptr, "GalaxyImages::noiseless_image: rng is null");
  bool arms = config_.substructure == GalaxySubstructure::kArms;
  if (config_.substructure == GalaxySubstructure::kMixed) arms = rng->uniform() >= 0.5;
  double phase = 0;
  std::vector<Clump> clumps;
  if (arms) {
    phase = rng->uniform(0, 2 * M_PI);
  } else {
    const int k = kMinClumps + static_cast<int>(rng->below(kMaxClumps - kMinClumps + 1));
    const double q = theta[kQ], c = std::cos(theta[kPhi]), s = std::sin(theta[kPhi]);
    const double rd = theta[kDiskReff];
    double weights = 0;
    for (int i = 0; i < k; ++i) {
      const double rho = rng->uniform(0.3, 1.5) * rd, beta = rng->uniform(0, 2 * M_PI);
      const double sigma = rng->uniform(0.06, 0.15), w = rng->uniform(0.5, 1.5);
      const double u = rho * std::cos(beta), v = q * rho * std::sin(beta);
      clumps.push_back({w, theta[kX0] + c * u - s * v, theta[kY0] + s * u + c * v, sigma});
      weights += w;
    }
    const double clump_flux = theta[kFlux] * (1 - theta[kBulgeFrac]) * theta[kSubAmp];
    for (Clump& cl : clumps) cl.flux *= clump_flux / weights;
  }
  render(GalaxyLight(theta, arms, phase, std::move(clumps)), image, {{theta[kX0], theta[kY0]}});
  if (convolver_) convolver_->apply(image.data());
}

void GalaxyImages::simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                            Eigen::Ref<Eigen::VectorXd> x) const {
  check_simulate_args(*this, theta, rng, x, "GalaxyImages::simulate");
  check_theta(theta, "GalaxyImages::simulate");
  noiseless_image(theta, rng, x);
  if (config_.noise_sigma > 0) {
    thread_local std::vector<double> z;  // per-thread scratch, reused across calls
    z.resize(static_cast<std::size_t>(x.size()));
    core::fill_standard_normal(rng, z.data(), z.size());
    for (int p = 0; p < x.size(); ++p) x[p] += config_.noise_sigma * z[p];
  }
}

core::Prior galaxy_images_prior() {
  std::vector<core::Marginal> marginals;
  for (const auto& p : kParameters) marginals.push_back(p.prior);
  return core::Prior(marginals);
}

Task make_galaxy_images_task(const GalaxyImageConfig& config) {
  return {std::make_unique<GalaxyImages>(config), galaxy_images_prior()};
}

}  // namespace sbi::simulators
