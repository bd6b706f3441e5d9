#include "io/detail/temporary_files.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
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

// Set once by the handler; the threads inside a TemporariesChange, counted. Sequentially
// consistent: a thread entering a change sees the mark, or the handler sees its count.
std::atomic<bool> g_dying{false};
std::atomic<int> g_changing{0};
thread_local int t_depth = 0;  // this thread's nesting of TemporariesChange

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free &&
                  std::atomic<char*>::is_always_lock_free,
              "the signal handler needs lock-free atomics");

extern "C" void remove_temporaries_and_die(int signal_number) {
  g_dying.store(true);
  // The threads inside a change finish it (it is a few system calls; none waits for this
  // thread, whose own changes block the signal). Then every file made is registered.
  while (g_changing.load() > 0) {
  }
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

TemporariesChange::TemporariesChange() {
  const sigset_t block = termination_signals();
  pthread_sigmask(SIG_BLOCK, &block, &previous_);
  if (t_depth++ > 0) return;  // the outer change already counts this thread
  g_changing.fetch_add(1);
  if (g_dying.load()) {
    // The handler runs on another thread and may already have looked at the slots: touch
    // nothing, let it finish (it waits for this count), and wait for the end.
    g_changing.fetch_sub(1);
    for (;;) ::pause();
  }
}

TemporariesChange::~TemporariesChange() {
  if (--t_depth == 0) g_changing.fetch_sub(1);
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

int create_temporary(const std::string& path, int* slot) {
  static std::once_flag installed;
  std::call_once(installed, install_handlers);
  *slot = -1;
  char* copy = ::strdup(path.c_str());  // allocated outside the change
  int fd = -1, open_errno = 0;
  {
    const TemporariesChange change;
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    open_errno = errno;
    for (int i = 0; fd >= 0 && copy != nullptr && i < kSlots && *slot < 0; ++i) {
      char* expected = nullptr;
      if (g_slots[i].compare_exchange_strong(expected, copy)) *slot = i;
    }
  }
  if (*slot < 0) std::free(copy);
  errno = open_errno;
  return fd;
}

void release_temporary(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  char* path = nullptr;
  {
    // Inside a change: the handler never reads a slot whose string is being freed.
    const TemporariesChange change;
    path = g_slots[slot].exchange(nullptr);
  }
  std::free(path);
}

}  // namespace sbi::io::detail
