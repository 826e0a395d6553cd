// Overlay drawing core: held keys highlighted, landmarks in the hand's colour, pressing fingertip numbered.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fingering/overlay.hpp"

using namespace pv;

namespace {
constexpr int W = 320, H = 180;
const KeyboardCorners kCorners{{10, 80}, {310, 78}, {312, 130}, {8, 132}};

struct Px {
  int r, g, b;
};
Px at(const std::vector<std::uint8_t>& im, Point2 p) {
  const int x = int(p.x * W), y = int(p.y * H);
  const auto* q = &im[(size_t(y) * W + x) * 3];
  return {q[0], q[1], q[2]};
}
bool same(Px a, fing::Rgb c) { return a.r == c[0] && a.g == c[1] && a.b == c[2]; }

// Centre of a white key's front part (below the black keys), frame-normalised.
Point2 key_centre(const kb::Keyboard88& k, int pitch) {
  return k.from_plane({kb::white_index(pitch) + 0.5, 0.85 * k.depth()});
}

// A hand whose finger `finger` ends at `tip`, wrist `up` above it, other fingers spread by `spread`.
HandObservation hand_at(Point2 tip, int finger, double spread = 0.03, double up = 0.25) {
  HandObservation o;
  const double wx = tip.x, wy = tip.y - up;
  o.points[0] = {float(wx), float(wy), 0};
  for (int f = 1; f <= 5; ++f)
    for (int j = 1; j <= 4; ++j) {
      const double t = j / 4.0, fx = tip.x + (f - finger) * spread;
      o.points[size_t(4 * (f - 1) + j)] = {float(wx + t * (fx - wx)), float(wy + t * (tip.y - wy)), 0};
    }
  return o;
}

std::vector<std::uint8_t> grey() { return std::vector<std::uint8_t>(size_t(W) * H * 3, 100); }

int count(const std::vector<std::uint8_t>& im, Point2 c, int half, fing::Rgb col) {
  int n = 0;
  for (int y = int(c.y * H) - half; y <= int(c.y * H) + half; ++y)
    for (int x = int(c.x * W) - half; x <= int(c.x * W) + half; ++x)
      if (x >= 0 && y >= 0 && x < W && y < H && same({im[(size_t(y) * W + x) * 3], im[(size_t(y) * W + x) * 3 + 1],
                                                      im[(size_t(y) * W + x) * 3 + 2]},
                                                     col))
        ++n;
  return n;
}
}  // namespace

TEST(Overlay, HeldKeyTakesTheHandColour) {
  auto k = kb::Keyboard88::from_pixels(kCorners, W, H);
  const fing::OverlayStyle st;
  for (Hand hand : {Hand::Right, Hand::Left, Hand::Noinfo}) {
    auto im = grey();
    fing::draw_overlay(im.data(), W, H, k, nullptr, {{60, hand, 2}}, st);
    const Px held = at(im, key_centre(k, 60)), idle = at(im, key_centre(k, 72));
    EXPECT_EQ(idle.r, 100);  // a key not held keeps its pixels
    EXPECT_EQ(idle.g, 100);
    EXPECT_EQ(idle.b, 100);
    if (hand == Hand::Right) {
      EXPECT_GT(held.r, held.b + 60);
    } else if (hand == Hand::Left) {
      EXPECT_GT(held.b, held.r + 60);
    } else {
      EXPECT_GT(held.g, held.b + 60);
    }
  }
  // A black key highlights its own polygon, not its white neighbours' front parts.
  auto im = grey();
  fing::draw_overlay(im.data(), W, H, k, nullptr, {{61, Hand::Right, 2}}, st);
  const Point2 black = k.from_plane({kb::white_index(61) + 1.0, 0.3 * k.depth()});
  EXPECT_GT(at(im, black).r, 150);
  const Px front = at(im, key_centre(k, 60));
  EXPECT_EQ(front.r, 100);
}

TEST(Overlay, KeyOutlinesDrawn) {
  auto k = kb::Keyboard88::from_pixels(kCorners, W, H);
  auto im = grey();
  fing::draw_overlay(im.data(), W, H, k, nullptr, {});
  EXPECT_GT(count(im, {0.5, 0.6}, 90, fing::OverlayStyle{}.outline), 200);
}

