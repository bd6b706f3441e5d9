// loguniform and truncnormal marginals: normalisation, closed-form moments, sampling.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "core/prior.h"

namespace sbi::core {
namespace {

// Simpson's rule for ∫ f over [lo, hi] with n (even) intervals.
template <class F>
double simpson(F f, double lo, double hi, int n) {
  const double h = (hi - lo) / n;
  double s = f(lo) + f(hi);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4.0 : 2.0) * f(lo + i * h);
  return s * h / 3.0;
}

double density(const Marginal& m, double t) {
  return std::exp(Prior({m}).log_prob(Eigen::VectorXd::Constant(1, t)));
}

// ∫ t^k p(t) dt over the support [lo, hi] (k = 0: the normalisation), by Simpson with 20000
// intervals: h is at most 5e-4 of the scales below, so the error (~h^4) is far below 1e-10.
double moment(const Marginal& m, int k, double lo, double hi) {
  return simpson([&](double t) { return std::pow(t, k) * density(m, t); }, lo, hi, 20000);
}

struct Case {
  Marginal m;
  double lo, hi;  // the support
};

std::vector<Case> cases() {
  return {{Marginal::loguniform(0.1, 10), 0.1, 10},
          {Marginal::truncnormal(0.5, 1.2, -1, 2), -1, 2},
          {Marginal::truncnormal(0, 1, 3, 6), 3, 6},         // upper tail, mass 1.3e-3
          {Marginal::truncnormal(1, 2, -9, -4), -9, -4}};    // lower tail
}

TEST(PriorBounded, LogDensityIsNormalised) {
  const Marginal lu = Marginal::loguniform(0.1, 10);
  EXPECT_NEAR(density(lu, 2.0), 1 / (2.0 * std::log(100.0)), 1e-15);
  for (const Case& c : cases()) {
    SCOPED_TRACE(marginal_kind_name(c.m.kind));
    EXPECT_NEAR(moment(c.m, 0, c.lo, c.hi), 1.0, 1e-10);
    EXPECT_EQ(density(c.m, c.lo - 1e-9), 0.0);
    EXPECT_EQ(density(c.m, c.hi + 1e-9), 0.0);
  }
  // The truncated normal's density is the normal's divided by the interval's mass.
  const Marginal tn = Marginal::truncnormal(0.5, 1.2, -1, 2);
  const double z = 0.5 * (std::erf((2 - 0.5) / 1.2 / std::sqrt(2.0)) -
                          std::erf((-1 - 0.5) / 1.2 / std::sqrt(2.0)));
  EXPECT_NEAR(density(tn, 0.0), std::exp(-0.5 * (0.5 / 1.2) * (0.5 / 1.2)) /
                                    (1.2 * std::sqrt(2 * M_PI) * z), 1e-14);
}

TEST(PriorBounded, ClosedFormMomentsMatchTheDensity) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(marginal_kind_name(c.m.kind));
    const Prior p({c.m});
    const double mean = moment(c.m, 1, c.lo, c.hi);
    const double var = moment(c.m, 2, c.lo, c.hi) - mean * mean;
    EXPECT_NEAR(p.mean()[0], mean, 1e-9 * (c.hi - c.lo));
    EXPECT_NEAR(p.stddev()[0], std::sqrt(var), 1e-7 * (c.hi - c.lo));
  }
}

TEST(PriorBounded, SampleMomentsMatch) {
  // N = 200000 draws per marginal; each check allows 5 standard errors (false alarm ~6e-7):
  // mean σ/√N, variance sqrt((μ4 - σ⁴)/N), with μ4 the fourth central moment integrated
  // from the density.
  const int n = 200000;
  for (const Case& c : cases()) {
    SCOPED_TRACE(marginal_kind_name(c.m.kind));
    const Prior p({c.m});
    Rng rng(11);
    const Eigen::VectorXd s = p.sample(n, &rng).row(0).transpose();
    EXPECT_GE(s.minCoeff(), c.lo);
    EXPECT_LE(s.maxCoeff(), c.hi);
    const double mu = p.mean()[0], var = p.stddev()[0] * p.stddev()[0];
    const double mu4 = simpson([&](double t) { return std::pow(t - mu, 4) * density(c.m, t); },
                               c.lo, c.hi, 20000);
    const double m = s.mean();
    const double v = (s.array() - m).square().sum() / (n - 1);
    EXPECT_NEAR(m, mu, 5 * std::sqrt(var / n));
    EXPECT_NEAR(v, var, 5 * std::sqrt((mu4 - var * var) / n));
  }
}

TEST(PriorBounded, SpecSupportAndValidation) {
  const Prior p = Prior::parse("loguniform(0.1, 10), truncnormal(0, 1, -1, 2)*2");
  EXPECT_EQ(p.to_string(), "loguniform(0.1,10),truncnormal(0,1,-1,2)*2");
  EXPECT_EQ(Prior::parse(p.to_string()).marginals(), p.marginals());
  EXPECT_EQ(p.lower(), Eigen::Vector3d(0.1, -1, -1));
  EXPECT_EQ(p.upper(), Eigen::Vector3d(10, 2, 2));
  EXPECT_TRUE(p.in_support(Eigen::Vector3d(0.1, 2, -1)));
  EXPECT_FALSE(p.in_support(Eigen::Vector3d(0.09, 0, 0)));
  auto error_of = [](const std::string& spec) {
    try {
      Prior::parse(spec);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("loguniform(0,1)").find("low must be > 0"), std::string::npos);
  EXPECT_NE(error_of("loguniform(2,1)").find("low must be < high"), std::string::npos);
  EXPECT_NE(error_of("truncnormal(0,1,2,1)").find("low must be < high"), std::string::npos);
  EXPECT_NE(error_of("truncnormal(0,1,20,30)").find("less than 1e-12"), std::string::npos);
  EXPECT_NE(error_of("truncnormal(0,1)").find("expected ','"), std::string::npos);
  EXPECT_NE(error_of("gamma(1,1)").find("loguniform or truncnormal"), std::string::npos);
}

}  // namespace
}  // namespace sbi::core
