#include "io/detail/temporary_files.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace sbi::io::detail {
namespace {

constexpr int kSlots = 64;
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

// Each slot owns a malloc'ed copy of a path, or is null. The handler only loads and
// unlinks (both async-signal-safe); owners exchange the pointer before freeing it.
std::atomic<char*> g_slots[kSlots];

extern "C" void remove_temporaries_and_die(int signal_number) {
  for (std::atomic<char*>& slot : g_slots) {
    const char* path = slot.load();
    if (path != nullptr) ::unlink(path);
  }
  // Back to the default action; the signal is blocked inside its handler, so this raise is
  // delivered when the handler returns and ends the process the usual way (exit status
  // 128 + signal for the shell).
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  sigaction(signal_number, &action, nullptr);
  raise(signal_number);
}

void install_handlers() {
  for (int signal_number : kSignals) {
    struct sigaction current {};
    if (sigaction(signal_number, nullptr, &current) != 0) continue;
    if (current.sa_handler != SIG_DFL || (current.sa_flags & SA_SIGINFO) != 0) continue;
    struct sigaction action {};
    action.sa_handler = remove_temporaries_and_die;
    sigemptyset(&action.sa_mask);
    for (int other : kSignals) sigaddset(&action.sa_mask, other);
    sigaction(signal_number, &action, nullptr);
  }
}

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal_number : kSignals) sigaddset(&set, signal_number);
  return set;
}

}  // namespace

int register_temporary(const std::string& path) {
  static std::once_flag installed;
  std::call_once(installed, install_handlers);
  char* copy = ::strdup(path.c_str());
  if (copy == nullptr) return -1;
  for (int i = 0; i < kSlots; ++i) {
    char* expected = nullptr;
    if (g_slots[i].compare_exchange_strong(expected, copy)) return i;
  }
  std::free(copy);
  return -1;
}

void release_temporary(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  std::free(g_slots[slot].exchange(nullptr));
}

TerminationSignalsBlocked::TerminationSignalsBlocked() {
  const sigset_t block = termination_signals();
  pthread_sigmask(SIG_BLOCK, &block, &previous_);
}

TerminationSignalsBlocked::~TerminationSignalsBlocked() {
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace sbi::io::detail
