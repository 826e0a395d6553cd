#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.hpp"
#include "keyboard/keyboard.hpp"

using namespace pv;
using namespace pv::kb;

namespace {
const KeyboardCorners kBox{{0.1, 0.4}, {0.9, 0.4}, {0.9, 0.5}, {0.1, 0.5}};  // axis-aligned keyboard
int key_of_white(int w) {
  for (int k = 0; k < kKeys; ++k)
    if (!is_black(k + 21) && white_index(k + 21) == w) return k;
  return -1;
}
int key_of_boundary(int n) {  // black key right of white n-1
  int k = key_of_white(n - 1) + 1;
  return (k < kKeys && is_black(k + 21)) ? k : -1;
}
double shift(int n) {
  int r = n % 7;
  return (r == 1 || r == 4) ? 1.0 / 12 : (r == 3 || r == 6) ? -1.0 / 12 : 0.0;
}
}  // namespace

TEST(KeyTables, PitchClasses) {
  EXPECT_FALSE(is_black(21));  // A0
  EXPECT_TRUE(is_black(22));   // A#0
  EXPECT_TRUE(is_black(61));   // C#4
  EXPECT_EQ(white_index(21), 0);
  EXPECT_EQ(white_index(24), 2);   // C1
  EXPECT_EQ(white_index(60), 23);  // C4
  EXPECT_EQ(white_index(108), 51);
  EXPECT_EQ(white_index(61), 23);  // C#4 -> C4's index
  EXPECT_EQ(white_index(20), -1);
  int blacks = 0;
  for (int p = 21; p <= 108; ++p) blacks += is_black(p);
  EXPECT_EQ(blacks, 36);
}

TEST(Homography, FitsFourPointsAndInverts) {
  std::array<Point2, 4> s{Point2{0.12, 0.41}, {0.88, 0.38}, {0.93, 0.52}, {0.07, 0.55}};
  std::array<Point2, 4> d{Point2{0, 0}, {52, 0}, {52, 6.4}, {0, 6.4}};
  auto H = Homography::from_points(s, d);
  for (int i = 0; i < 4; ++i) {
    auto p = H.apply(s[i]);
    EXPECT_NEAR(p.x, d[i].x, 1e-9);
    EXPECT_NEAR(p.y, d[i].y, 1e-9);
  }
  auto Hi = H.inverse();
  auto q = Hi.apply(H.apply({0.5, 0.47}));
  EXPECT_NEAR(q.x, 0.5, 1e-12);
  EXPECT_NEAR(q.y, 0.47, 1e-12);
  std::array<Point2, 4> line{Point2{0, 0}, {1, 0}, {2, 0}, {0, 1}};
  EXPECT_THROW(Homography::from_points(line, d), pv::Error);
}

TEST(Keyboard, RejectsBadCorners) {
  KeyboardCorners swapped{kBox.rt, kBox.lt, kBox.lb, kBox.rb};  // mirrored
  EXPECT_THROW(Keyboard88 kb(swapped), pv::Error);
  KeyboardCorners nan{{NAN, 0.4}, kBox.rt, kBox.rb, kBox.lb};
  EXPECT_THROW(Keyboard88 kb(nan), pv::Error);
  KeyboardParams p;
  p.black_ratio = 1.5;
  EXPECT_THROW(Keyboard88 kb(kBox, p), pv::Error);
  EXPECT_THROW(Keyboard88::from_pixels(kBox, 0, 1080), pv::Error);
}

