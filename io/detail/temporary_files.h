// The temporaries of OutputFiles that are still on disk, so that SIGINT, SIGTERM and SIGHUP
// remove them before the process dies. Only io/output_files.cc uses this.
//
// The signal may be handled on any thread while others keep running (OpenMP workers; the
// thread that writes blocks the signals during its commit), so the handler first marks the
// process as dying, then waits until no thread is inside a TemporariesChange, then removes
// what is registered. A thread that enters a TemporariesChange after the mark never returns
// from it: it creates nothing the handler could miss, and the process ends a moment later.
#pragma once

#include <csignal>
#include <string>

namespace sbi::io::detail {

// One step on the temporaries that a termination signal must not cut in half: creating a
// file and registering it, releasing a slot, the renames of a commit. The signals are held
// back on this thread while it lives (delivered at destruction); on other threads the
// handler waits for it. Nests on one thread. Keep it to system calls: no allocation (the
// handler may have interrupted a thread inside malloc) and nothing that waits for others.
class TemporariesChange {
 public:
  TemporariesChange();
  ~TemporariesChange();
  TemporariesChange(const TemporariesChange&) = delete;
  TemporariesChange& operator=(const TemporariesChange&) = delete;

 private:
  sigset_t previous_;
};

// Creates `path` (open with O_CREAT | O_EXCL, mode 0666) and records it for removal by the
// signal handler, as one TemporariesChange. The handler is installed on first use for each
// of the three signals whose action is still the default. Returns the open descriptor, or
// -1 with errno set; *slot is the slot to release, or -1 when every slot is taken (the file
// is then removed only by its owner).
int create_temporary(const std::string& path, int* slot);

// Forgets a slot (the owner renamed or removed the file). No-op for -1.
void release_temporary(int slot);

}  // namespace sbi::io::detail
