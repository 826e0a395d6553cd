#include "demo/scene.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "keyboard/keyboard.hpp"

namespace pv::demo {
namespace {

void put(std::vector<std::uint8_t>& rgb, int w, int h, int x, int y, std::array<std::uint8_t, 3> c) {
  if (x < 0 || y < 0 || x >= w || y >= h) return;
  auto* p = &rgb[(static_cast<size_t>(y) * w + x) * 3];
  p[0] = c[0];
  p[1] = c[1];
  p[2] = c[2];
}

void line(std::vector<std::uint8_t>& rgb, int w, int h, double x0, double y0, double x1, double y1, int thick,
          std::array<std::uint8_t, 3> c) {
  int n = static_cast<int>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
  for (int i = 0; i <= n; ++i) {
    double t = static_cast<double>(i) / n;
    int x = static_cast<int>(std::lround(x0 + t * (x1 - x0))), y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
    for (int dy = -thick; dy <= thick; ++dy)
      for (int dx = -thick; dx <= thick; ++dx)
        if (dx * dx + dy * dy <= thick * thick) put(rgb, w, h, x + dx, y + dy, c);
  }
}

}  // namespace

void draw_keyboard(const Scene& s, const std::vector<int>& pressed, std::vector<std::uint8_t>& rgb) {
  rgb.assign(static_cast<size_t>(s.width) * s.height * 3, 0);
  // Table / piano body background.
  for (int y = 0; y < s.height; ++y)
    for (int x = 0; x < s.width; ++x) put(rgb, s.width, s.height, x, y, {48, 34, 28});

  // White key index -> pitch, and black keys by their left white neighbour.
  std::array<int, 52> white_pitch{};
  std::array<int, 52> black_after{};
  black_after.fill(-1);
  int wi = -1;
  for (int p = 21; p <= 108; ++p) {
    if (!kb::is_black(p)) white_pitch[++wi] = p;
    else black_after[wi] = p;
  }
  std::array<bool, 128> down{};
  for (int p : pressed)
    if (p >= 0 && p < 128) down[p] = true;

  // Pixel -> unit square (u along the keyboard, v from the far edge to the player's edge).
  const auto& c = s.corners;
  const kb::Homography inv = kb::Homography::from_points({c.lt, c.rt, c.rb, c.lb}, {Point2{0, 0}, {1, 0}, {1, 1}, {0, 1}});
  double minx = std::min({s.corners.lt.x, s.corners.lb.x}), maxx = std::max({s.corners.rt.x, s.corners.rb.x});
  double miny = std::min({s.corners.lt.y, s.corners.rt.y}), maxy = std::max({s.corners.lb.y, s.corners.rb.y});
  for (int y = std::max(0, static_cast<int>(miny)); y <= std::min(s.height - 1, static_cast<int>(maxy) + 1); ++y) {
    for (int x = std::max(0, static_cast<int>(minx)); x <= std::min(s.width - 1, static_cast<int>(maxx) + 1); ++x) {
      const Point2 uv = inv.apply({x + 0.5, y + 0.5});
      const double u = uv.x, v = uv.y;
      if (u < 0 || u >= 1 || v < 0 || v >= 1) continue;
      double wu = u * 52.0;
      int w = static_cast<int>(wu);
      double frac = wu - w;
      std::array<std::uint8_t, 3> col;
      int black = -1;
      if (v < s.black_ratio) {
        if (frac > 0.75 && black_after[w] >= 0) black = black_after[w];
        if (frac < 0.25 && w > 0 && black_after[w - 1] >= 0) black = black_after[w - 1];
      }
      if (black >= 0) {
        col = down[black] ? std::array<std::uint8_t, 3>{40, 90, 200} : std::array<std::uint8_t, 3>{20, 20, 22};
      } else {
        bool edge = frac < 0.04 || frac > 0.96;
        if (edge) col = {120, 120, 120};
        else col = down[white_pitch[w]] ? std::array<std::uint8_t, 3>{150, 190, 255}
                                      : std::array<std::uint8_t, 3>{236, 234, 226};
      }
      put(rgb, s.width, s.height, x, y, col);
    }
  }
}

void draw_hand(const Scene& s, const HandLandmarks& h, bool left, std::vector<std::uint8_t>& rgb) {
  static const int kBones[][2] = {{0, 1},   {1, 2},   {2, 3},   {3, 4},   {0, 5},   {5, 6},   {6, 7},
                                  {7, 8},   {5, 9},   {9, 10},  {10, 11}, {11, 12}, {9, 13},  {13, 14},
                                  {14, 15}, {15, 16}, {13, 17}, {0, 17},  {17, 18}, {18, 19}, {19, 20}};
  std::array<std::uint8_t, 3> skin = left ? std::array<std::uint8_t, 3>{230, 170, 140}
                                          : std::array<std::uint8_t, 3>{210, 150, 120};
  for (auto& b : kBones) {
    const auto& a = h[b[0]];
    const auto& c = h[b[1]];
    line(rgb, s.width, s.height, a.x * s.width, a.y * s.height, c.x * s.width, c.y * s.height, 5, skin);
  }
  std::array<std::uint8_t, 3> dot = left ? std::array<std::uint8_t, 3>{220, 40, 40}
                                         : std::array<std::uint8_t, 3>{40, 160, 40};
  for (const auto& p : h) line(rgb, s.width, s.height, p.x * s.width, p.y * s.height, p.x * s.width, p.y * s.height, 3, dot);
}

}  // namespace pv::demo
