#include "apps/process_group.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

#include "core/error.h"

#ifdef SBI_WITH_MPI
#include <mpi.h>
#endif

namespace sbi::app {
namespace {

// The size and rank mpirun (Open MPI), mpiexec (MPICH, Hydra) or srun (Slurm's PMI) put in
// the environment of each process it starts; -1 when absent.
int launcher_value(const char* const names[], int count) {
  for (int i = 0; i < count; ++i)
    if (const char* v = std::getenv(names[i])) return std::atoi(v);
  return -1;
}

int launcher_size() {
  static const char* const kNames[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};
  return launcher_value(kNames, 3);
}

#ifdef SBI_WITH_MPI
struct MpiSession {
  MpiSession() { MPI_Init(nullptr, nullptr); }
  ~MpiSession() { MPI_Finalize(); }
};
#endif

}  // namespace

int launcher_rank() {
  static const char* const kNames[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
  return std::max(0, launcher_value(kNames, 3));
}

namespace {
bool g_grouped = false;
}

bool in_process_group() { return g_grouped; }

void run_collectively(const ProcessGroup& group, const std::function<void()>& part) {
  if (group.size() == 1) return part();
  std::string error;
  try {
    part();
  } catch (const JobFailure&) {
    throw;  // every rank agreed on it already
  } catch (const std::bad_alloc&) {
    error = "out of memory";
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "unknown error";
  }
  const std::string failure = group.first_failure(error);
  if (!failure.empty()) throw JobFailure(failure);
}

const ProcessGroup& process_group() {
  static const ProcessGroup group = [] {
    ProcessGroup g;
    if (launcher_size() <= 1) return g;
#ifdef SBI_WITH_MPI
    static MpiSession session;  // finalised by the static destructors at exit
    MPI_Comm_rank(MPI_COMM_WORLD, &g.rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &g.size_);
    g_grouped = g.size_ > 1;
#else
    throw core::Error("started as " + std::to_string(launcher_size()) +
                      " processes (mpirun), but this sbi was built without MPI: each would do the "
                      "whole run; build with -DSBI_MPI=ON (Debian: libopenmpi-dev) or run one process");
#endif
    return g;
  }();
  return group;
}

std::string ProcessGroup::first_failure(const std::string& my_error) const {
  if (size_ == 1) return my_error;
#ifdef SBI_WITH_MPI
  const int failed = my_error.empty() ? 0 : 1;
  std::vector<int> all(static_cast<size_t>(size_));
  MPI_Allgather(&failed, 1, MPI_INT, all.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int root = -1;
  for (int r = 0; r < size_ && root < 0; ++r)
    if (all[static_cast<size_t>(r)] != 0) root = r;
  if (root < 0) return "";
  int length = static_cast<int>(my_error.size());
  MPI_Bcast(&length, 1, MPI_INT, root, MPI_COMM_WORLD);
  std::string message = rank_ == root ? my_error : std::string(static_cast<size_t>(length), ' ');
  MPI_Bcast(message.data(), length, MPI_CHAR, root, MPI_COMM_WORLD);
  return "rank " + std::to_string(root) + ": " + message;
#else
  return my_error;
#endif
}

std::vector<double> ProcessGroup::all_gather(const std::vector<double>& mine) const {
  if (size_ == 1) return mine;
  std::vector<double> all(mine.size() * static_cast<size_t>(size_));
#ifdef SBI_WITH_MPI
  MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(),
                static_cast<int>(mine.size()), MPI_DOUBLE, MPI_COMM_WORLD);
#endif
  return all;
}

std::vector<std::uint64_t> ProcessGroup::all_gather(const std::vector<std::uint64_t>& mine) const {
  if (size_ == 1) return mine;
  std::vector<std::uint64_t> all(mine.size() * static_cast<size_t>(size_));
#ifdef SBI_WITH_MPI
  MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_UINT64_T, all.data(),
                static_cast<int>(mine.size()), MPI_UINT64_T, MPI_COMM_WORLD);
#endif
  return all;
}

}  // namespace sbi::app
