#include "sbi/chunked_shuffle.h"

#include <algorithm>
#include <utility>

#include "core/error.h"

namespace sbi {
namespace {

template <typename T>
void fisher_yates(T* begin, long n, core::Rng* rng) {
  for (long i = n - 1; i > 0; --i) std::swap(begin[i], begin[rng->below(i + 1)]);
}

}  // namespace

void chunked_shuffle_order(long n, const ChunkedShuffle& shuffle, core::Rng* rng, std::vector<long>* order) {
  core::check(shuffle.chunk_rows >= 1 && shuffle.window_chunks >= 1,
              "chunked_shuffle_order: chunk_rows and window_chunks must be >= 1");
  const long chunks = (n + shuffle.chunk_rows - 1) / shuffle.chunk_rows;
  std::vector<long> chunk_order(static_cast<size_t>(chunks));
  for (long c = 0; c < chunks; ++c) chunk_order[c] = c;
  // A partial last chunk stays last, so that every window but the last has window_chunks full
  // chunks and a stretch shorter than a window never spans three windows.
  const long full_chunks = n / shuffle.chunk_rows;
  fisher_yates(chunk_order.data(), full_chunks, rng);
  order->clear();
  order->reserve(static_cast<size_t>(n));
  for (long w = 0; w < chunks; w += shuffle.window_chunks) {
    const size_t window_begin = order->size();
    for (long c = w; c < std::min(chunks, w + shuffle.window_chunks); ++c) {
      const long first = chunk_order[c] * shuffle.chunk_rows;
      for (long i = first; i < std::min(n, first + shuffle.chunk_rows); ++i) order->push_back(i);
    }
    fisher_yates(order->data() + window_begin, static_cast<long>(order->size() - window_begin), rng);
  }
}

}  // namespace sbi
