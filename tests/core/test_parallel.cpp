#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "core/parallel.hpp"

namespace {

TEST(RunParts, EveryPartRunsOnceAndTheFirstErrorComesBackAfterAll) {
  std::vector<std::atomic<int>> runs(5);
  pv::run_parts(5, [&](int k) { ++runs[k]; });
  for (auto& r : runs) EXPECT_EQ(r.load(), 1);

  std::atomic<int> done{0};
  EXPECT_THROW(pv::run_parts(3,
                             [&](int k) {
                               ++done;
                               if (k == 2) throw std::runtime_error("part 2");
                             }),
               std::runtime_error);
  EXPECT_EQ(done.load(), 3);  // the other parts were not cut short
  int one = 0;
  pv::run_parts(0, [&](int k) { one += k + 1; });  // fewer than one part: the caller's part alone
  EXPECT_EQ(one, 1);
}

}  // namespace
