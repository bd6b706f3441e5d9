// What the bench programs share: `--name value` flags without validation (benches print,
// they are not user tools), and the machine facts and processor time they report.
#pragma once

#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace sbi::bench {

inline std::string flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

inline long int_flag(int argc, char** argv, const std::string& name, long fallback) {
  return std::atol(flag(argc, argv, name, std::to_string(fallback)).c_str());
}

// The first line of a text file ("" when unreadable), e.g. /proc/loadavg.
inline std::string first_line(const char* path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

inline std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "?";
}

// Processor seconds (user + system) used by this process so far, all threads: on a shared
// machine a run loses wall time to other processes but not processor time.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace sbi::bench
