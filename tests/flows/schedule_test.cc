// Gaussian path schedules: boundary values in the t = 0 noise / t = 1 data convention,
// derivatives against finite differences, and the VP schedule against its source formula
// (Song et al. 2021) integrated independently.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "flows/schedule.h"
#include "nn/gradient_check.h"

namespace sbi::flows {
namespace {

ScheduleOptions vp_options() {
  ScheduleOptions o;
  o.kind = ScheduleKind::kVariancePreserving;
  return o;
}

ScheduleOptions options_of(ScheduleKind kind) {
  ScheduleOptions o;
  o.kind = kind;
  return o;
}

const ScheduleKind kSdeKinds[] = {ScheduleKind::kVariancePreserving,
                                  ScheduleKind::kSubVariancePreserving,
                                  ScheduleKind::kVarianceExploding};

TEST(Schedule, OptimalTransportBoundaryValues) {
  ScheduleOptions o;
  o.sigma_min = 1e-3;
  const Schedule s(o);
  const PathCoefficients at0 = s.at(0.0), at1 = s.at(1.0);
  // Exact in floating point: α_t = t and β_t = 1 - (1 - σ_min) t at t = 0 and 1.
  EXPECT_EQ(at0.alpha, 0.0);
  EXPECT_EQ(at0.beta, 1.0);
  EXPECT_EQ(at1.alpha, 1.0);
  EXPECT_NEAR(at1.beta, 1e-3, 1e-15);
  EXPECT_EQ(at1.d_alpha, 1.0);
  EXPECT_NEAR(at1.d_beta, -(1.0 - 1e-3), 1e-15);
  // The straight path at t = 0.25.
  EXPECT_NEAR(s.at(0.25).beta, 1.0 - 0.999 * 0.25, 1e-15);
}

TEST(Schedule, VariancePreservingBoundaryValues) {
  const ScheduleOptions o = vp_options();
  const Schedule s(o);
  const PathCoefficients at0 = s.at(0.0), at1 = s.at(1.0);
  // t = 0 is SDE time s = 1: α_0 = exp(-T(1)/2), T(1) = (β_min + β_max) / 2 = 10.05.
  EXPECT_NEAR(at0.alpha, std::exp(-0.5 * 10.05), 1e-15);
  EXPECT_LT(at0.alpha, 7e-3);
  EXPECT_NEAR(at0.beta, 1.0, 3e-5);  // sqrt(1 - α_0^2) = 1 - 2.2e-5
  // t = 1 is s = s_min = 1e-5: T ≈ β_min s_min = 1e-6 (the quadratic term is 1e-9), so
  // α_1 = 1 - 5e-7 and β_1 = sqrt(1 - e^{-T}) = 1.0005e-3, σ_min's 1e-3 to relative 5e-4.
  EXPECT_NEAR(at1.alpha, 1.0, 1e-6);
  EXPECT_NEAR(at1.beta, 1e-3, 1e-6);
}

TEST(Schedule, VariancePreservingKeepsUnitVariance) {
  const Schedule s(vp_options());
  for (double t = 0.0; t <= 1.0; t += 0.05) {
    const PathCoefficients c = s.at(t);
    EXPECT_NEAR(c.alpha * c.alpha + c.beta * c.beta, 1.0, 1e-14) << "t = " << t;
    // Differentiating α^2 + β^2 = 1: α α' + β β' = 0.
    EXPECT_NEAR(c.alpha * c.d_alpha + c.beta * c.d_beta, 0.0, 1e-12) << "t = " << t;
  }
}

TEST(Schedule, VariancePreservingMatchesSongEtAlWithReversedTime) {
  // Song et al. 2021 (App. B): the VP kernel mean coefficient is exp(-½ ∫_0^s β(r) dr) with
  // β(r) = β_min + r (β_max - β_min). Integrate β by the composite Simpson rule (exact for
  // a linear integrand up to rounding) at s = 1 - (1 - s_min) t, independently of the
  // closed-form T(s) in schedule.cc.
  const ScheduleOptions o = vp_options();
  const Schedule s(o);
  for (double t : {0.0, 0.1, 0.37, 0.5, 0.8, 0.999, 1.0}) {
    const double sde_time = 1.0 - (1.0 - o.vp_s_min) * t;
    const int m = 100;
    const double h = sde_time / m;
    double integral = 0.0;
    for (int i = 0; i <= m; ++i) {
      const double w = (i == 0 || i == m) ? 1.0 : (i % 2 ? 4.0 : 2.0);
      integral += w * (o.vp_beta_min + i * h * (o.vp_beta_max - o.vp_beta_min));
    }
    integral *= h / 3.0;
    const double alpha = std::exp(-0.5 * integral);
    EXPECT_NEAR(s.at(t).alpha, alpha, 1e-13) << "t = " << t;
    EXPECT_NEAR(s.at(t).beta, std::sqrt(1.0 - alpha * alpha), 1e-9) << "t = " << t;
  }
}

TEST(Schedule, DerivativesMatchFiniteDifferences) {
  // Six-point differences with h = 1e-4 are accurate to O(h^6 f^(7)); the VP β_t behaves
  // like sqrt(1 - t) near t = 1, so t stops at 0.99 where (h / (1 - t))^6 = 1e-12.
  for (const ScheduleOptions& o : {ScheduleOptions{}, vp_options(),
                                   options_of(ScheduleKind::kSubVariancePreserving),
                                   options_of(ScheduleKind::kVarianceExploding)}) {
    const Schedule s(o);
    for (double t : {0.05, 0.3, 0.5, 0.77, 0.95, 0.99}) {
      const nn::Vector x = nn::Vector::Constant(1, t);
      auto alpha = [&](const nn::Vector& v) { return s.at(v(0)).alpha; };
      auto beta = [&](const nn::Vector& v) { return s.at(v(0)).beta; };
      const PathCoefficients c = s.at(t);
      nn::GradientCheckResult r = nn::check_gradient(alpha, x, nn::Vector::Constant(1, c.d_alpha), 1e-8, 1e-4);
      EXPECT_TRUE(r.ok) << schedule_kind_name(o.kind) << " alpha at t = " << t << ": " << r.message;
      r = nn::check_gradient(beta, x, nn::Vector::Constant(1, c.d_beta), 1e-8, 1e-4);
      EXPECT_TRUE(r.ok) << schedule_kind_name(o.kind) << " beta at t = " << t << ": " << r.message;
    }
  }
}

TEST(Schedule, NamesRoundTripAndBadOptionsAreNamed) {
  for (ScheduleKind k : {ScheduleKind::kOptimalTransport, ScheduleKind::kVariancePreserving,
                         ScheduleKind::kSubVariancePreserving, ScheduleKind::kVarianceExploding})
    EXPECT_EQ(parse_schedule_kind(schedule_kind_name(k)), k);
  EXPECT_THROW(parse_schedule_kind("edm"), core::Error);
  ScheduleOptions o;
  o.sigma_min = 1.0;
  std::string error;
  EXPECT_FALSE(o.is_valid(&error));
  EXPECT_NE(error.find("sigma_min"), std::string::npos) << error;
  o = vp_options();
  o.vp_beta_max = 0.01;
  EXPECT_FALSE(o.is_valid(&error));
  EXPECT_NE(error.find("vp_beta_max"), std::string::npos) << error;
  EXPECT_THROW(Schedule{o}, core::Error);
  o = options_of(ScheduleKind::kVarianceExploding);
  o.ve_sigma_max = o.ve_sigma_min;
  EXPECT_FALSE(o.is_valid(&error));
  EXPECT_NE(error.find("ve_sigma_max"), std::string::npos) << error;
  // The OT path is not an SDE's: it has no drift at t = 0 (α_0 = 0).
  EXPECT_THROW(Schedule{ScheduleOptions{}}.sde(0.5), core::Error);
}

TEST(Schedule, SubVpAndVeMatchSongEtAlKernels) {
  // Song et al. 2021, App. B: sub-VP kernel N(x e^{-T/2}, (1 - e^{-T})^2), VE kernel
  // N(x, σ_min^2 (σ_max/σ_min)^{2s}), at SDE times s = 1 - (1 - s_min) t and s = 1 - t.
  const Schedule sub(options_of(ScheduleKind::kSubVariancePreserving));
  const Schedule ve(options_of(ScheduleKind::kVarianceExploding));
  for (double t : {0.0, 0.2, 0.6, 0.999}) {
    const double s = 1.0 - (1.0 - 1e-5) * t;
    const double big_t = 0.1 * s + 0.5 * (20.0 - 0.1) * s * s;
    EXPECT_NEAR(sub.at(t).alpha, std::exp(-0.5 * big_t), 1e-14);
    EXPECT_NEAR(sub.at(t).beta, 1.0 - std::exp(-big_t), 1e-14);
    EXPECT_EQ(ve.at(t).alpha, 1.0);
    EXPECT_NEAR(ve.at(t).beta, 0.01 * std::pow(20.0 / 0.01, 1.0 - t), 1e-12 * ve.at(t).beta);
  }
  // Sub-VP's std is below VP's everywhere inside (0, 1) (Song et al. 2021, Sec. 3.4).
  const Schedule vp(vp_options());
  for (double t : {0.1, 0.5, 0.9}) EXPECT_LT(sub.at(t).beta, vp.at(t).beta);
  EXPECT_DOUBLE_EQ(vp.base_std(), 1.0);
  EXPECT_NEAR(sub.base_std(), 1.0, 1e-4);
  EXPECT_NEAR(ve.base_std(), std::sqrt(401.0), 1e-12);
}

TEST(Schedule, SdeCoefficientsCarryTheMarginalVariance) {
  // The SDE dx = f x dt + g dW run from t = 1 to 0 carries data of variance v_1 = σ^2 to
  // v_t = α_t^2 σ^2 + β_t^2 exactly when dv/dt = 2 f v - g^2 (the moment equation of a linear
  // SDE run backward in t), for every σ: so f and g^2 are checked against α and β.
  // Central differences with h = 1e-6: error O(h^2 v''') ~ 1e-10 relative away from t = 1.
  for (ScheduleKind kind : kSdeKinds) {
    const Schedule s(options_of(kind));
    for (double sigma : {0.3, 1.0, 2.5})
      for (double t : {0.02, 0.3, 0.7, 0.95}) {
        auto variance = [&](double u) {
          const PathCoefficients c = s.at(u);
          return c.alpha * c.alpha * sigma * sigma + c.beta * c.beta;
        };
        const double h = 1e-6;
        const double dv = (variance(t + h) - variance(t - h)) / (2 * h);
        const Schedule::Sde sde = s.sde(t);
        EXPECT_NEAR(dv, 2 * sde.drift * variance(t) - sde.diffusion_sq, 1e-6 * (1 + std::abs(dv)))
            << schedule_kind_name(kind) << " sigma " << sigma << " t " << t;
        EXPECT_GT(sde.diffusion_sq, 0.0);
        // dλ/dt = g^2 / β^2, the likelihood weight.
        const double dlambda = (s.log_snr(t + h) - s.log_snr(t - h)) / (2 * h);
        EXPECT_NEAR(dlambda, sde.diffusion_sq / (s.at(t).beta * s.at(t).beta), 1e-6 * dlambda);
      }
  }
}

TEST(Schedule, TimeOfLogSnrInvertsLogSnr) {
  for (ScheduleKind kind : kSdeKinds) {
    const Schedule s(options_of(kind));
    for (double t : {0.0, 1e-4, 0.25, 0.5, 0.9, 0.9999, 1.0})
      EXPECT_NEAR(s.time_of_log_snr(s.log_snr(t)), t, 1e-12) << schedule_kind_name(kind);
    EXPECT_EQ(s.time_of_log_snr(s.log_snr(0.0) - 5), 0.0);
    EXPECT_EQ(s.time_of_log_snr(s.log_snr(1.0) + 5), 1.0);
  }
}

}  // namespace
}  // namespace sbi::flows
