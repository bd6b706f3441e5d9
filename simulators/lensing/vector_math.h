// Branch-free exp, exp2, log, atan, atanh and 1/sqrt in double precision, for loops the
// compiler vectorises (`#pragma omp simd`). Ray tracing evaluates them for every ray (an SIE
// deflection needs an atan and an atanh, a Sérsic profile a log and two exp2s), and glibc's
// scalar calls cost about ten times more than these kernels on 8-wide AVX-512.
//
// The range reductions and rational approximations are those of Cephes (S. L. Moshier,
// "Methods and Programs for Mathematical Functions", 1989: exp.c, exp2.c, log.c, atan.c),
// written with selects instead of branches. Measured against the C library in
// tests/simulators/lensing_vector_math_test.cc: relative errors below 4e-16 for exp, exp2, log,
// atan and rsqrt, and below 2e-15 for atanh (see atanh below).
#pragma once

#include <cmath>
#include <cstdint>

namespace sbi::simulators::lensing::vmath {

// Bit casts (std::bit_cast of C++20; GCC and Clang provide the builtin in C++17). memcpy
// would do the same but keeps GCC 12 from vectorising the loops.
inline double from_bits(std::uint64_t b) { return __builtin_bit_cast(double, b); }
inline std::uint64_t to_bits(double d) { return __builtin_bit_cast(std::uint64_t, d); }

// e^x. Arguments above 709 are taken as 709 (e^709 ~ 8e307); below -708 the result is 0
// (instead of a subnormal); NaN gives NaN. Cephes exp.c: x = k ln 2 + r, |r| <= ln(2)/2,
// with ln 2 split in two parts so that k ln 2 is exact, then
// e^r = 1 + 2 r P(r²) / (Q(r²) - r P(r²)).
inline double exp(double x) {
  double xc = x > 709.0 ? 709.0 : x;  // (comparisons, not fmin/fmax: GCC vectorises these)
  xc = xc < -708.0 ? -708.0 : xc;
  // k = round(x / ln 2) by the 1.5 2^52 trick: adding it leaves k in the low mantissa bits.
  const double shifter = 6755399441055744.0;
  const double shifted = xc * 1.4426950408889634073599 + shifter;
  const double k = shifted - shifter;
  double r = xc - k * 6.93145751953125e-1;
  r = r - k * 1.42860682030941723212e-6;
  const double rr = r * r;
  const double p =
      r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr +
           9.99999999999999999910e-1);
  const double q = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr +
                    2.27265548208155028766e-1) * rr + 2.00000000000000000009e0;
  const double er = 1.0 + 2.0 * p / (q - p);
  // 2^k from its bit pattern: k in [-1021, 1023] after the clamp, a normal number.
  const std::uint64_t k_bits = to_bits(shifted) - to_bits(shifter);
  const double two_k = from_bits((k_bits + 1023) << 52);
  return x < -708.0 ? 0.0 : er * two_k;
}

// 2^x. Arguments above 1023 are taken as 1023; below -1022 the result is 0 (instead of a
// subnormal); NaN gives NaN. Cephes exp2.c: x = k + r, |r| <= 1/2, the reduction exact (no
// ln 2 to split, which makes it ~15% cheaper than exp), then
// 2^r = 1 + 2 r P(r²) / (Q(r²) - r P(r²)).
inline double exp2(double x) {
  double xc = x > 1023.0 ? 1023.0 : x;
  xc = xc < -1022.0 ? -1022.0 : xc;
  const double shifter = 6755399441055744.0;  // k = round(x), as in exp
  const double shifted = xc + shifter;
  const double k = shifted - shifter;
  const double r = xc - k;
  const double rr = r * r;
  const double p =
      r * ((2.30933477057345225087e-2 * rr + 2.02020656693165307700e1) * rr +
           1.51390680115615096133e3);
  const double q = (rr + 2.33184211722314911771e2) * rr + 4.36821166879210612817e3;
  const double er = 1.0 + 2.0 * p / (q - p);
  const std::uint64_t k_bits = to_bits(shifted) - to_bits(shifter);
  const double two_k = from_bits((k_bits + 1023) << 52);
  return x < -1022.0 ? 0.0 : er * two_k;
}

