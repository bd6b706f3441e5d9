// Training examples read from a file a chunk at a time, as the batches ask for them (out-of-core
// training, sbi/out_of_core.h): the examples are the file's rows not excluded (held out for
// validation, dropped for NaN), in file order, marked by one bit a row; chunk c holds examples
// [c chunk_rows, (c + 1) chunk_rows), read with one range read and prepared (standardised)
// once, and kept among the last `capacity` chunks used. With the order of sbi/chunked_shuffle.h
// and a capacity of two windows every chunk is read once per epoch.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <Eigen/Core>

#include "sbi/training_examples.h"

namespace sbi {

// Reads the rows [first, first + count) of a file: *theta and *x one row per column.
using ReadRows = std::function<void(long first, long count, Eigen::MatrixXd* theta, Eigen::MatrixXd* x)>;
// Turns a chunk's raw theta and x into the target and condition the objective trains on
// (standardised; for a likelihood, x is the target), in place.
using PrepareChunk = std::function<void(Eigen::MatrixXd* first, Eigen::MatrixXd* second)>;

// What streaming cost so far.
struct StreamingCounters {
  long chunk_reads = 0;
  double rows_read = 0, seconds_reading = 0;
  long most_chunks_held = 0;
};

class StreamedExamples : public TrainingExamples {
 public:
  // `excluded`: one entry per row of the file, true for a row that is not an example.
  // `capacity`: the most chunks held.
  StreamedExamples(ReadRows read, PrepareChunk prepare, std::vector<bool> excluded, long chunk_rows, long capacity);

  long size() const override { return size_; }
  void gather(const std::vector<long>& batch, Eigen::MatrixXd* target, Eigen::MatrixXd* condition) override;
  StreamingCounters counters() const;

 private:
  struct Chunk {
    Eigen::MatrixXd target, condition;
    std::list<long>::iterator use;  // its place in recent_
  };
  const Chunk& chunk(long c);  // loads it if needed; mutex_ held

  ReadRows read_;
  PrepareChunk prepare_;
  const std::vector<bool> excluded_;
  const long chunk_rows_, capacity_;
  long size_ = 0;
  std::vector<long> chunk_first_row_;  // the file row of each chunk's first example, and the row count
  mutable std::mutex mutex_;
  std::unordered_map<long, Chunk> held_;
  std::list<long> recent_;  // held chunks, most recently used first
  StreamingCounters counters_;
};

}  // namespace sbi
