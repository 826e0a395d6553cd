#include <gtest/gtest.h>

#include "demo/compose.hpp"
#include "demo/scene.hpp"

TEST(DemoCompose, PieceHasFingeringPedalAndBothHands) {
  auto piece = pv::demo::compose();
  ASSERT_EQ(piece.perf.notes.size(), 8u * 12u);
  int left = 0, right = 0;
  for (const auto& n : piece.perf.notes) {
    EXPECT_GE(n.finger, 1);
    EXPECT_LE(n.finger, 5);
    EXPECT_GT(n.key_offset, n.onset);
    EXPECT_GE(n.sound_offset, n.key_offset - 1e-9);
    (n.hand == pv::Hand::Left ? left : right)++;
  }
  EXPECT_EQ(left, 64);
  EXPECT_EQ(right, 32);
  EXPECT_FALSE(piece.perf.pedals.empty());
  // Deterministic.
  auto again = pv::demo::compose();
  EXPECT_DOUBLE_EQ(again.perf.notes[10].onset, piece.perf.notes[10].onset);
}

TEST(DemoScene, PressedKeyIsLit) {
  pv::demo::Scene s;
  std::vector<std::uint8_t> idle, lit;
  pv::demo::draw_keyboard(s, {}, idle);
  pv::demo::draw_keyboard(s, {60}, lit);  // C4: white key index 23 of 52
  ASSERT_EQ(idle.size(), static_cast<size_t>(s.width * s.height * 3));
  // Sample the front of the C4 key (v = 0.85) via the corners.
  double u = (23 + 0.5) / 52.0, v = 0.85;
  double x = (1 - v) * (s.corners.lt.x + u * (s.corners.rt.x - s.corners.lt.x)) +
             v * (s.corners.lb.x + u * (s.corners.rb.x - s.corners.lb.x));
  double y = (1 - v) * (s.corners.lt.y + u * (s.corners.rt.y - s.corners.lt.y)) +
             v * (s.corners.lb.y + u * (s.corners.rb.y - s.corners.lb.y));
  size_t i = (static_cast<size_t>(y) * s.width + static_cast<size_t>(x)) * 3;
  EXPECT_GT(idle[i], 200);         // white key
  EXPECT_LT(lit[i], idle[i] - 40); // lit blue: less red
  EXPECT_EQ(lit[i + 2], 255);
}
