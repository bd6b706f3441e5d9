#include "core/memory_budget.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace sbi::core {

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

std::string format_bytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 6) {
    bytes /= 1024.0;
    ++unit;
  }
  char buffer[64];
  if (!std::isfinite(bytes)) return "an unbounded amount of memory";
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.3g %s", bytes, kUnits[unit]);
  return buffer;
}

void check_memory(double bytes, const std::string& what, double fraction) {
  const std::uint64_t total = physical_memory_bytes();
  if (total == 0) return;  // unknown: nothing sane to compare with
  if (!(bytes <= fraction * static_cast<double>(total))) {  // also catches NaN and inf
    throw Error(what + " needs " + format_bytes(bytes) + ", more than this machine's " +
                format_bytes(static_cast<double>(total)) +
                " of memory allows; use a smaller size or split the work");
  }
}

}  // namespace sbi::core
