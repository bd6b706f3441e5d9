#include "fuzz/fuzz_support.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace sbi::fuzz {

namespace {

// The per-process input file, removed when the process exits (the string is never
// destroyed, so the exit handler can still read it).
const std::string& input_path() {
  static const std::string* path = [] {
    std::string dir = "/dev/shm";
    if (::access(dir.c_str(), W_OK) != 0) {
      const char* tmp = std::getenv("TMPDIR");
      dir = tmp != nullptr ? tmp : "/tmp";
    }
    std::atexit([] { ::unlink(input_path().c_str()); });
    return new std::string(dir + "/sbi-fuzz-" + std::to_string(::getpid()) + ".h5");
  }();
  return *path;
}

}  // namespace

std::string write_input(const std::uint8_t* data, std::size_t size) {
  const std::string& path = input_path();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    std::abort();
  }
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) {
      std::perror(path.c_str());
      std::abort();
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return path;
}

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: contract violated: %s\n", what);
  std::abort();
}

}  // namespace sbi::fuzz

// libFuzzer stops a run at its -rss_limit_mb (2 GiB in scripts/run_fuzz.sh), while the
// readers' core::check_memory refuses what exceeds 80% of this machine's physical memory.
// So that a file declaring, say, a 5 GiB dataset is refused by check_memory here as it would
// be on a 512 MiB machine (and not reported as an out-of-memory crash), the fuzz targets see
// 512 MiB of physical memory. Every other sysconf query goes to the C library.
extern "C" long sysconf(int name) {
  using Sysconf = long (*)(int);
  static Sysconf real = reinterpret_cast<Sysconf>(::dlsym(RTLD_NEXT, "sysconf"));
  if (name == _SC_PHYS_PAGES) {
    const long page = real(_SC_PAGE_SIZE);
    return page > 0 ? (512L << 20) / page : -1;
  }
  return real(name);
}
