// The branch-free exp, exp2, log, atan, atanh and rsqrt of simulators/lensing/vector_math.h against
// the C library, evaluated in vectorised loops as the ray tracer calls them.
#include "simulators/lensing/vector_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace sbi::simulators::lensing {
namespace {

// Tolerances. Cephes documents peak relative errors of 2.2e-16 (exp on ±708, log, atan; IEEE
// doubles; exp2: 1.8e-16 on [-1022, 1024]), and the C library's results are themselves within
// half an ulp (1.1e-16) of the truth: 4e-16 bounds the difference. atanh: ln(w)/2 with w = (1 + x)/(1 - x) rounded three
// times (3 x 1.1e-16 relative) is off by 1.7e-16 absolute, 1.7e-15 relative at the switch
// |x| = 0.1 where atanh = 0.1003; plus log's own 2e-16: 2e-15. rsqrt: four Newton steps leave
// 4e-11² (negligible) plus the rounding of the last step's three operations: 4e-16.
constexpr double kTol = 4e-16;
constexpr double kAtanhTol = 2e-15;

// The largest relative error of f against reference over `points`, f inlined in a simd loop.
template <class F, class Reference>
double max_relative_error(const std::vector<double>& points, F f, Reference reference) {
  std::vector<double> out(points.size());
  const int n = static_cast<int>(points.size());
  const double* in = points.data();
  double* o = out.data();
#pragma omp simd
  for (int i = 0; i < n; ++i) o[i] = f(in[i]);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    const double want = reference(points[i]);
    const double error = std::fabs(out[i] - want) / std::fabs(want);
    if (!(error <= worst)) worst = error;  // a NaN sticks
  }
  return worst;
}

std::vector<double> linear(double lo, double hi, int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = lo + (hi - lo) * (i + 0.5) / n;
  return v;
}

std::vector<double> logarithmic(double lo, double hi, int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i)
    v[i] = std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * (i + 0.5) / n);
  return v;
}

TEST(LensVectorMath, ExpMatchesTheCLibrary) {
  EXPECT_LT(max_relative_error(
                linear(-708, 709, 1000003), [](double x) { return vmath::exp(x); },
                [](double x) { return std::exp(x); }),
            kTol);
  EXPECT_LT(max_relative_error(
                linear(-1, 1, 100003), [](double x) { return vmath::exp(x); },
                [](double x) { return std::exp(x); }),
            kTol);
  EXPECT_EQ(vmath::exp(0.0), 1.0);
  EXPECT_EQ(vmath::exp(-800.0), 0.0);  // flushed below -708
  EXPECT_EQ(vmath::exp(1000.0), vmath::exp(709.0));
  EXPECT_TRUE(std::isnan(vmath::exp(std::nan(""))));
}

TEST(LensVectorMath, Exp2MatchesTheCLibrary) {
  EXPECT_LT(max_relative_error(
                linear(-1022, 1023, 1000003), [](double x) { return vmath::exp2(x); },
                [](double x) { return std::exp2(x); }),
            kTol);
  EXPECT_LT(max_relative_error(
                linear(-1, 1, 100003), [](double x) { return vmath::exp2(x); },
                [](double x) { return std::exp2(x); }),
            kTol);
  EXPECT_EQ(vmath::exp2(0.0), 1.0);
  EXPECT_EQ(vmath::exp2(10.0), 1024.0);  // integers are exact: r = 0
  EXPECT_EQ(vmath::exp2(-1100.0), 0.0);  // flushed below -1022
  EXPECT_EQ(vmath::exp2(2000.0), vmath::exp2(1023.0));
  EXPECT_TRUE(std::isnan(vmath::exp2(std::nan(""))));
}

TEST(LensVectorMath, LogMatchesTheCLibrary) {
  EXPECT_LT(max_relative_error(
                logarithmic(1e-300, 1e300, 1000003), [](double x) { return vmath::log(x); },
                [](double x) { return std::log(x); }),
            kTol);
  // Near 1, where ln x -> 0 and relative accuracy needs the f - f²/2 form.
  EXPECT_LT(max_relative_error(
                linear(0.5, 2, 100000), [](double x) { return vmath::log(x); },
                [](double x) { return std::log(x); }),
            kTol);
  EXPECT_EQ(vmath::log(1.0), 0.0);
  EXPECT_NEAR(vmath::log(0.0), -1023 * std::log(2.0), 1e-12);  // documented: finite, no clamp
}

TEST(LensVectorMath, AtanMatchesTheCLibrary) {
  // Across the three reduction ranges (0.66 and tan(3π/8) = 2.414) and far beyond.
  EXPECT_LT(max_relative_error(
                linear(-50, 50, 1000000), [](double x) { return vmath::atan(x); },
                [](double x) { return std::atan(x); }),
            kTol);
  EXPECT_LT(max_relative_error(
                logarithmic(1e-12, 1e12, 100003), [](double x) { return vmath::atan(x); },
                [](double x) { return std::atan(x); }),
            kTol);
  EXPECT_EQ(vmath::atan(0.0), 0.0);
}

TEST(LensVectorMath, AtanhMatchesTheCLibrary) {
  EXPECT_LT(max_relative_error(
                linear(-0.999999, 0.999999, 1000000), [](double x) { return vmath::atanh(x); },
                [](double x) { return std::atanh(x); }),
            kAtanhTol);
  // Small arguments (the series branch) keep full relative precision.
  EXPECT_LT(max_relative_error(
                logarithmic(1e-14, 0.1, 100003), [](double x) { return vmath::atanh(x); },
                [](double x) { return std::atanh(x); }),
            kTol);
  EXPECT_EQ(vmath::atanh(0.0), 0.0);
}

TEST(LensVectorMath, RsqrtMatchesTheCLibrary) {
  EXPECT_LT(max_relative_error(
                logarithmic(1e-300, 1e300, 1000003), [](double x) { return vmath::rsqrt(x); },
                [](double x) { return 1 / std::sqrt(x); }),
            kTol);
  EXPECT_LT(max_relative_error(
                linear(0.25, 4, 100003), [](double x) { return vmath::rsqrt(x); },
                [](double x) { return 1 / std::sqrt(x); }),
            kTol);
  EXPECT_TRUE(std::isfinite(vmath::rsqrt(0.0)));
  EXPECT_EQ(0.0 * vmath::rsqrt(0.0), 0.0);
}

}  // namespace
}  // namespace sbi::simulators::lensing
