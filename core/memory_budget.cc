#include "core/memory_budget.h"

#include <unistd.h>

#include <cmath>
#include <cctype>
#include <cstdio>
#include <cstdlib>

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

double parse_byte_size(const std::string& text, const std::string& what) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double number = std::strtod(begin, &end);
  // The unit: what follows the number, without surrounding spaces, in lower case.
  std::string unit(end);
  unit.erase(0, unit.find_first_not_of(" \t"));
  unit.erase(unit.find_last_not_of(" \t") + 1);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const struct { const char* name; double bytes; } kUnits[] = {
      {"", 1},          {"b", 1},         {"k", 1024.0},    {"kib", 1024.0},  {"kb", 1e3},
      {"m", 1048576.0}, {"mib", 1048576.0}, {"mb", 1e6},    {"g", 1073741824.0},
      {"gib", 1073741824.0}, {"gb", 1e9}, {"t", 1099511627776.0}, {"tib", 1099511627776.0}, {"tb", 1e12}};
  if (end != begin && std::isfinite(number) && number > 0)
    for (const auto& u : kUnits)
      if (unit == u.name) return number * u.bytes;
  throw Error(what + " expects a size such as 2GiB, 500MB or 1.5G (bytes without a unit), got '" + text + "'");
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
