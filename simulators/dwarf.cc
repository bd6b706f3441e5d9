#include "simulators/dwarf.h"

#include <cmath>

#include "core/error.h"

namespace sbi::simulators {

bool DwarfConfig::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "DwarfConfig::" + what;
    return false;
  };
  if (num_stars < 1) return fail("num_stars = " + std::to_string(num_stars) + " must be >= 1");
  if (num_stars_min < 0 || num_stars_min > num_stars)
    return fail("num_stars_min = " + std::to_string(num_stars_min) + " must be in 0..num_stars (" +
                std::to_string(num_stars) + ")");
  if (!(v_err >= 0 && std::isfinite(v_err)))
    return fail("v_err = " + std::to_string(v_err) + " must be finite and >= 0 (km/s)");
  std::string jeans_error;
  if (!jeans.is_valid(&jeans_error)) {
    if (error) *error = "DwarfConfig::jeans: " + jeans_error;
    return false;
  }
  return true;
}

namespace {

const DwarfConfig& validated(const DwarfConfig& config) {
  std::string error;
  if (!config.is_valid(&error)) throw core::Error("DwarfKinematics: " + error);
  return config;
}

}  // namespace

DwarfKinematics::DwarfKinematics(const DwarfConfig& config)
    : config_(validated(config)), solver_(config.jeans) {}

std::vector<std::string> DwarfKinematics::parameter_names() const {
  return {"log10_rho0", "log10_r_s", "gamma",
          config_.anisotropy == AnisotropyModel::kConstant ? "beta" : "log10_ra_over_rstar",
          "log10_r_star"};
}

std::vector<std::string> DwarfKinematics::data_names() const {
  std::vector<std::string> names;
  names.reserve(x_dim());
  for (int j = 0; j < set_size(); ++j) {
    names.push_back("R_" + std::to_string(j));
    names.push_back("v_" + std::to_string(j));
    if (masked()) names.push_back("m_" + std::to_string(j));
  }
  return names;
}

GeneralizedNfw DwarfKinematics::halo(const Eigen::Ref<const Eigen::VectorXd>& theta) const {
  return GeneralizedNfw(std::pow(10.0, theta[0]), std::pow(10.0, theta[1]), theta[2]);
}

PlummerTracer DwarfKinematics::tracer(const Eigen::Ref<const Eigen::VectorXd>& theta) const {
  return PlummerTracer(std::pow(10.0, theta[4]));
}

Anisotropy DwarfKinematics::anisotropy(const Eigen::Ref<const Eigen::VectorXd>& theta) const {
  if (config_.anisotropy == AnisotropyModel::kConstant) return Anisotropy::constant(theta[3]);
  return Anisotropy::osipkov_merritt(std::pow(10.0, theta[3] + theta[4]));
}

JeansSolution DwarfKinematics::solve(const Eigen::Ref<const Eigen::VectorXd>& theta) const {
  core::check(theta.size() == theta_dim(), "DwarfKinematics::solve: theta has " +
                                               std::to_string(theta.size()) + " entries, expected 5");
  const GeneralizedNfw h = halo(theta);
  return solver_.solve(h, tracer(theta), anisotropy(theta));
}

void DwarfKinematics::simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                               Eigen::Ref<Eigen::VectorXd> x) const {
  check_simulate_args(*this, theta, rng, x, "DwarfKinematics::simulate");
  const JeansSolution solution = solve(theta);
  int n = config_.num_stars;
  if (masked())
    n = config_.num_stars_min +
        static_cast<int>(rng->below(static_cast<std::uint64_t>(n - config_.num_stars_min + 1)));
  const int w = row_width();
  x.setZero();
  Eigen::Map<Eigen::MatrixXd, 0, Eigen::OuterStride<>> rows(x.data(), kStarFeatures, n,
                                                             Eigen::OuterStride<>(w));
  sample_stars(solution, config_.v_err, rng, rows);
  if (masked())
    for (int j = 0; j < n; ++j) x[j * w + kStarFeatures] = 1.0;
}

void sample_stars(const JeansSolution& solution, double v_err, core::Rng* rng,
                  Eigen::Ref<Eigen::MatrixXd, 0, Eigen::OuterStride<>> stars) {
  core::check(stars.rows() == 2, "sample_stars: stars must have 2 rows (R, v_los)");
  core::check(v_err >= 0 && std::isfinite(v_err), "sample_stars: v_err must be finite and >= 0");
  core::check(rng != nullptr, "sample_stars: rng is null");
  const double a = solution.tracer().scale_radius();
  const Anisotropy& anisotropy = solution.anisotropy();
  for (Eigen::Index j = 0; j < stars.cols(); ++j) {
    // Plummer inverse CDF: r = a / sqrt(u^(-2/3) - 1).
    const double cu = std::cbrt(rng->uniform());
    const double r = a * cu / std::sqrt(1 - cu * cu);
    const double cos_t = rng->uniform(-1.0, 1.0);
    const double sin_t = std::sqrt(1 - cos_t * cos_t);
    const double sigma_r2 = std::exp(solution.interpolate_log_sigma_r2(std::log(r)));
    const double sigma_t = std::sqrt((1 - anisotropy.beta(r)) * sigma_r2);
    const double v_r = std::sqrt(sigma_r2) * rng->normal();
    const double v_theta = sigma_t * rng->normal();
    const double noise = v_err > 0 ? v_err * rng->normal() : 0.0;
    stars(0, j) = r * sin_t;
    stars(1, j) = v_r * cos_t - v_theta * sin_t + noise;
  }
}

core::Prior dwarf_prior(AnisotropyModel anisotropy) {
  Eigen::VectorXd low(5), high(5);
  low << 7.0, -1.0, -1.0, -0.5, -1.0;
  high << 9.0, 1.0, 2.0, 0.9, 0.0;
  if (anisotropy == AnisotropyModel::kOsipkovMerritt) {
    low[3] = -0.3;
    high[3] = 1.5;
  }
  return core::Prior::box_uniform(low, high);
}

Task make_dwarf_task(const DwarfConfig& config) {
  return {std::make_unique<DwarfKinematics>(config), dwarf_prior(config.anisotropy)};
}

}  // namespace sbi::simulators
