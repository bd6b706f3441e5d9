// Provenance attributes stamped on the root of every output file (DESIGN.md: tool version,
// command line, seed, creation time, names of parameters and data dimensions).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/h5_file.h"

namespace sbi::io {

struct Provenance {
  // The command as typed, e.g. from join_command_line(argc, argv).
  std::string command_line;
  // Stored as uint64 (files that stored it as int64 read back by bit pattern).
  std::uint64_t seed = 0;
  bool has_seed = false;
  std::vector<std::string> parameter_names;
  std::vector<std::string> data_names;
  // ISO-8601 UTC ("2026-11-28T10:53:11Z"). Empty: stamp_provenance uses the current time.
  // read_provenance fills it from the file.
  std::string created_at;
};

// Writes on "/": creation_library = inference_library = "sbi-toolkit",
// creation_library_version (SBI_VERSION), created_at, command_line, seed (uint64, if
// has_seed), parameter_names and data_names (string arrays, if non-empty).
void stamp_provenance(H5File& file, const Provenance& provenance);

// Reads what stamp_provenance wrote; missing attributes stay at their defaults.
Provenance read_provenance(const H5File& file);

// The root attribute names stamp_provenance may write.
const std::vector<std::string>& provenance_attr_names();

// argv joined by spaces, arguments quoted for a POSIX shell where needed
// ("sbi sample --out 'my posterior.h5'"), so the line can be pasted back.
std::string join_command_line(int argc, char** argv);

// The current time as ISO-8601 UTC with seconds: "2026-11-28T10:53:11Z".
std::string utc_timestamp_now();

}  // namespace sbi::io
