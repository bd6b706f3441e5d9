// Progress reporting without printing from libraries: long operations take a
// `ProgressCallback` and call it with what they have done; apps/ decides how to show it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace sbi::core {

struct Progress {
  std::string stage;        // "simulate", "train", "sample", ...
  std::int64_t done = 0;    // units completed
  std::int64_t total = 0;   // units in all (0 when unknown)
  std::string message;      // optional one-line detail, e.g. "epoch 12 train 1.23 val 1.30"
};

// Called from the calling thread only (never from inside an OpenMP region).
using ProgressCallback = std::function<void(const Progress&)>;

// Seconds since construction, for timings in summaries.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace sbi::core
