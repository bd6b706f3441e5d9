// Prior specs the fuzzer (fuzz/prior_fuzz.cc) found: parameters that parse but whose draws
// overflow to inf or underflow to 0, outside the support. They are refused with a message
// naming the marginal; priors near the limits are still accepted and draw inside the support.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "core/error.h"
#include "core/prior.h"
#include "core/rng.h"

namespace sbi::core {
namespace {

std::string parse_error(const std::string& spec) {
  try {
    Prior::parse(spec);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected core::Error for " << spec;
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PriorHostile, LogNormalWhoseDrawsOverflowIsRefused) {
  // Found by fuzz_prior: every draw was exp(7.8e72) = inf.
  const std::string m = parse_error("normal(1,0.77777777776),lognormal(7777777777777777777777777777777777777777777777777777777777777777777777770,1)");
  EXPECT_TRUE(contains(m, "|mu| + 10 sigma must be < 700 in 'lognormal(")) << m;
  EXPECT_TRUE(contains(m, "at position 24")) << m;
  // Draws of exp(-1000 +- ...) are 0, outside the support (0, inf).
  EXPECT_TRUE(contains(parse_error("lognormal(0,100)"), "|mu| + 10 sigma must be < 700")) << "";
}

TEST(PriorHostile, UniformOfInfiniteWidthIsRefused) {
  const std::string m = parse_error("uniform(-1e308,1e308)");
  EXPECT_TRUE(contains(m, "high - low must be finite")) << m;
}

TEST(PriorHostile, NormalWhoseDrawsOverflowIsRefused) {
  const std::string m = parse_error("normal(0,1e308)");
  EXPECT_TRUE(contains(m, "|mean| + 10 std must be finite")) << m;
  EXPECT_THROW(Prior({Marginal::normal(1.7e308, 1e307)}), Error);
}

TEST(PriorHostile, PriorsNearTheLimitsDrawInsideTheSupport) {
  const Prior prior = Prior::parse("uniform(-8e307,8e307),normal(0,1e306),lognormal(-600,9.9)");
  Rng rng(3, 0);
  const Eigen::MatrixXd draws = prior.sample(1000, &rng);
  for (Eigen::Index j = 0; j < draws.cols(); ++j) {
    ASSERT_TRUE(prior.in_support(draws.col(j))) << draws.col(j).transpose();
    ASSERT_GT(prior.log_prob(draws.col(j)), -std::numeric_limits<double>::infinity());
  }
}

}  // namespace
}  // namespace sbi::core
