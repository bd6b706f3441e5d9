// Refusing an allocation that cannot fit, before making it: a user's typo (`--num 1e12`,
// `--hidden 1000000`) or a file that declares 10^10 rows must end in one clear line naming
// the size, not in std::bad_alloc or the kernel's OOM killer (Linux overcommits, so a huge
// allocation often "succeeds" and the process dies later).
//
//   core::check_memory(8.0 * rows * cols, "reading /x of sims.h5 (10000000000 x 2 float64)");
#pragma once

#include <cstdint>
#include <string>

namespace sbi::core {

// Physical memory of this machine in bytes (sysconf), or 0 when unknown.
std::uint64_t physical_memory_bytes();

// "1.5 GiB", "320 MiB", "12 KiB", "7 B".
std::string format_bytes(double bytes);

// A size as a user writes it: "2GiB", "500 MB", "1.5G", "4096" (bytes). Binary units for
// K, M, G, T, KiB, MiB, GiB, TiB (as SLURM's --mem), decimal for KB, MB, GB, TB; case
// ignored. Throws Error naming `what` for anything else, or a size that is not > 0.
double parse_byte_size(const std::string& text, const std::string& what);

// Throws Error("<what> needs <size>, more than the <total> of memory of this machine ...")
// when `bytes` (a double, so that products of user-given sizes cannot overflow) exceeds
// `fraction` of the physical memory. The default leaves room for the rest of the process.
void check_memory(double bytes, const std::string& what, double fraction = 0.8);

}  // namespace sbi::core