TEST(Keyboard, RectifiedLookupOnAxisAlignedBox) {
  Keyboard88 kb(kBox);
  const double D = kb.depth();
  EXPECT_NEAR(D, 52 / 8.147, 1e-12);
  for (int w = 0; w < 52; ++w) {
    // Front of each white key.
    Point2 uv{w + 0.5, D * 0.9};
    Point2 p = kb.from_plane(uv);
    EXPECT_NEAR(p.x, 0.1 + (w + 0.5) / 52 * 0.8, 1e-12);
    EXPECT_EQ(kb.key_at(p), key_of_white(w)) << w;
    EXPECT_EQ(kb.distance(p, key_of_white(w)), 0.0);
  }
  for (int n = 1; n < 52; ++n) {
    int k = key_of_boundary(n);
    if (k < 0) continue;
    Point2 p = kb.from_plane({n + shift(n), D * 0.3});
    EXPECT_EQ(kb.key_at(p), k) << n;
    // Just outside the black key's side but still above it: inside a white key.
    Point2 q = kb.from_plane({n + shift(n) + 0.3, D * 0.3});
    EXPECT_EQ(kb.key_at(q), key_of_white(n)) << n;
    EXPECT_NEAR(kb.distance(q, k), 0.05, 1e-9);
  }
  EXPECT_EQ(kb.key_at(Point2{0.05, 0.45}), -1);
  EXPECT_EQ(kb.key_at(Point2{0.5, 0.55}), -1);
  // Distance in white-key units: half a key right of A0's front edge -> 0.5 from A0.
  Point2 r = kb.from_plane({1.5, D * 0.95});
  EXPECT_NEAR(kb.distance(r, 0), 0.5, 1e-9);
  EXPECT_EQ(kb.half_white(), 0.5);
  // Below the front edge by 0.3 white keys.
  EXPECT_NEAR(kb.distance(kb.from_plane({10.5, D + 0.3}), key_of_white(10)), 0.3, 1e-9);
}

TEST(Keyboard, RectifiedPerspectiveAndPolygonsAgree) {
  KeyboardCorners c{{0.12, 0.41}, {0.88, 0.38}, {0.93, 0.52}, {0.07, 0.55}};
  KeyboardParams prm;
  prm.k1 = -0.08;  // barrel
  Keyboard88 kb(c, prm);
  // Corners map onto the plane rectangle's corners.
  auto lt = kb.to_plane(c.lt), rb = kb.to_plane(c.rb);
  EXPECT_NEAR(lt.x, 0, 1e-9);
  EXPECT_NEAR(lt.y, 0, 1e-9);
  EXPECT_NEAR(rb.x, 52, 1e-9);
  EXPECT_NEAR(rb.y, kb.depth(), 1e-9);
  auto u = kb.undistort(kb.distort({0.8, 0.3}));
  EXPECT_NEAR(u.x, 0.8, 1e-9);
  EXPECT_NEAR(u.y, 0.3, 1e-9);
  // Random points: the O(1) lookup agrees with polygon tests on the drawn polygons.
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> U(0.0, 52.0), V(0.0, kb.depth());
  // (Polygons have straight edges between mapped corners; with lens distortion the true edges curve, so
  // a few points right at an edge may differ.)
  int agree = 0;
  for (int i = 0; i < 3000; ++i) {
    Point2 p = kb.from_plane({U(rng), V(rng)});
    int k = kb.key_at(p);
    ASSERT_GE(k, 0);
    agree += point_in_polygon(kb.polygon(k), p);
  }
  EXPECT_GT(agree, 2970);
}

