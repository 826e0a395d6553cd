#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "core/large_pages.hpp"

namespace {

TEST(LargePages, AdviceCoversOnlyWholeHugePages) {
  EXPECT_FALSE(pv::advise_huge_pages(nullptr, std::size_t{8} << 20));
  const std::size_t n = std::size_t{8} << 20;
  void* p = nullptr;
  ASSERT_EQ(::posix_memalign(&p, std::size_t{2} << 20, n), 0);
  auto* bytes = static_cast<unsigned char*>(p);
  // Less than one aligned 2 MiB page inside the range: nothing to advise.
  EXPECT_FALSE(pv::advise_huge_pages(bytes + 1, (std::size_t{2} << 20) + 100));
#if defined(__linux__)
  EXPECT_TRUE(pv::advise_huge_pages(p, n));
  EXPECT_TRUE(pv::advise_huge_pages(bytes + 4096, n - 4096));  // the aligned part inside
#endif
  std::memset(p, 0x5a, n);
  EXPECT_EQ(bytes[0], 0x5a);
  EXPECT_EQ(bytes[n - 1], 0x5a);
  std::free(p);
}

}  // namespace
