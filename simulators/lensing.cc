#include "simulators/lensing.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/normal_fill.h"
#include "simulators/lensing/poisson.h"
#include "simulators/parameter_rules.h"

namespace sbi::simulators {
namespace {

// θ entries: name, the rule they must satisfy (checked in check_theta), prior range.
struct ParameterInfo {
  const char* name;
  ParameterRule rule;
  double low, high;
};
constexpr ParameterInfo kParameters[] = {
    {"theta_E", ParameterRule::kNonNegative, 0.5, 1.5},
    {"q", ParameterRule::kLensAxisRatio, 0.5, 1.0},
    {"phi", ParameterRule::kAny, 0.0, M_PI},
    {"gamma1", ParameterRule::kAny, -0.1, 0.1},
    {"gamma2", ParameterRule::kAny, -0.1, 0.1},
    {"src_x", ParameterRule::kAny, -0.3, 0.3},
    {"src_y", ParameterRule::kAny, -0.3, 0.3},
    {"src_reff", ParameterRule::kPositive, 0.1, 0.5},
    {"src_n", ParameterRule::kSersicIndex, 0.5, 4.0},
    {"src_q", ParameterRule::kAxisRatio, 0.4, 1.0},
    {"src_phi", ParameterRule::kAny, 0.0, M_PI},
    {"src_amp", ParameterRule::kNonNegative, 1.0, 10.0},
};
constexpr int kThetaDim = sizeof(kParameters) / sizeof(kParameters[0]);

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

const LensingConfig& validated(const LensingConfig& config) {
  core::check_valid(config, "StrongLensing");
  return config;
}

}  // namespace

bool LensingConfig::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "LensingConfig::" + what;
    return false;
  };
  if (npix < 1 || npix > 4096)
    return fail("npix = " + std::to_string(npix) + " must be in [1, 4096]");
  if (!(std::isfinite(pixel_scale) && pixel_scale > 0))
    return fail("pixel_scale = " + fmt(pixel_scale) + " must be finite and > 0 (arcsec)");
  if (supersample < 1 || supersample > lensing::RayGrid::kMaxSupersample)
    return fail("supersample = " + std::to_string(supersample) + " must be in [1, " +
                std::to_string(lensing::RayGrid::kMaxSupersample) + "]");
  if (!(std::isfinite(psf_fwhm) && psf_fwhm >= 0))
    return fail("psf_fwhm = " + fmt(psf_fwhm) + " must be finite and >= 0 (arcsec; 0 = no PSF)");
  if (psf_size < 1 || psf_size > 255 || psf_size % 2 == 0)
    return fail("psf_size = " + std::to_string(psf_size) + " must be odd and in [1, 255]");
  if (psf_image.size() > 0) {
    try {
      lensing::Psf::from_image(psf_image);
    } catch (const core::Error& e) {
      return fail(std::string("psf_image: ") + e.what());
    }
  }
  if (!(std::isfinite(noise_sigma) && noise_sigma >= 0))
    return fail("noise_sigma = " + fmt(noise_sigma) + " must be finite and >= 0 (0 = no noise)");
  if (noise_map.size() > 0) {
    if (noise_map.rows() != npix || noise_map.cols() != npix)
      return fail("noise_map is " + std::to_string(noise_map.rows()) + " x " +
                  std::to_string(noise_map.cols()) +
                  ", must be npix x npix = " + std::to_string(npix) + " x " + std::to_string(npix));
    for (int r = 0; r < npix; ++r)
      for (int c = 0; c < npix; ++c)
        if (!(std::isfinite(noise_map(r, c)) && noise_map(r, c) >= 0))
          return fail("noise_map has " + fmt(noise_map(r, c)) + " at row " + std::to_string(r) +
                      ", column " + std::to_string(c) + "; sigma must be finite and >= 0");
  }
  return true;
}

StrongLensing::StrongLensing(const LensingConfig& config)
    : config_(validated(config)), grid_(config.npix, config.pixel_scale, config.supersample) {
  if (config_.psf_image.size() > 0)
    convolver_.emplace(lensing::Psf::from_image(config_.psf_image), config_.npix);
  else if (config_.psf_fwhm > 0)
    convolver_.emplace(
        lensing::Psf::gaussian(config_.psf_fwhm, config_.pixel_scale, config_.psf_size),
        config_.npix);
  const int n = config_.npix;
  sigma_ = Eigen::VectorXd::Constant(n * n, config_.noise_sigma);
  if (config_.noise_map.size() > 0)
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) sigma_[r * n + c] = config_.noise_map(r, c);
}

core::DataShape StrongLensing::x_shape() const {
  return core::DataShape::image(config_.npix, config_.npix);
}

std::vector<std::string> StrongLensing::parameter_names() const {
  return parameter_names_of(kParameters);
}

std::vector<std::string> StrongLensing::data_names() const {
  return pixel_names(config_.npix);
}

namespace {

// Whether an n x n map (row = y) is unchanged by the square's rotations and reflections: by
// the transpose (the reflection in y = x) and the reflection y -> -y, which generate them.
bool square_symmetric(const Eigen::MatrixXd& m) {
  if (m.rows() != m.cols()) return false;
  const double tolerance = 1e-12 * m.cwiseAbs().maxCoeff();
  return (m - m.transpose()).cwiseAbs().maxCoeff() <= tolerance &&
         (m - m.colwise().reverse()).cwiseAbs().maxCoeff() <= tolerance;
}

}  // namespace

std::string StrongLensing::symmetry_group() const {
  const bool psf_ok = config_.psf_image.size() == 0 || square_symmetric(config_.psf_image);
  const bool noise_ok = config_.noise_map.size() == 0 || square_symmetric(config_.noise_map);
  return psf_ok && noise_ok ? "lensing_d4" : "";
}

void StrongLensing::check_theta(const Eigen::Ref<const Eigen::VectorXd>& theta,
                                const char* function) const {
  check_parameter_rules(kParameters, theta, function);
}

lensing::LensModel StrongLensing::lens(const Eigen::Ref<const Eigen::VectorXd>& theta) const {
  check_theta(theta, "StrongLensing::lens");
  return lens_of(theta.data());
}

lensing::Sersic StrongLensing::source(const Eigen::Ref<const Eigen::VectorXd>& theta) const {
  check_theta(theta, "StrongLensing::source");
  return source_of(theta.data());
}

void StrongLensing::noiseless_image(const lensing::LensModel& lens, const lensing::Source& source,
                                    Eigen::Ref<Eigen::VectorXd> image) const {
  core::check(image.size() == x_dim(), "StrongLensing::noiseless_image: image has " +
                                           std::to_string(image.size()) + " entries, expected " +
                                           std::to_string(x_dim()));
  lensing::trace_image(grid_, lens, source, image.data());
  if (convolver_) convolver_->apply(image.data());
}

void StrongLensing::simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                             Eigen::Ref<Eigen::VectorXd> x) const {
  check_simulate_args(*this, theta, rng, x, "StrongLensing::simulate");
  check_theta(theta, "StrongLensing::simulate");
  noiseless_image(lens(theta), source(theta), x);
  if (config_.poisson)
    for (int p = 0; p < x.size(); ++p)  // the FFT may leave -1e-17 where the image is empty
      x[p] = static_cast<double>(lensing::poisson(x[p] > 0 ? x[p] : 0.0, rng));
  if (config_.noise_sigma > 0 || config_.noise_map.size() > 0) {
    // Ziggurat normals (core/normal_fill.h): 4x cheaper than Rng::normal(). Per-thread
    // scratch, reused across calls.
    thread_local std::vector<double> z;
    z.resize(static_cast<std::size_t>(x.size()));
    core::fill_standard_normal(rng, z.data(), z.size());
    for (int p = 0; p < x.size(); ++p) x[p] += sigma_[p] * z[p];
  }
}

core::Prior lensing_prior() {
  Eigen::VectorXd low(kThetaDim), high(kThetaDim);
  for (int i = 0; i < kThetaDim; ++i) {
    low[i] = kParameters[i].low;
    high[i] = kParameters[i].high;
  }
  return core::Prior::box_uniform(low, high);
}

Task make_lensing_task(const LensingConfig& config) {
  return {std::make_unique<StrongLensing>(config), lensing_prior()};
}

}  // namespace sbi::simulators