TEST(Overlay, LandmarksHaveTheirHandColour) {
  auto k = kb::Keyboard88::from_pixels(kCorners, W, H);
  HandFrame f;
  f.left = hand_at(key_centre(k, 48), 3);
  f.right = hand_at(key_centre(k, 76), 2);
  auto im = grey();
  const fing::OverlayStyle st;
  fing::draw_overlay(im.data(), W, H, k, &f, {});
  EXPECT_TRUE(same(at(im, {f.left->points[0].x, f.left->points[0].y}), st.left));
  EXPECT_TRUE(same(at(im, {f.right->points[0].x, f.right->points[0].y}), st.right));
  EXPECT_TRUE(same(at(im, {f.right->points[12].x, f.right->points[12].y}), st.right));
  // Swapping the hands swaps the colours.
  std::swap(f.left, f.right);
  im = grey();
  fing::draw_overlay(im.data(), W, H, k, &f, {});
  EXPECT_TRUE(same(at(im, {f.left->points[0].x, f.left->points[0].y}), st.left));
}

TEST(Overlay, PressingFingertipMarkedWithItsNumber) {
  auto k = kb::Keyboard88::from_pixels(kCorners, W, H);
  const fing::OverlayStyle st;
  HandFrame f;
  f.right = hand_at(key_centre(k, 64), 2);
  const Point2 tip = fing::fingertip(f.right->points, 2);
  EXPECT_NEAR(tip.x, key_centre(k, 64).x, 1e-6);

  auto plain = grey();
  fing::draw_overlay(plain.data(), W, H, k, &f, {});
  EXPECT_EQ(count(plain, tip, 6, {255, 255, 255}), 0);

  auto two = grey(), three = grey(), left = grey();
  fing::draw_overlay(two.data(), W, H, k, &f, {{64, Hand::Right, 2}});
  fing::draw_overlay(three.data(), W, H, k, &f, {{64, Hand::Right, 3}});
  fing::draw_overlay(left.data(), W, H, k, &f, {{64, Hand::Left, 2}});  // left hand absent: no marker
  EXPECT_GT(count(two, tip, 6, {255, 255, 255}), 5);   // digit + rim
  EXPECT_GT(count(two, tip, 6, st.right), 10);          // disc
  EXPECT_NE(two, three);                                // another digit, at another fingertip
  EXPECT_EQ(count(left, tip, 6, {255, 255, 255}), 0);
  // The pressing marker sits on finger 3's tip for finger 3.
  const Point2 tip3 = fing::fingertip(f.right->points, 3);
  EXPECT_GT(count(three, tip3, 6, {255, 255, 255}), 5);
}

TEST(Overlay, HeldNotesSweep) {
  std::vector<Note> notes(3);
  notes[0].pitch = 60, notes[0].onset = 1.0, notes[0].key_offset = 2.0;
  notes[1].pitch = 64, notes[1].onset = 0.5, notes[1].key_offset = 1.5, notes[1].hand = Hand::Left,
  notes[1].finger = 3;
  notes[2].pitch = 67, notes[2].onset = 1.5, notes[2].key_offset = 1.6;
  fing::HeldNotes h(notes);
  EXPECT_TRUE(h.at(0.0).empty());
  auto a = h.at(1.0);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].pitch, 64);
  EXPECT_EQ(a[0].hand, Hand::Left);
  EXPECT_EQ(a[0].finger, 3);
  EXPECT_EQ(a[1].pitch, 60);
  auto b = h.at(1.5);  // 64 released at 1.5, 67 starts
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].pitch, 60);
  EXPECT_EQ(b[1].pitch, 67);
  EXPECT_TRUE(h.at(2.5).empty());
  EXPECT_EQ(h.at(0.6).size(), 1u);  // going back restarts the sweep
}

TEST(Overlay, BadInputsDoNotCrash) {
  auto k = kb::Keyboard88::from_pixels(kCorners, W, H);
  HandFrame f;
  f.right = hand_at({0.5, 0.9}, 2);
  f.right->points[5].x = std::numeric_limits<float>::quiet_NaN();
  f.left = hand_at({0.5, 0.9}, 2);
  f.left->points[3].x = 1e30f;
  auto im = grey();
  fing::draw_overlay(im.data(), W, H, k, &f, {{60, Hand::Right, 2}, {200, Hand::Left, 9}, {-3, Hand::Left, 1}});
  fing::draw_overlay(nullptr, W, H, k, &f, {});
  auto far = kb::Keyboard88::from_pixels({{-5000, -100}, {9000, -120}, {9100, 700}, {-5100, 720}}, W, H);
  fing::draw_overlay(im.data(), W, H, far, &f, {{60, Hand::Right, 2}});
  EXPECT_EQ(im.size(), size_t(W) * H * 3);
}
