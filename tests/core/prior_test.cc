#include "core/prior.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"

namespace sbi::core {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Simpson's rule for ∫ f over [lo, hi] with n (even) intervals.
template <class F>
double simpson(F f, double lo, double hi, int n) {
  const double h = (hi - lo) / n;
  double s = f(lo) + f(hi);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4.0 : 2.0) * f(lo + i * h);
  return s * h / 3.0;
}

// Message of the Error thrown by `f`, or "" if none is thrown.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Prior, LogProbMatchesClosedForms) {
  // Values from the textbook formulas, evaluated independently in Python:
  // U(-1,3): -log 4; N(1,2²) at 2: -1/8 - log 2 - log√(2π); LogN(0,1) at e: -1/2 - log√(2π) - 1.
  const Prior prior({Marginal::uniform(-1, 3), Marginal::normal(1, 2), Marginal::lognormal(0, 1)});
  EXPECT_EQ(prior.dim(), 3);
  EXPECT_NEAR(prior.log_prob(Eigen::Vector3d(0.5, 2.0, std::exp(1.0))), -5.542318608089181, 1e-14);
  EXPECT_NEAR(Prior({Marginal::uniform(-1, 3)}).log_prob(Eigen::VectorXd::Constant(1, 0.5)),
              -1.3862943611198906, 1e-15);
  EXPECT_NEAR(Prior({Marginal::normal(1, 2)}).log_prob(Eigen::VectorXd::Constant(1, 2.0)),
              -1.737085713764618, 1e-15);
  EXPECT_NEAR(Prior({Marginal::lognormal(0.2, 0.5)}).log_prob(Eigen::VectorXd::Constant(1, 0.7)),
              -0.4888903951243767, 1e-14);
}

TEST(Prior, EachMarginalIntegratesToOne) {
  // Simpson with h ~ 1e-3 of the scale has error ~h^4 ≪ 1e-8; tails beyond 12σ are < 1e-30.
  const auto density = [](const Marginal& m) {
    const Prior p({m});
    return [p](double t) { return std::exp(p.log_prob(Eigen::VectorXd::Constant(1, t))); };
  };
  EXPECT_NEAR(simpson(density(Marginal::uniform(-1, 2)), -1, 2, 1000), 1.0, 1e-12);
  EXPECT_NEAR(simpson(density(Marginal::normal(0.3, 0.7)), 0.3 - 8.4, 0.3 + 8.4, 20000), 1.0, 1e-8);
  // LogNormal in u = log t: ∫ p(t) dt = ∫ p(e^u) e^u du, which also checks the 1/t Jacobian.
  const auto lognormal = density(Marginal::lognormal(0.2, 0.5));
  EXPECT_NEAR(simpson([&](double u) { return lognormal(std::exp(u)) * std::exp(u); }, 0.2 - 6,
                      0.2 + 6, 20000),
              1.0, 1e-8);
}

TEST(Prior, SampleMomentsMatch) {
  // N = 200000 draws. Each check allows 5 standard errors (false alarm ~6e-7 per check):
  // mean: σ/√N; variance: sqrt((μ4 - σ⁴)/N), with μ4 = 3σ⁴ (normal), (b-a)⁴/80 (uniform).
  const int n = 200000;
  const Prior prior(
      {Marginal::uniform(-1, 3), Marginal::normal(1, 2), Marginal::lognormal(0.2, 0.5)});
  Rng rng(42);
  Eigen::MatrixXd s = prior.sample(n, &rng);
  s.row(2) = s.row(2).array().log().matrix();  // log of a LogNormal draw is N(mu, sigma²)
  const double mean[3] = {1.0, 1.0, 0.2};
  const double var[3] = {16.0 / 12.0, 4.0, 0.25};
  const double mu4[3] = {256.0 / 80.0, 3 * 16.0, 3 * 0.0625};
  for (int j = 0; j < 3; ++j) {
    const double m = s.row(j).mean();
    const double v = (s.row(j).array() - m).square().sum() / (n - 1);
    EXPECT_NEAR(m, mean[j], 5 * std::sqrt(var[j] / n)) << "marginal " << j;
    EXPECT_NEAR(v, var[j], 5 * std::sqrt((mu4[j] - var[j] * var[j]) / n)) << "marginal " << j;
  }
  EXPECT_GE(s.row(0).minCoeff(), -1.0);
  EXPECT_LE(s.row(0).maxCoeff(), 3.0);
}

