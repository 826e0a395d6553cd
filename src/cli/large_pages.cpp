// The CLI's allocation functions: large blocks (whole-recording signals, spectrograms, feature
// tables) are 2 MiB-aligned and advised to huge pages (core/large_pages.hpp); everything else is
// plain malloc. Sanitizer builds keep their own allocator.
#if !defined(__SANITIZE_ADDRESS__)
#include <cstdlib>
#include <new>

#include "core/large_pages.hpp"

namespace {

void* allocate(std::size_t n) {
  for (;;) {
    void* p = nullptr;
    if (n >= pv::kLargeAllocation) {
      if (::posix_memalign(&p, std::size_t{2} << 20, n) == 0) {
        pv::advise_huge_pages(p, n);
        return p;
      }
    } else if ((p = std::malloc(n ? n : 1))) {
      return p;
    }
    std::new_handler h = std::get_new_handler();
    if (!h) throw std::bad_alloc();
    h();
  }
}

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif
