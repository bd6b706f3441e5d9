// The order of training examples for data read a chunk at a time (sbi/out_of_core.h), after
// the shuffle buffers of tf.data and WebDataset: the examples 0..n-1 are cut into chunks of
// `chunk_rows` consecutive examples; each epoch shuffles the chunks, takes them `window_chunks`
// at a time, and shuffles the examples within each window. Any stretch of the order shorter
// than a window touches at most two windows, so holding two windows of chunks reads every
// chunk once per epoch, while a batch still mixes examples from window_chunks chunks spread
// over the whole file.
#pragma once

#include <vector>

#include "core/rng.h"

namespace sbi {

struct ChunkedShuffle {
  long chunk_rows = 0;     // 0: no chunks, every example shuffled with every other
  long window_chunks = 1;  // chunks shuffled together
  bool enabled() const { return chunk_rows > 0; }
};

// Writes the epoch's order of 0..n-1 into *order (resized), drawing from *rng.
void chunked_shuffle_order(long n, const ChunkedShuffle& shuffle, core::Rng* rng, std::vector<long>* order);

}  // namespace sbi
