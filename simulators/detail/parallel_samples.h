// The parallel loop of batch simulation (batch.cc, plugin.cc): body(i) for i in [0, n) with
// OpenMP, block by block, progress reported between blocks.
#pragma once

#include <omp.h>

#include <algorithm>
#include <exception>
#include <limits>

#include "simulators/batch.h"

namespace sbi::simulators::detail {

constexpr long kBlockSize = 4096;  // samples between progress reports
constexpr int kChunk = 32;         // samples per dynamic-schedule chunk

// Runs body(i) for i in [0, n) in parallel, block by block, reporting progress between blocks.
// If any body throws, rethrows the exception of the lowest such i after its block.
template <class Body>
void parallel_samples(long n, const SimulateOptions& options, const Body& body) {
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  for (long start = 0; start < n; start += kBlockSize) {
    const long stop = std::min(n, start + kBlockSize);
    long failed = std::numeric_limits<long>::max();
    std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, kChunk) num_threads(threads)
    for (long i = start; i < stop; ++i) {
      try {
        body(i);
      } catch (...) {
#pragma omp critical(sbi_simulators_batch_error)
        if (i < failed) {
          failed = i;
          error = std::current_exception();
        }
      }
    }
    if (error) std::rethrow_exception(error);
    if (options.progress) options.progress({"simulate", stop, n, ""});
  }
}

}  // namespace sbi::simulators::detail
