#include "apps/progress_reporter.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace sbi::app {

ProgressReporter::ProgressReporter(bool every_message)
    : terminal_(isatty(STDERR_FILENO) != 0), every_message_(every_message) {}

ProgressReporter::~ProgressReporter() { finish(); }

core::ProgressCallback ProgressReporter::callback() {
  return [this](const core::Progress& p) { report(p); };
}

void ProgressReporter::finish() {
  if (bar_open_) std::fputc('\n', stderr);
  bar_open_ = false;
}

void ProgressReporter::report(const core::Progress& p) {
  const double now = clock_.seconds();
  if (terminal_) {
    constexpr int kWidth = 30;
    const double frac = p.total > 0 ? static_cast<double>(p.done) / p.total : 0.0;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(filled, '#');
    bar.resize(kWidth, ' ');
    std::fprintf(stderr, "\r%-8s [%s] %3.0f%%  %s  %.0f s\033[K", p.stage.c_str(), bar.c_str(),
                 100 * frac, p.message.c_str(), now);
    if (every_message_ && !p.message.empty()) {
      std::fputc('\n', stderr);
      bar_open_ = false;
    } else {
      bar_open_ = true;
    }
    std::fflush(stderr);
    return;
  }
  const bool keep = (every_message_ && !p.message.empty()) || now - last_line_ >= 5.0 ||
                    (p.total > 0 && p.done == p.total);
  if (!keep) return;
  last_line_ = now;
  if (p.total > 0)
    std::fprintf(stderr, "sbi: %s %lld/%lld %s (%.1f s)\n", p.stage.c_str(),
                 static_cast<long long>(p.done), static_cast<long long>(p.total), p.message.c_str(), now);
  else
    std::fprintf(stderr, "sbi: %s %s (%.1f s)\n", p.stage.c_str(), p.message.c_str(), now);
}

namespace {
bool g_log_lines = true;
}

void set_log_lines(bool on) { g_log_lines = on; }

void log_line(const char* format, ...) {
  if (!g_log_lines) return;
  std::fputs("sbi: ", stderr);
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
}

}  // namespace sbi::app
