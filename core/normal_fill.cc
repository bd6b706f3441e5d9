#include "core/normal_fill.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace sbi::core {

namespace {

constexpr int kLayers = 128;
constexpr double kR = 3.442619855899;              // start of the tail
constexpr double kV = 9.91256303526217e-3;         // area of each layer (f(x) = exp(-x²/2))

double f(double x) { return std::exp(-0.5 * x * x); }

// Layer edges x[0] > x[1] = r > ... > x[128] = 0 (x[0] = v / f(r): the base layer's width,
// whose rectangle has area v including the tail), and f at the edges.
struct Tables {
  double x[kLayers + 1];
  double fx[kLayers + 1];
  Tables() {
    x[0] = kV / f(kR);
    x[1] = kR;
    for (int i = 1; i < kLayers; ++i) {
      const double arg = f(x[i]) + kV / x[i];
      x[i + 1] = arg >= 1 ? 0.0 : std::sqrt(-2 * std::log(arg));
    }
    x[kLayers] = 0.0;
    for (int i = 0; i <= kLayers; ++i) fx[i] = f(x[i]);
  }
};

const Tables& tables() {
  static const Tables t;  // thread-safe initialisation (C++11 magic statics)
  return t;
}

// u * x with the sign of bit 7 of `bits`, without a branch: the sign is a coin flip, so a
// branch would be mispredicted half the time (~7 cycles a draw, as much as the rest).
inline double signed_product(std::uint64_t bits, double u, double x) {
  double z = u * x;
  std::uint64_t zb;
  std::memcpy(&zb, &z, sizeof zb);
  zb ^= (bits & 0x80) << 56;
  std::memcpy(&z, &zb, sizeof z);
  return z;
}

inline double uniform01(Rng* rng) { return ((rng->next_u64() >> 11) + 0.5) * 0x1.0p-53; }

double slow_path(Rng* rng, const Tables& t, int layer, double z) {
  for (;;) {
    if (layer == 0) {  // the tail beyond r (Marsaglia 1964)
      double a, b;
      do {
        a = -std::log(uniform01(rng)) / kR;
        b = -std::log(uniform01(rng));
      } while (b + b < a * a);
      return z > 0 ? kR + a : -(kR + a);
    }
    // Inside layer i's rectangle but outside the inner one: accept under the curve.
    const double y = t.fx[layer] + uniform01(rng) * (t.fx[layer + 1] - t.fx[layer]);
    if (y < f(z)) return z;
    // Rejected: a fresh draw.
    const std::uint64_t bits = rng->next_u64();
    layer = static_cast<int>(bits & (kLayers - 1));
    const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
    z = signed_product(bits, u, t.x[layer]);
    if (std::abs(z) < t.x[layer + 1]) return z;
  }
}

}  // namespace

void fill_standard_normal(Rng* rng, double* out, std::size_t count) {
  const Tables& t = tables();
  for (std::size_t i = 0; i < count; ++i) {
    // Bits 0-6: layer; bit 7: sign; bits 11-63: the magnitude in [0, 1).
    const std::uint64_t bits = rng->next_u64();
    const int layer = static_cast<int>(bits & (kLayers - 1));
    const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
    const double z = signed_product(bits, u, t.x[layer]);
    out[i] = std::abs(z) < t.x[layer + 1] ? z : slow_path(rng, t, layer, z);
  }
}

}  // namespace sbi::core
