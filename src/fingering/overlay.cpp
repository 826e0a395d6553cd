#include "fingering/overlay.hpp"

#include <algorithm>
#include <cmath>

namespace pv::fing {
namespace {

// 5x7 digits 0..9, one row per 5-bit number (MSB = left pixel).
constexpr std::uint8_t kDigits[10][7] = {
    {14, 17, 19, 21, 25, 17, 14}, {4, 12, 4, 4, 4, 4, 14},    {14, 17, 1, 2, 4, 8, 31},
    {31, 2, 4, 2, 1, 17, 14},     {2, 6, 10, 18, 31, 2, 2},   {31, 16, 30, 1, 1, 17, 14},
    {6, 8, 16, 30, 17, 17, 14},   {31, 1, 2, 4, 8, 8, 8},     {14, 17, 17, 14, 17, 17, 14},
    {14, 17, 17, 15, 1, 2, 12}};

constexpr int kBones[][2] = {{0, 1},   {1, 2},   {2, 3},   {3, 4},   {0, 5},   {5, 6},   {6, 7},
                             {7, 8},   {5, 9},   {9, 10},  {10, 11}, {11, 12}, {9, 13},  {13, 14},
                             {14, 15}, {15, 16}, {13, 17}, {0, 17},  {17, 18}, {18, 19}, {19, 20}};

struct Canvas {
  std::uint8_t* rgb;
  int w, h;
  void put(int x, int y, Rgb c) const {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    auto* p = rgb + (size_t(y) * w + x) * 3;
    p[0] = c[0], p[1] = c[1], p[2] = c[2];
  }
  void blend(int x, int y, Rgb c, double a) const {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    auto* p = rgb + (size_t(y) * w + x) * 3;
    for (int k = 0; k < 3; ++k) p[k] = std::uint8_t(std::lround((1 - a) * p[k] + a * c[k]));
  }
  void disc(double cx, double cy, double r, Rgb c) const {
    if (!(cx > -r - 1 && cy > -r - 1 && cx < w + r + 1 && cy < h + r + 1)) return;  // outside (or NaN)
    const int x0 = int(std::floor(cx - r)), x1 = int(std::ceil(cx + r));
    const int y0 = int(std::floor(cy - r)), y1 = int(std::ceil(cy + r));
    for (int y = std::max(y0, 0); y <= std::min(y1, h - 1); ++y)
      for (int x = std::max(x0, 0); x <= std::min(x1, w - 1); ++x) {
        const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
        if (dx * dx + dy * dy <= r * r) put(x, y, c);
      }
  }
  // Segment of width ~2r+1 (r = 0: one pixel).
  void line(double x0, double y0, double x1, double y1, double r, Rgb c) const {
    const double lim = 4.0 * (w + h);  // far outside the frame (bad landmarks, NaN): not drawn
    for (double v : {x0, y0, x1, y1})
      if (!(std::abs(v) < lim)) return;
    const double len = std::max(std::abs(x1 - x0), std::abs(y1 - y0));
    const int n = int(std::ceil(len)) + 1;
    for (int i = 0; i <= n; ++i) {
      const double t = double(i) / n, x = x0 + t * (x1 - x0), y = y0 + t * (y1 - y0);
      if (r < 0.75)
        put(int(std::floor(x)), int(std::floor(y)), c);
      else
        disc(x, y, r, c);
    }
  }
  // Even-odd scanline fill of a closed polygon (pixel coordinates), blended.
  void fill(const std::vector<Point2>& poly, Rgb c, double a) const {
    if (poly.size() < 3) return;
    double ymin = poly[0].y, ymax = poly[0].y;
    for (const auto& p : poly) ymin = std::min(ymin, p.y), ymax = std::max(ymax, p.y);
    std::vector<double> xs;
    for (int y = std::max(0, int(std::floor(ymin))); y <= std::min(h - 1, int(std::ceil(ymax))); ++y) {
      const double sy = y + 0.5;
      xs.clear();
      for (size_t i = 0; i + 1 < poly.size(); ++i) {
        const Point2 &p = poly[i], &q = poly[i + 1];
        if ((p.y <= sy) != (q.y <= sy)) xs.push_back(p.x + (sy - p.y) / (q.y - p.y) * (q.x - p.x));
      }
      std::sort(xs.begin(), xs.end());
      for (size_t i = 0; i + 1 < xs.size(); i += 2) {
        // Pixel x is inside when its centre x + 0.5 lies in [xs[i], xs[i+1]).
        const int xa = std::max(0, int(std::ceil(xs[i] - 0.5))), xb = std::min(w - 1, int(std::ceil(xs[i + 1] - 0.5)) - 1);
        for (int x = xa; x <= xb; ++x) blend(x, y, c, a);
      }
    }
  }
  void digit(double cx, double cy, int d, int s, Rgb c) const {
    if (d < 0 || d > 9) return;
    const int x0 = int(std::lround(cx - 2.5 * s)), y0 = int(std::lround(cy - 3.5 * s));
    for (int r = 0; r < 7; ++r)
      for (int k = 0; k < 5; ++k)
        if (kDigits[d][r] >> (4 - k) & 1)
          for (int dy = 0; dy < s; ++dy)
            for (int dx = 0; dx < s; ++dx) put(x0 + k * s + dx, y0 + r * s + dy, c);
  }
};

bool finite_hand(const HandLandmarks& h) {
  for (const auto& p : h)
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
  return true;
}

Rgb shade(Rgb c, double f) {  // f < 1 darker, > 1 towards white
  Rgb o;
  for (int k = 0; k < 3; ++k)
    o[k] = std::uint8_t(std::clamp(f <= 1 ? c[k] * f : c[k] + (255 - c[k]) * (f - 1), 0.0, 255.0));
  return o;
}

}  // namespace

Point2 fingertip(const HandLandmarks& h, int finger) {
  const auto& t = h[size_t(4 * finger)];
  const auto& d = h[size_t(4 * finger - 1)];
  return {0.9 * t.x + 0.1 * d.x, 0.9 * t.y + 0.1 * d.y};
}

HeldNotes::HeldNotes(std::vector<Note> notes) : notes_(std::move(notes)) {
  std::stable_sort(notes_.begin(), notes_.end(), [](const Note& a, const Note& b) { return a.onset < b.onset; });
}

std::vector<HeldNote> HeldNotes::at(double t) {
  if (t < last_t_) next_ = 0, active_.clear();
  last_t_ = t;
  while (next_ < notes_.size() && notes_[next_].onset <= t) active_.push_back(next_++);
  std::erase_if(active_, [&](size_t i) { return !(t < notes_[i].key_offset); });
  std::vector<HeldNote> out;
  out.reserve(active_.size());
  for (size_t i : active_) out.push_back({notes_[i].pitch, notes_[i].hand, notes_[i].finger});
  return out;
}

void draw_overlay(std::uint8_t* rgb, int width, int height, const kb::Keyboard88& keyboard, const HandFrame* hands,
                  const std::vector<HeldNote>& held, const OverlayStyle& st) {
  if (!rgb || width <= 0 || height <= 0) return;
  const Canvas cv{rgb, width, height};
  const double s = st.scale > 0 ? st.scale : height / 720.0;
  auto px = [&](Point2 p) { return Point2{p.x * width, p.y * height}; };
  auto hand_colour = [&](Hand h) { return h == Hand::Left ? st.left : h == Hand::Right ? st.right : st.unlabelled; };

  // Held keys, filled (white keys first so black keys stay on top).
  std::vector<Point2> poly;
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& n : held) {
      if (n.pitch < kb::kLowestPitch || n.pitch >= kb::kLowestPitch + kb::kKeys) continue;
      if (kb::is_black(n.pitch) != (pass == 1)) continue;
      poly.clear();
      for (auto p : keyboard.polygon(n.pitch - kb::kLowestPitch)) poly.push_back(px(p));
      cv.fill(poly, hand_colour(n.hand), st.highlight_alpha);
    }

