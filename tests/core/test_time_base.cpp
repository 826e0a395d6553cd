#include <gtest/gtest.h>

#include "core/time_base.hpp"

TEST(FrameTimeBase, FrameIntervalsAndCentres) {
  pv::FrameTimeBase tb{{60000, 1001}, 0.5};
  EXPECT_DOUBLE_EQ(tb.frame_start(0), 0.5);
  EXPECT_NEAR(tb.frame_start(60), 0.5 + 1.001, 1e-12);
  EXPECT_NEAR(tb.frame_centre(0), 0.5 + 0.5 * 1001.0 / 60000.0, 1e-12);
  EXPECT_EQ(tb.frame_at(0.5), 0);
  EXPECT_EQ(tb.frame_at(tb.frame_start(7)), 7);
  EXPECT_EQ(tb.frame_at(tb.frame_end(7) - 1e-6), 7);
  EXPECT_EQ(tb.frame_at(0.4), -6);  // 0.1 s before frame 0 at 59.94 fps
}
