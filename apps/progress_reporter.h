// Shows library progress on stderr: a redrawn bar when stderr is a terminal, otherwise
// plain log lines (every line for messages that must all be kept, such as epochs; at
// most one every few seconds for counters).
#pragma once

#include "core/progress.h"

namespace sbi::app {

class ProgressReporter {
 public:
  // every_message: log each call that carries a message (training epochs).
  explicit ProgressReporter(bool every_message = false);
  ~ProgressReporter();

  core::ProgressCallback callback();
  void finish();  // ends a bar line

 private:
  void report(const core::Progress& p);

  bool terminal_;
  bool every_message_;
  bool bar_open_ = false;
  double last_line_ = -1e9;
  core::Stopwatch clock_;
};

// One log line on stderr, prefixed "sbi: ".
void log_line(const char* format, ...) __attribute__((format(printf, 1, 2)));

// Off: log_line prints nothing (the ranks other than 0 of an mpirun job that all do the same).
void set_log_lines(bool on);

}  // namespace sbi::app
