// What the bench programs share: `--name value` flags without validation (benches print,
// they are not user tools), and the machine facts and processor time they report.
#pragma once

#include <sys/resource.h>

#include <Eigen/Core>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"

namespace sbi::bench {

inline std::string flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

inline long int_flag(int argc, char** argv, const std::string& name, long fallback) {
  return std::atol(flag(argc, argv, name, std::to_string(fallback)).c_str());
}

// The first line of a text file ("" when unreadable), e.g. /proc/loadavg.
inline std::string first_line(const char* path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

inline std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "?";
}

// Processor seconds (user + system) used by this process so far, all threads: on a shared
// machine a run loses wall time to other processes but not processor time.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Mini-batches of the columns of two matrices (inputs, targets) as train() draws them: a
// fresh shuffle per epoch from Rng(seed, 0x100000 + epoch), the last partial batch dropped.
class ShuffledBatches {
 public:
  ShuffledBatches(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, long batch, std::uint64_t seed)
      : a_(a), b_(b), batch_(batch), seed_(seed), perm_(a.cols()),
        batches_per_epoch_(a.cols() / batch), next_(batches_per_epoch_),
        a_batch_(a.rows(), batch), b_batch_(b.rows(), batch) {
    std::iota(perm_.begin(), perm_.end(), 0L);
  }

  // Fills a_batch() and b_batch() with the next batch.
  void next() {
    if (next_ == batches_per_epoch_) {
      core::Rng rng(seed_, 0x100000 + (++epoch_));
      for (long i = static_cast<long>(perm_.size()) - 1; i > 0; --i)
        std::swap(perm_[i], perm_[rng.below(i + 1)]);
      next_ = 0;
    }
    indices_.assign(perm_.begin() + next_ * batch_, perm_.begin() + (next_ + 1) * batch_);
    for (long j = 0; j < batch_; ++j) {
      a_batch_.col(j) = a_.col(indices_[j]);
      b_batch_.col(j) = b_.col(indices_[j]);
    }
    ++next_;
  }
  // The columns of the batch next() made, in order.
  const std::vector<long>& indices() const { return indices_; }
  const Eigen::MatrixXd& a_batch() const { return a_batch_; }
  const Eigen::MatrixXd& b_batch() const { return b_batch_; }

 private:
  const Eigen::MatrixXd& a_;
  const Eigen::MatrixXd& b_;
  long batch_;
  std::uint64_t seed_;
  std::vector<long> perm_, indices_;
  long batches_per_epoch_, next_;
  long epoch_ = 0;
  Eigen::MatrixXd a_batch_, b_batch_;
};

}  // namespace sbi::bench
