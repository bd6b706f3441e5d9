// The AVX-512 builds of the ray-tracing kernels (simulators/lensing/detail/kernels_avx512.h)
// against the portable ones: the same source inlined into functions built for another vector
// width, element by element the same operations, so the same bits. Skipped on CPUs without
// AVX-512, where only the portable kernels run.
#include "simulators/lensing/detail/kernels_avx512.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/cpu_features.h"
#include "core/prior.h"
#include "core/rng.h"
#include "simulators/lensing.h"
#include "simulators/lensing/sersic.h"
#include "simulators/lensing/sie.h"

namespace sbi::simulators::lensing {
namespace {

class WideKernels : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!core::cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
    saved_ = detail::wide_kernels_enabled();
  }
  void TearDown() override { detail::set_wide_kernels_enabled(saved_); }

  // f() with the portable kernels, then with the AVX-512 ones.
  template <class F>
  static std::pair<std::vector<double>, std::vector<double>> both(F f) {
    detail::set_wide_kernels_enabled(false);
    EXPECT_FALSE(detail::wide_kernels_enabled());
    std::vector<double> portable = f();
    detail::set_wide_kernels_enabled(true);
    EXPECT_TRUE(detail::wide_kernels_enabled());
    std::vector<double> wide = f();
    return {portable, wide};
  }

  bool saved_ = false;
};

void expect_same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  ASSERT_EQ(a.size(), b.size());
  std::size_t differ = 0, first = a.size();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(double)) != 0) {
      if (first == a.size()) first = i;
      ++differ;
    }
  EXPECT_EQ(differ, 0u) << "first at " << first << ": " << a[first] << " vs " << b[first];
}

// Rays on a grid through the centre (x = y = 0 included) and at random positions, a count
// that is no multiple of 8 or of the kernels' 512-ray blocks.
void rays(std::vector<double>* x, std::vector<double>* y) {
  for (int i = -20; i <= 20; ++i)
    for (int j = -20; j <= 20; ++j) {
      x->push_back(0.13 * i);
      y->push_back(0.07 * j);
    }
  core::Rng rng(7);
  for (int i = 0; i < 1500; ++i) {
    x->push_back(6 * rng.uniform() - 3);
    y->push_back(6 * rng.uniform() - 3);
  }
}

TEST_F(WideKernels, SieDeflectionHasTheSameBits) {
  std::vector<double> x, y;
  rays(&x, &y);
  const int n = static_cast<int>(x.size());
  // q = 0.7 takes atan and atanh, q = 0.99999 the series in ε², q = 1 the SIS.
  for (double q : {0.3, 0.7, 0.99999, 1.0}) {
    const Sie sie(1.2, q, 0.4, 0.05, -0.03);
    const auto [portable, wide] = both([&] {
      std::vector<double> a(2 * x.size(), 0.25);
      sie.add_deflection(n, x.data(), y.data(), a.data(), a.data() + n);
      return a;
    });
    SCOPED_TRACE(q);
    expect_same_bits(portable, wide);
  }
}

TEST_F(WideKernels, SersicBrightnessHasTheSameBits) {
  std::vector<double> x, y;
  rays(&x, &y);
  for (double index : {0.5, 1.0, 4.0, 7.3}) {
    const Sersic source(2.5, 0.35, index, 0.6, 1.1, 0.02, -0.1);
    const auto [portable, wide] = both([&] {
      std::vector<double> out(x.size());
      source.brightness(static_cast<int>(x.size()), x.data(), y.data(), out.data());
      return out;
    });
    SCOPED_TRACE(index);
    expect_same_bits(portable, wide);
  }
}

// The whole simulator (ray tracing, PSF, noise) at prior draws: the same images bit for bit.
TEST_F(WideKernels, SimulatedImagesHaveTheSameBits) {
  const StrongLensing sim;
  const core::Prior prior = lensing_prior();
  core::Rng draws(11);
  for (int k = 0; k < 20; ++k) {
    Eigen::VectorXd theta(prior.dim());
    prior.sample(&draws, theta);
    const auto [portable, wide] = both([&] {
      core::Rng rng(100 + k);
      Eigen::VectorXd image(sim.x_dim());
      sim.simulate(theta, &rng, image);
      return std::vector<double>(image.data(), image.data() + image.size());
    });
    SCOPED_TRACE(k);
    expect_same_bits(portable, wide);
  }
}

}  // namespace
}  // namespace sbi::simulators::lensing
