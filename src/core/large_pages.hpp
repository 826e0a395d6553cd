#pragma once
// Transparent huge pages for large buffers. A whole-recording buffer (tens of MB) written for the
// first time faults in one 4 KiB page at a time; on a virtual machine those faults cost about a fifth
// of `pianovam align`'s wall time. Backed by 2 MiB pages it faults 512 times less often.
#include <cstddef>

namespace pv {

// Allocations of at least this size are worth huge pages.
inline constexpr std::size_t kLargeAllocation = std::size_t{4} << 20;

// Asks the kernel to back the 2 MiB-aligned part of [p, p + bytes) with huge pages (Linux
// madvise(MADV_HUGEPAGE)); call it before the memory is first written. Only advice: where the kernel
// has huge pages off, or elsewhere than Linux, nothing changes. Returns whether the advice was taken.
bool advise_huge_pages(void* p, std::size_t bytes) noexcept;

}  // namespace pv