TEST(Prior, SamplingIsReproducible) {
  const Prior prior = Prior::parse("uniform(0,1),normal(0,1)*2,lognormal(0,1)");
  Rng a(7, 3), b(7, 3);
  EXPECT_EQ(prior.sample(50, &a), prior.sample(50, &b));
  Eigen::VectorXd one(4);
  Rng c(7, 3);
  prior.sample(&c, one);
  Rng d(7, 3);
  EXPECT_EQ(one, prior.sample(1, &d).col(0));
}

TEST(Prior, SupportAndBounds) {
  const Prior prior({Marginal::uniform(-1, 3), Marginal::normal(1, 2), Marginal::lognormal(0, 1)});
  EXPECT_EQ(prior.lower(), Eigen::Vector3d(-1, -kInf, 0));
  EXPECT_EQ(prior.upper(), Eigen::Vector3d(3, kInf, kInf));
  EXPECT_TRUE(prior.in_support(Eigen::Vector3d(-1, -1e300, 1e-300)));
  EXPECT_TRUE(prior.in_support(Eigen::Vector3d(3, 5, 1)));
  for (const Eigen::Vector3d& out : {Eigen::Vector3d(3.0000001, 0, 1), Eigen::Vector3d(0, 0, 0),
                                     Eigen::Vector3d(0, 0, -1), Eigen::Vector3d(0, kInf, 1)}) {
    EXPECT_FALSE(prior.in_support(out)) << out.transpose();
    EXPECT_EQ(prior.log_prob(out), -kInf) << out.transpose();
  }
  EXPECT_NE(error_of([&] {
              prior.log_prob(Eigen::Vector3d(0, std::nan(""), 1));
            }).find("Prior::log_prob: theta[1] is NaN"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              prior.log_prob(Eigen::Vector2d(0, 0));
            }).find("theta has 2 entries, expected 3"),
            std::string::npos);
}

