// The processes of one job. Started by mpirun (or srun) in a build with MPI (-DSBI_MPI=ON),
// they are MPI's world; otherwise this process alone, and MPI is never touched: a laptop run
// is the plain program. Only the commands that split work across ranks (simulate) call
// process_group(); MPI is initialised there and finalised at exit.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"

namespace sbi::app {

class ProcessGroup {
 public:
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // Collective: every rank passes its own error ("" when its part succeeded). Returns "" on
  // every rank if all succeeded, else "rank R: <message>" of the lowest failing rank.
  std::string first_failure(const std::string& my_error) const;

  // Collective: every rank's `mine` (all of the same length), concatenated in rank order, on
  // every rank.
  std::vector<double> all_gather(const std::vector<double>& mine) const;
  std::vector<std::uint64_t> all_gather(const std::vector<std::uint64_t>& mine) const;

 private:
  friend const ProcessGroup& process_group();
  int rank_ = 0;
  int size_ = 1;
};

// A failure every rank of the job agreed on (see run_collectively): rank 0 reports it.
class JobFailure : public core::Error {
 public:
  using core::Error::Error;
};

// Runs `part` on every rank. If it throws on any rank, every rank throws JobFailure with
// the lowest failing rank's message ("rank R: ..."), so that no rank waits for another
// forever. With one process, `part`'s own exception passes through unchanged.
void run_collectively(const ProcessGroup& group, const std::function<void()>& part);

// True once process_group() made a group of several processes.
bool in_process_group();

// The job's group (initialises MPI on first use when started by mpirun). Throws if mpirun
// started several processes of a build without MPI: each would do the whole run.
const ProcessGroup& process_group();

// This process's rank as the launcher announced it (0 when not launched by one), without
// initialising anything: used to print an error once per job, not once per rank.
int launcher_rank();

}  // namespace sbi::app