TEST(Keyboard, ReferenceModelVerticesAndLookup) {
  KeyboardParams p;
  p.model = Model::Reference;
  p.black_ratio = 0.6;
  p.l_distortion = 1e-5;
  p.r_distortion = 2e-5;
  p.c_distortion = 3e-3;
  Keyboard88 kb(kBox, p);
  auto D = [&](double i) {  // the reference's three terms
    double d = i - 26, c = p.c_distortion * (676 - d * d) / 676;
    if (d > 0) return p.r_distortion * (169 - (d - 13) * (d - 13)) + c;
    if (d < 0) return -p.l_distortion * (169 - (-d - 13) * (-d - 13)) + c;
    return p.c_distortion;
  };
  // White key 13 (C2? index 13 = G2... any): its first vertex is bottom point 13, shifted by D(13), +0.01 in y.
  int k13 = key_of_white(13);
  const auto& poly = kb.polygon(k13);
  EXPECT_NEAR(poly[0].x, 0.1 + 0.8 * 13 / 52 + D(13), 1e-15);
  EXPECT_NEAR(poly[0].y, 0.51, 1e-15);
  EXPECT_NEAR(poly[1].x, 0.1 + 0.8 * 14 / 52 + D(14), 1e-15);
  EXPECT_EQ(poly.front().x, poly.back().x);
  // C8 is a plain rectangle whose top edge uses the mirrored term D(52 - i).
  const auto& c8 = kb.polygon(87);
  ASSERT_EQ(c8.size(), 5u);
  EXPECT_NEAR(c8[2].x, 0.9 + D(0), 1e-15);
  EXPECT_NEAR(c8[3].x, 0.1 + 0.8 * 51 / 52 + D(1), 1e-15);
  EXPECT_NEAR(c8[3].y, 0.39, 1e-15);
  // A#0: boundary 1, shifted right by 1/12; black length 0.6 of the depth.
  const auto& as0 = kb.polygon(1);
  ASSERT_EQ(as0.size(), 5u);
  EXPECT_NEAR(as0[0].x, 0.1 + 0.8 * (1 - 0.25 + 1.0 / 12) / 52 + D(1), 1e-15);
  EXPECT_NEAR(as0[1].y, 0.4 * 0.4 + 0.5 * 0.6, 1e-15);
  EXPECT_NEAR(kb.half_white(), (0.8 / 52 + D(1) - D(0)) / 2, 1e-15);
  // Polygon counts: every key has a polygon; white key shapes have 4, 6 or 8 corners.
  for (int k = 0; k < kKeys; ++k) {
    size_t n = kb.polygon(k).size() - 1;
    EXPECT_TRUE(n == 4 || n == 6 || n == 8) << k;
  }
  // Lookup through the grid.
  Keyboard88 plain(kBox, KeyboardParams{.model = Model::Reference, .black_ratio = 0.6});
  for (int w = 0; w < 52; ++w) EXPECT_EQ(plain.key_at(Point2{0.1 + 0.8 * (w + 0.5) / 52, 0.49}), key_of_white(w)) << w;
  for (int n = 1; n < 52; ++n) {
    int k = key_of_boundary(n);
    if (k >= 0) {
      EXPECT_EQ(plain.key_at(Point2{0.1 + 0.8 * (n + shift(n)) / 52, 0.43}), k) << n;
    }
  }
  EXPECT_EQ(plain.key_at(Point2{0.05, 0.45}), -1);
  // Distance in frame units: a point 0.004 left of A0's bottom-left corner region.
  EXPECT_NEAR(plain.distance(Point2{0.096, 0.48}, 0), 0.004, 1e-12);
}

TEST(Keyboard, ReferenceAndRectifiedAgreeWithoutDistortion) {
  Keyboard88 ref(kBox, KeyboardParams{.model = Model::Reference, .black_ratio = 0.63});
  Keyboard88 rect(kBox, KeyboardParams{.model = Model::Rectified, .black_ratio = 0.63});
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> X(0.1, 0.9), Y(0.4, 0.5);
  int agree = 0, n = 4000;
  for (int i = 0; i < n; ++i) {
    Point2 p{X(rng), Y(rng)};
    agree += ref.key_at(p) == rect.key_at(p);
  }
  EXPECT_GT(agree, n * 97 / 100);
}

TEST(Keyboard, BilinearAndHomographyMappings) {
  KeyboardCorners c{{0.12, 0.41}, {0.88, 0.38}, {0.93, 0.52}, {0.07, 0.55}};
  for (auto m : {Mapping::Bilinear, Mapping::Homography}) {
    Keyboard88 kb(c, KeyboardParams{.mapping = m});
    for (double u : {0.0, 13.3, 26.0, 51.2}) {
      for (double v : {0.0, 2.0, 6.0, 9.5}) {  // 9.5: beyond the front edge (wrists)
        auto uv = kb.to_plane(kb.from_plane({u, v}));
        EXPECT_NEAR(uv.x, u, 1e-9);
        EXPECT_NEAR(uv.y, v, 1e-9);
      }
    }
    auto rt = kb.from_plane({52, 0});
    EXPECT_NEAR(rt.x, 0.88, 1e-12);
    EXPECT_NEAR(rt.y, 0.38, 1e-12);
  }
  // Bilinear: keys are equal divisions of the front edge.
  Keyboard88 bl(c);
  auto p = bl.from_plane({13, bl.depth()});
  EXPECT_NEAR(p.x, 0.07 + (0.93 - 0.07) * 13 / 52, 1e-12);
}
