#include "sbi/streamed_examples.h"

#include <algorithm>

#include "core/error.h"
#include "core/progress.h"

namespace sbi {

StreamedExamples::StreamedExamples(ReadRows read, PrepareChunk prepare, std::vector<bool> excluded,
                                   long chunk_rows, long capacity)
    : read_(std::move(read)),
      prepare_(std::move(prepare)),
      excluded_(std::move(excluded)),
      chunk_rows_(chunk_rows),
      capacity_(capacity) {
  core::check(chunk_rows_ >= 1 && capacity_ >= 1, "StreamedExamples: chunk_rows and capacity must be >= 1");
  const long rows = static_cast<long>(excluded_.size());
  for (long r = 0; r < rows; ++r) {
    if (excluded_[r]) continue;
    if (size_ % chunk_rows_ == 0) chunk_first_row_.push_back(r);
    ++size_;
  }
  chunk_first_row_.push_back(rows);
}

const StreamedExamples::Chunk& StreamedExamples::chunk(long c) {
  auto found = held_.find(c);
  if (found != held_.end()) {
    recent_.splice(recent_.begin(), recent_, found->second.use);
    return found->second;
  }
  if (static_cast<long>(held_.size()) >= capacity_) {
    held_.erase(recent_.back());
    recent_.pop_back();
  }
  core::Stopwatch clock;
  const long begin = c * chunk_rows_, end = std::min(size(), begin + chunk_rows_);
  // The rows from the chunk's first example to the next chunk's, less those excluded after
  // its last example.
  const long first_row = chunk_first_row_[c];
  long end_row = chunk_first_row_[c + 1];
  while (excluded_[end_row - 1]) --end_row;
  const long count = end_row - first_row;
  Chunk loaded;
  read_(first_row, count, &loaded.target, &loaded.condition);
  if (count != end - begin) {  // rows of the range that are not examples (held out, dropped)
    std::vector<Eigen::Index> keep;
    for (long r = first_row; r < end_row; ++r)
      if (!excluded_[r]) keep.push_back(r - first_row);
    loaded.target = Eigen::MatrixXd(loaded.target(Eigen::all, keep));
    loaded.condition = Eigen::MatrixXd(loaded.condition(Eigen::all, keep));
  }
  prepare_(&loaded.target, &loaded.condition);
  recent_.push_front(c);
  loaded.use = recent_.begin();
  ++counters_.chunk_reads;
  counters_.rows_read += static_cast<double>(count);
  counters_.seconds_reading += clock.seconds();
  Chunk& stored = held_[c] = std::move(loaded);
  counters_.most_chunks_held = std::max(counters_.most_chunks_held, static_cast<long>(held_.size()));
  return stored;
}

void StreamedExamples::gather(const std::vector<long>& batch, Eigen::MatrixXd* target,
                              Eigen::MatrixXd* condition) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t j = 0; j < batch.size(); ++j) {
    const long i = batch[j];
    const Chunk& c = chunk(i / chunk_rows_);
    if (j == 0) {
      target->resize(c.target.rows(), static_cast<Eigen::Index>(batch.size()));
      condition->resize(c.condition.rows(), static_cast<Eigen::Index>(batch.size()));
    }
    const Eigen::Index k = i % chunk_rows_;
    target->col(static_cast<Eigen::Index>(j)) = c.target.col(k);
    condition->col(static_cast<Eigen::Index>(j)) = c.condition.col(k);
  }
}

StreamingCounters StreamedExamples::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

}  // namespace sbi
