// Resumable simulation (`sbi simulate --chunk K`, `--resume`): a run of n samples is done in
// chunks of K; each finished chunk is written atomically to DIR/chunk_<first>.h5 (/theta, /x,
// attributes fingerprint, first, count), so a run killed at any moment keeps every chunk it
// finished. With --resume the chunks of DIR whose fingerprint matches the run are read back
// instead of simulated again; sample i always draws from the stream (seed, i), so the result
// is bitwise the run that was never stopped. The caller writes the output from the whole
// batch, then removes DIR.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "apps/process_group.h"
#include "simulators/batch.h"

namespace sbi::app {

struct ChunkedRun {
  std::string dir;          // where the chunks live (<out>.chunks)
  std::string fingerprint;  // what a chunk must carry to belong to this run
  long n = 0;               // samples in the run
  long chunk = 0;           // samples per chunk (the last may be shorter)
  int theta_dim = 0, x_dim = 0;
  std::vector<std::string> inputs;  // files no chunk may replace
};

// Simulates (or, resuming, reads) every chunk; simulate(first, count) draws samples
// [first, first + count). Without `resume` an existing DIR with chunks is refused (it is
// another run's work: resume it or remove it); with it, a chunk of another fingerprint is.
// In a group of several processes (mpirun; DIR on a file system every rank sees) chunk c
// is rank c mod size's; once every rank finished its own, rank 0 reads the others' chunks
// and returns the whole run, the other ranks an empty batch. A failure on any rank fails
// every rank (JobFailure) before rank 0 reads anything, so no output is written.
simulators::SimulationBatch run_in_chunks(const ChunkedRun& run, bool resume, const ProcessGroup& group,
                                          const std::function<simulators::SimulationBatch(long, long)>& simulate,
                                          const std::function<void(long done, long total)>& progress);

// Removes DIR and its chunks (after the output is written).
void remove_chunks(const ChunkedRun& run);

}  // namespace sbi::app