  // Key outlines.
  const double lw = s >= 1.5 ? 0.5 * s : 0.0;
  for (int k = 0; k < kb::kKeys; ++k) {
    const auto& pg = keyboard.polygon(k);
    for (size_t i = 0; i + 1 < pg.size(); ++i) {
      const Point2 a = px(pg[i]), b = px(pg[i + 1]);
      cv.line(a.x, a.y, b.x, b.y, lw, st.outline);
    }
  }

  if (!hands) return;
  // Skeletons: bones in a darker shade, landmarks in the hand's colour.
  for (int side = 0; side < 2; ++side) {
    const auto& o = side == 0 ? hands->left : hands->right;
    if (!o || !finite_hand(o->points)) continue;
    const Rgb c = side == 0 ? st.left : st.right, bone = shade(c, 0.6);
    for (const auto& b : kBones) {
      const Point2 a = px({o->points[size_t(b[0])].x, o->points[size_t(b[0])].y});
      const Point2 e = px({o->points[size_t(b[1])].x, o->points[size_t(b[1])].y});
      cv.line(a.x, a.y, e.x, e.y, std::max(0.0, 1.0 * s), bone);
    }
    for (const auto& p : o->points) {
      const Point2 q = px({p.x, p.y});
      cv.disc(q.x, q.y, std::max(1.5, 3.0 * s), c);
    }
  }
  // Pressing fingertips: a disc in the hand's colour with a white rim and the finger number.
  const int ds = std::max(1, int(std::lround(2 * s)));
  const double r = 4.5 * ds + 1;
  for (const auto& n : held) {
    if ((n.hand != Hand::Left && n.hand != Hand::Right) || n.finger < 1 || n.finger > 5) continue;
    const auto& o = n.hand == Hand::Left ? hands->left : hands->right;
    if (!o || !finite_hand(o->points)) continue;
    const Point2 q = px(fingertip(o->points, n.finger));
    cv.disc(q.x, q.y, r + std::max(1.0, s), {255, 255, 255});
    cv.disc(q.x, q.y, r, hand_colour(n.hand));
    cv.digit(q.x, q.y, n.finger, ds, {255, 255, 255});
  }
}

}  // namespace pv::fing
