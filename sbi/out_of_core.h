// Out-of-core training (`sbi train --memory-budget`): neural posterior (or likelihood)
// estimation on a simulation file larger than the memory it may use. The file is read a
// chunk of rows at a time as the batches ask for them (sbi/streamed_examples.h), in an order
// shuffled by chunks and within windows of chunks (sbi/chunked_shuffle.h), so that every
// chunk is read once per epoch and at most two windows are held. Before training, one pass
// finds the rows whose x has NaN or Inf, and a second reads the held-out validation examples
// (a seeded draw, at most a fifth of the budget; the rest of the validation fraction trains)
// and a seeded sample of the training examples that the standardisation is fitted on (at most
// 10^5). The rows are indexed by one bit each (excluded or not), so a file of 10^8 rows needs
// 12 MB of index.
//
// Given the same plan, the result does not depend on where the rows come from: a file
// streamed within a tenth of its size trains to the same loss history, bit for bit, as the
// same rows held in memory (tests/sbi/out_of_core_test.cc).
//
//   SimulationRows file("big.h5");
//   OutOfCorePlan plan = plan_out_of_core(file.rows(), file.row_bytes(), 2e9, file.chunk_rows(), 128);
//   train_out_of_core(options, plan, file.rows(), reader_of(file), NonFinitePolicy::kDrop, &model, &summary, &report);
#pragma once

#include <string>

#include "sbi/chunked_shuffle.h"
#include "sbi/posterior_model.h"
#include "sbi/simulation_data.h"
#include "sbi/simulation_rows.h"
#include "sbi/streamed_examples.h"
#include "sbi/trainer.h"

namespace sbi {

struct OutOfCorePlan {
  long chunk_rows = 0;       // training examples per chunk (one range read each)
  long window_chunks = 1;    // chunks shuffled together
  long held_chunks = 0;      // chunks held at once: two windows and one
  long max_validation = 0;   // held-out examples kept in memory
  long statistics_rows = 0;  // training examples the standardisation is fitted on
  ChunkedShuffle shuffle() const { return {chunk_rows, window_chunks}; }
  // "chunks of 4096 rows, shuffled within windows of 8 chunks, 17 chunks held (27 MiB)".
  std::string describe(double row_bytes) const;
};

// The plan for `rows` rows of `row_bytes` (as doubles) within `budget` bytes: a bit a row and
// 8 bytes a chunk for the row index, then half of the rest for the chunks held, a fifth for the
// validation examples and a fifth for the standardisation sample (at most 10^5 rows, freed
// before training). Chunks follow the file's HDF5 chunks (file_chunk_rows; 0 for a contiguous
// file: 4096 rows), made smaller if a window would hold fewer than 4. Throws core::Error when
// a window cannot hold one batch of `batch_size`, naming the budget needed.
OutOfCorePlan plan_out_of_core(long rows, double row_bytes, double budget, long file_chunk_rows, long batch_size);

// The rows of a simulation file (borrowed; it must outlive the training).
ReadRows reader_of(const SimulationRows& file);

struct OutOfCoreReport {
  long rows = 0, dropped_nonfinite = 0, train = 0, validation = 0, statistics_rows = 0;
  double scan_seconds = 0;  // the passes before training
  StreamingCounters streaming;
  double examples_per_second = 0;  // training examples through the optimiser per second of training
  std::string describe() const;    // one line for the log and the model file
};

// Trains `model` (from PosteriorModel::create, its names and prior set) on the rows 0..rows-1
// read by `read`, as train() does in memory: NPE, or NLE when model->is_likelihood() (x the
// target). options.chunked_shuffle is replaced by the plan's. Embedding pretraining is refused
// (it needs the data in memory).
void train_out_of_core(const TrainOptions& options, const OutOfCorePlan& plan, long rows, const ReadRows& read,
                       NonFinitePolicy policy, PosteriorModel* model, TrainSummary* summary,
                       OutOfCoreReport* report);

}  // namespace sbi
