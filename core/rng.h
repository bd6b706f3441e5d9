// Portable, reproducible random streams.
//
// Every random draw in the toolkit comes from an `Rng` built from a (seed, stream) pair,
// so sample i of a batch simulation uses Rng(seed, i) and the output is identical for
// any number of threads or MPI ranks. The generator is xoshiro256** (Blackman & Vigna
// 2018) seeded through splitmix64; the uniform and normal draws are written here rather
// than taken from <random>, whose distributions differ between standard libraries.
#pragma once

#include <cmath>
#include <array>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"

namespace sbi::core {

class Rng {
 public:
  // Stream `stream` of the run seeded with `seed`. Distinct (seed, stream) pairs give
  // statistically independent sequences.
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) {
    std::uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1));
    x = splitmix64(&x) ^ stream;
    for (auto& s : state_) s = splitmix64(&x);
  }

  // Next raw 64-bit output.
  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform on the open interval (0, 1): 53 random bits, never exactly 0 or 1.
  double uniform() { return ((next_u64() >> 11) + 0.5) * 0x1.0p-53; }

  // Uniform on (lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Standard normal by the Box-Muller transform; the second value is cached.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double phi = 2.0 * M_PI * uniform();
    spare_ = r * std::sin(phi);
    has_spare_ = true;
    return r * std::cos(phi);
  }

  // The whole state (the four words, the cached normal's bits, whether one is cached), for
  // training checkpoints: set_state(state()) continues the stream exactly.
  using State = std::array<std::uint64_t, 6>;
  State state() const {
    State s{state_[0], state_[1], state_[2], state_[3], 0, has_spare_ ? 1u : 0u};
    std::memcpy(&s[4], &spare_, sizeof spare_);
    return s;
  }
  void set_state(const State& s) {
    for (int i = 0; i < 4; ++i) state_[i] = s[i];
    std::memcpy(&spare_, &s[4], sizeof spare_);
    has_spare_ = s[5] != 0;
  }

  // The same as a vector (what checkpoints store); set_state_vector throws core::Error for
  // one of another length.
  std::vector<std::uint64_t> state_vector() const {
    const State s = state();
    return {s.begin(), s.end()};
  }
  void set_state_vector(const std::vector<std::uint64_t>& v) {
    check(v.size() == 6, "Rng::set_state_vector: a random state has 6 words, got " + std::to_string(v.size()));
    State s;
    std::copy(v.begin(), v.end(), s.begin());
    set_state(s);
  }

  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias below 2^-64 * n).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next_u64()) * n) >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t* x) {
    std::uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  std::uint64_t state_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace sbi::core
