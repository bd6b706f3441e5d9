// A short digest (FNV-1a, 64 bits, as hex) of numbers and text: the fingerprint that a
// checkpoint or a chunk of a resumable run must match to be continued. Not cryptographic.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sbi::core {

class Digest {
 public:
  Digest& add(const double* values, long n) {
    bytes(&n, sizeof n);
    bytes(values, sizeof(double) * static_cast<size_t>(n));
    return *this;
  }
  Digest& add(const Eigen::MatrixXd& m) { return add(m.data(), static_cast<long>(m.size())); }
  Digest& add(const std::string& text) {
    const size_t n = text.size();
    bytes(&n, sizeof n);
    bytes(text.data(), n);
    return *this;
  }
  std::string hex() const {
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash_));
    return out;
  }

 private:
  void bytes(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      hash_ ^= p[i];
      hash_ *= 0x100000001b3ULL;
    }
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace sbi::core
