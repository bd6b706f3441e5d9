// Shared by the libFuzzer targets in fuzz/: the fuzz input as a file, and the invariant
// check that turns a reader's silently wrong answer into a crash the fuzzer reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sbi::fuzz {

// Writes the input to a per-process file on a tmpfs (/dev/shm, else $TMPDIR or /tmp),
// overwriting the previous input, and returns its path. The readers take paths; HDF5 reads
// a file on tmpfs at memory speed.
std::string write_input(const std::uint8_t* data, std::size_t size);

// Aborts (a crash for libFuzzer) with `what` when `ok` is false: a reader returned without
// an error but its result breaks its documented contract.
void require(bool ok, const char* what);

}  // namespace sbi::fuzz