// ln x for finite x > 0 (0 and subnormal numbers give between -1023 ln 2 = -709.09 and
// -1022 ln 2 instead of -inf or their logarithm: no clamp here, since a clamp to a constant
// makes GCC branch). Cephes log.c: x = m 2^e with m in [sqrt(1/2), sqrt(2)), f = m - 1,
// ln(1 + f) = f - f²/2 + f³ P(f) / Q(f), and e ln 2 added in two parts.
inline double log(double x) {
  const std::uint64_t b = to_bits(x);
  // e = exponent field - 1022 (m in [0.5, 1)), made without an int64 -> double conversion,
  // which AVX2 lacks (GCC leaves the loop scalar in an x86-64-v3 build): the 11-bit field
  // placed in the mantissa of 2^52 is the double 2^52 + field, exactly.
  double e = from_bits((b >> 52) | 0x4330000000000000ULL) - (4503599627370496.0 + 1022.0);
  const double m = from_bits((b & 0x000fffffffffffffULL) | 0x3fe0000000000000ULL);
  const bool low = m < 0.70710678118654752440;
  e = low ? e - 1.0 : e;
  const double f = low ? m + m - 1.0 : m - 1.0;
  const double z = f * f;
  const double p = ((((1.01875663804580931796e-4 * f + 4.97494994976747001425e-1) * f +
                      4.70579119878881725854e0) * f + 1.44989225341610930846e1) * f +
                    1.79368678507819816313e1) * f + 7.70838733755885391666e0;
  const double q = ((((f + 1.12873587189167450590e1) * f + 4.52279145837532221105e1) * f +
                     8.29875266912776603211e1) * f + 7.11544750618563894466e1) * f +
                   2.31251620126765340583e1;
  double y = f * (z * p / q);
  y = y - e * 2.121944400546905827679e-4;
  y = y - 0.5 * z;
  return (f + y) + e * 0.693359375;
}

// atan x for finite x. Cephes atan.c: |x| > tan(3π/8) uses π/2 + atan(-1/|x|), |x| > 0.66
// uses π/4 + atan((|x| - 1)/(|x| + 1)); then atan r = r + r z P(z) / Q(z), z = r².
inline double atan(double x) {
  const double a = std::fabs(x);
  const bool big = a > 2.41421356237309504880;
  const bool mid = !big && a > 0.66;
  const double r = (big ? -1.0 : (mid ? a - 1.0 : a)) / (big ? a : (mid ? a + 1.0 : 1.0));
  const double base = big ? 1.57079632679489661923 : (mid ? 0.78539816339744830962 : 0.0);
  // The parts of π/2 and π/4 below double precision ("MOREBITS" in Cephes).
  const double more = big ? 6.123233995736765886130e-17 : (mid ? 3.061616997868382943065e-17 : 0.0);
  const double z = r * r;
  const double p = (((-8.750608600031904122785e-1 * z - 1.615753718733365076637e1) * z -
                     7.500855792314704667340e1) * z - 1.228866684490136173410e2) * z -
                   6.485021904942025371773e1;
  const double q = ((((z + 2.485846490142306297962e1) * z + 1.650270098316988542046e2) * z +
                     4.328810604912902668951e2) * z + 4.853903996359136964868e2) * z +
                   1.945506571482613964425e2;
  const double y = base + ((r * (z * p / q) + r) + more);
  return x < 0 ? -y : y;
}

// atanh x for |x| < 1. Below |x| = 0.1 the series x + x³/3 + ... + x¹⁵/15 (first omitted
// term relative 0.1¹⁶/17 < 1e-17); above, ln((1 + x)/(1 - x)) / 2, whose argument is rounded
// once (relative error of the result at most 2^-53 / (2 atanh 0.1) = 1.1e-15 at the switch,
// smaller beyond). Both branches are evaluated and one is selected, so loops stay vectorised.
inline double atanh(double x) {
  const double z = x * x;
  const double series =
      x + x * z * (1.0 / 3 + z * (1.0 / 5 + z * (1.0 / 7 + z * (1.0 / 9 + z * (1.0 / 11 +
                   z * (1.0 / 13 + z * (1.0 / 15)))))));
  const double logarithm = 0.5 * log((1.0 + x) / (1.0 - x));
  return std::fabs(x) < 0.1 ? series : logarithm;
}

// 1/sqrt(a) for finite a > 0; a = 0 gives about 6.6e154 instead of infinity, so that
// 0 * rsqrt(0) = 0. std::sqrt would do, but it may set errno, and the branch GCC then emits
// keeps loops from vectorising (the build does not use -fno-math-errno). An initial guess from
// the bit pattern (Lomont 2003, "Fast inverse square root": relative error < 3.5%), then four
// Newton steps y <- y (3/2 - a y²/2), each squaring the error (3.5e-2, 1.8e-3, 5e-6, 4e-11,
// then rounding).
inline double rsqrt(double a) {
  double y = from_bits(0x5fe6eb50c7b537a9ULL - (to_bits(a) >> 1));
  const double half = 0.5 * a;
  for (int k = 0; k < 4; ++k) y = y * (1.5 - half * y * y);
  return y;
}

}  // namespace sbi::simulators::lensing::vmath