TEST(Prior, LogProbBatchEqualsPointwise) {
  const Prior prior = Prior::parse("uniform(-1,1), normal(0,0.5), lognormal(0,1)");
  Eigen::MatrixXd theta(3, 4);
  theta << 0.5, -2, 0.1, 0.9,  //
      0.1, 0.2, -3, 1,         //
      1.0, 2.0, 0.5, -1;
  const Eigen::VectorXd lp = prior.log_prob_batch(theta);
  ASSERT_EQ(lp.size(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(lp[i], prior.log_prob(theta.col(i)));
  EXPECT_EQ(lp[1], -kInf);
  EXPECT_EQ(lp[3], -kInf);
  EXPECT_THROW(prior.log_prob_batch(Eigen::MatrixXd(2, 4)), Error);
}

TEST(Prior, HelpersAndValidation) {
  const Prior box = Prior::box_uniform(Eigen::Vector2d(-1, 0), Eigen::Vector2d(1, 5));
  EXPECT_EQ(box.marginals()[1], Marginal::uniform(0, 5));
  const Prior normal = Prior::normal(Eigen::Vector2d(0, 1), Eigen::Vector2d(0.5, 2));
  EXPECT_EQ(normal.marginals()[1], Marginal::normal(1, 2));
  EXPECT_THROW(Prior::box_uniform(Eigen::Vector2d(-1, 0), Eigen::Vector3d(1, 1, 1)), Error);
  EXPECT_NE(error_of([] { Prior({Marginal::uniform(1, 1)}); }).find("low must be < high"),
            std::string::npos);
  EXPECT_NE(error_of([] { Prior({Marginal::normal(0, 0)}); }).find("std must be > 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { Prior({Marginal::lognormal(0, -1)}); }).find("sigma must be > 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { Prior({Marginal::normal(kInf, 1)}); }).find("finite"), std::string::npos);
  EXPECT_THROW(Prior(std::vector<Marginal>{}), Error);
}

TEST(Prior, ParsesSpecWithRepeatsAndWhitespace) {
  const Prior prior = Prior::parse(" uniform( -1 , 1 ) * 2 ,normal(0,0.5),\tlognormal(0,1e0) ");
  ASSERT_EQ(prior.dim(), 4);
  EXPECT_EQ(prior.marginals()[0], Marginal::uniform(-1, 1));
  EXPECT_EQ(prior.marginals()[1], Marginal::uniform(-1, 1));
  EXPECT_EQ(prior.marginals()[2], Marginal::normal(0, 0.5));
  EXPECT_EQ(prior.marginals()[3], Marginal::lognormal(0, 1));
  EXPECT_EQ(prior.to_string(), "uniform(-1,1)*2,normal(0,0.5),lognormal(0,1)");
}

TEST(Prior, ParseErrorsNameTheBadToken) {
  const std::pair<const char*, const char*> cases[] = {
      {"gauss(0,1)", "unknown distribution (expected uniform, normal, lognormal, loguniform or truncnormal) 'gauss'"},
      {"uniform(0,abc)", "bad number 'abc' at position 10"},
      {"uniform(0,nan)", "bad number 'nan'"},
      {"uniform(0 1)", "expected ',', found '1'"},
      {"uniform(0,1", "expected ')', found '<end>'"},
      {"uniform(1,0)", "low must be < high in 'uniform(1,0)' at position 0"},
      {"normal(0,-1)", "std must be > 0"},
      {"normal(0,1)*0", "bad repeat count (expected an integer 1..1000000) '0'"},
      {"normal(0,1)*x", "bad repeat count (expected an integer 1..1000000) 'x'"},
      {"normal(0,1),", "unknown distribution (expected uniform, normal, lognormal, loguniform or truncnormal) '<end>'"},
      {"normal(0,1) normal(0,1)", "expected ',' or end of spec, found 'normal' at position 12"},
      {"", "'<end>' at position 0"},
  };
  for (const auto& [spec, expected] : cases) {
    const std::string& text = spec;  // C++17 lambdas cannot capture structured bindings (clang)
    const std::string message = error_of([&] { Prior::parse(text); });
    EXPECT_NE(message.find(std::string("Prior::parse: ")), std::string::npos) << spec;
    EXPECT_NE(message.find(expected), std::string::npos) << spec << " -> " << message;
  }
}

TEST(Prior, ToStringRoundTripsExactly) {
  const Prior prior({Marginal::uniform(0.1, 1.0 / 3.0), Marginal::uniform(0.1, 1.0 / 3.0),
                     Marginal::normal(-1e-300, 1e300), Marginal::normal(-0.0, 2.0 / 3.0),
                     Marginal::normal(0.0, 2.0 / 3.0), Marginal::lognormal(std::exp(1.0), 0.1),
                     Marginal::uniform(-5e-324, 4.9406564584124654e-324)});
  const Prior back = Prior::parse(prior.to_string());
  ASSERT_EQ(back.dim(), prior.dim()) << prior.to_string();
  for (int j = 0; j < prior.dim(); ++j) {
    EXPECT_EQ(back.marginals()[j], prior.marginals()[j]) << j;
    EXPECT_EQ(std::signbit(back.marginals()[j].a), std::signbit(prior.marginals()[j].a)) << j;
  }
  EXPECT_EQ(back.to_string(), prior.to_string());
  EXPECT_EQ(prior.to_string().find("uniform(0.1,0.3333333333333333)*2,"), 0u) << prior.to_string();
}

}  // namespace
}  // namespace sbi::core
