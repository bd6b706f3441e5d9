// The temporaries of OutputFiles that are still on disk, so that SIGINT, SIGTERM and SIGHUP
// remove them before the process dies. Only io/output_files.cc uses this.
#pragma once

#include <csignal>
#include <string>

namespace sbi::io::detail {

// Records `path` for removal by the signal handler (installed on first use, for each of
// the three signals whose action is still the default). Returns a slot to release, or -1
// when every slot is taken (the file is then removed only by its owner).
int register_temporary(const std::string& path);

// Forgets a slot (the owner renamed or removed the file). No-op for -1.
void release_temporary(int slot);

// Holds SIGINT, SIGTERM and SIGHUP back while alive (they are delivered at destruction):
// used around the renames of a commit so that a signal cannot cut it in half.
class TerminationSignalsBlocked {
 public:
  TerminationSignalsBlocked();
  ~TerminationSignalsBlocked();
  TerminationSignalsBlocked(const TerminationSignalsBlocked&) = delete;
  TerminationSignalsBlocked& operator=(const TerminationSignalsBlocked&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace sbi::io::detail
