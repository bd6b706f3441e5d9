#include "io/provenance.h"

#include <ctime>

#ifndef SBI_VERSION
#define SBI_VERSION "0.0.0"
#endif

namespace sbi::io {

namespace {

constexpr const char* kLibrary = "sbi-toolkit";

bool needs_quotes(const std::string& arg) {
  if (arg.empty()) return true;
  for (char c : arg) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string("-_./=:,+@%").find(c) != std::string::npos;
    if (!safe) return true;
  }
  return false;
}

}  // namespace

std::string utc_timestamp_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string join_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i] == nullptr ? "" : argv[i];
    if (i > 0) line += ' ';
    if (!needs_quotes(arg)) {
      line += arg;
      continue;
    }
    // Single quotes keep everything literal; a quote inside becomes '\''.
    line += '\'';
    for (char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

const std::vector<std::string>& provenance_attr_names() {
  static const std::vector<std::string> names = {
      "creation_library", "creation_library_version", "inference_library", "created_at",
      "command_line",     "seed",                     "parameter_names",   "data_names"};
  return names;
}

void stamp_provenance(H5File& file, const Provenance& provenance) {
  file.set_attr("/", "creation_library", kLibrary);
  file.set_attr("/", "creation_library_version", SBI_VERSION);
  file.set_attr("/", "inference_library", kLibrary);
  file.set_attr("/", "created_at",
                provenance.created_at.empty() ? utc_timestamp_now() : provenance.created_at);
  file.set_attr("/", "command_line", provenance.command_line);
  if (provenance.has_seed) {
    file.set_uint64_attr("/", "seed", provenance.seed);
  }
  if (!provenance.parameter_names.empty()) {
    file.set_attr("/", "parameter_names", provenance.parameter_names);
  }
  if (!provenance.data_names.empty()) file.set_attr("/", "data_names", provenance.data_names);
}

Provenance read_provenance(const H5File& file) {
  Provenance out;
  if (file.has_attr("/", "command_line")) {
    out.command_line = file.get_string_attr("/", "command_line");
  }
  if (file.has_attr("/", "created_at")) out.created_at = file.get_string_attr("/", "created_at");
  if (file.has_attr("/", "seed")) {
    out.seed = file.get_uint64_attr("/", "seed");
    out.has_seed = true;
  }
  if (file.has_attr("/", "parameter_names")) {
    out.parameter_names = file.get_string_list_attr("/", "parameter_names");
  }
  if (file.has_attr("/", "data_names")) {
    out.data_names = file.get_string_list_attr("/", "data_names");
  }
  return out;
}

}  // namespace sbi::io
