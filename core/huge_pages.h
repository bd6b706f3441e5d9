// Asks the kernel to back a large, freshly allocated buffer with transparent huge pages
// (2 MiB instead of 4 KiB on x86-64 Linux). Writing a simulation batch of 10^4 lensing
// images (184 MB) for the first time otherwise costs a page fault per 4 KiB: 45-65 us of
// the ~230 us an image takes (measured with bench_lensing; bench/README.md). Only a hint:
// a no-op where the kernel has THP off ("never") or outside Linux, and for buffers under
// 4 MiB. Never changes results.
#pragma once

#include <cstddef>

namespace sbi::core {

void prefer_huge_pages(void* data, std::size_t bytes);

}  // namespace sbi::core
