#include "fingering/floating.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pv::fing {
namespace {

struct V3 {
  double x, y, z;
};
// Image point -> camera ray direction (X, Y, 1): x,y in [-1,1] across the width, aspect-corrected.
V3 ray(const Landmark& l, double fa) { return {(l.x - 0.5) * 2.0, (l.y - 0.5) * 2.0 / fa, 1.0}; }
double dist(V3 a, V3 b) { return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) + (a.z - b.z) * (a.z - b.z)); }

double tri_area(double ax, double ay, double bx, double by, double cx, double cy) {
  return 0.5 * std::abs(ax * (by - cy) + bx * (cy - ay) + cx * (ay - by));
}

}  // namespace

Skeleton model_skeleton(const std::vector<const HandLandmarks*>& hands, double fa) {
  struct Item {
    double angle_diff, tri, ratio;
    const HandLandmarks* h;
  };
  std::vector<Item> items;
  items.reserve(hands.size());
  for (const auto* hp : hands) {
    const auto& h = *hp;
    double ax = h[5].x - h[0].x, ay = h[5].y - h[0].y, bx = h[13].x - h[0].x, by = h[13].y - h[0].y;
    double na = std::hypot(ax, ay), nb = std::hypot(bx, by);
    if (na <= 0 || nb <= 0) continue;
    double ang = std::acos(std::clamp((ax * bx + ay * by) / (na * nb), -1.0, 1.0)) * 180.0 / M_PI;
    double tri = tri_area(h[5].x, h[5].y, h[0].x, h[0].y, h[13].x, h[13].y);
    if (tri <= 0) continue;
    // Hexagon wrist + five fingertips (shoelace).
    const int idx[6] = {0, 4, 8, 12, 16, 20};
    double hex = 0;
    for (int i = 0; i < 6; ++i) {
      const auto& p = h[idx[i]];
      const auto& q = h[idx[(i + 1) % 6]];
      hex += p.x * q.y - q.x * p.y;
    }
    items.push_back({std::abs(ang - 28.0), tri, std::abs(hex) / 2 / tri, hp});
  }
  Skeleton s;
  if (items.empty()) return s;
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.angle_diff < b.angle_diff; });
  items.resize(std::max<size_t>(1, size_t(std::lround(0.1 * items.size()))));
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.ratio > b.ratio; });
  items.resize(std::max<size_t>(1, size_t(std::lround(0.5 * items.size()))));
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.tri < b.tri; });
  const auto& h = *items[items.size() / 2].h;
  V3 w = ray(h[0], fa), i = ray(h[5], fa), r = ray(h[13], fa);
  s.d_wi = dist(w, i);
  s.d_ir = dist(i, r);
  s.d_rw = dist(r, w);
  return s;
}

double hand_depth(const HandLandmarks& h, const Skeleton& m, double fa) {
  if (!m.valid()) return 1.0;
  V3 w = ray(h[0], fa), i = ray(h[5], fa), r = ray(h[13], fa);
  // Solve |t w - u i| = d_wi, |u i - v r| = d_ir, |v r - t w| = d_rw by Newton from (1,1,1).
  double x[3] = {1, 1, 1};
  auto sq = [](V3 a, double s, V3 b, double q) {
    double dx = s * a.x - q * b.x, dy = s * a.y - q * b.y, dz = s * a.z - q * b.z;
    return dx * dx + dy * dy + dz * dz;
  };
  auto dot = [](V3 a, V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; };
  const double ww = dot(w, w), ii = dot(i, i), rr = dot(r, r), wi = dot(w, i), ir = dot(i, r), rw = dot(r, w);
  bool ok = false;
  for (int it = 0; it < 30; ++it) {
    double t = x[0], u = x[1], v = x[2];
    double F[3] = {sq(w, t, i, u) - m.d_wi * m.d_wi, sq(i, u, r, v) - m.d_ir * m.d_ir, sq(r, v, w, t) - m.d_rw * m.d_rw};
    double J[3][3] = {{2 * (t * ww - u * wi), 2 * (u * ii - t * wi), 0},
                      {0, 2 * (u * ii - v * ir), 2 * (v * rr - u * ir)},
                      {2 * (t * ww - v * rw), 0, 2 * (v * rr - t * rw)}};
    double det = J[0][0] * (J[1][1] * J[2][2] - J[1][2] * J[2][1]) - J[0][1] * (J[1][0] * J[2][2] - J[1][2] * J[2][0]) +
                 J[0][2] * (J[1][0] * J[2][1] - J[1][1] * J[2][0]);
    if (std::abs(det) < 1e-300) break;
    // Cramer's rule for J dx = -F.
    double dx[3];
    for (int c = 0; c < 3; ++c) {
      double M[3][3];
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) M[a][b] = (b == c) ? -F[a] : J[a][b];
      dx[c] = (M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
               M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0])) /
              det;
    }
    for (int c = 0; c < 3; ++c) x[c] += dx[c];
    if (std::abs(dx[0]) + std::abs(dx[1]) + std::abs(dx[2]) < 1e-10) {
      ok = true;
      break;
    }
  }
  double d = (x[0] + x[1] + x[2]) / 3;
  if (ok && std::isfinite(d) && d > 0) return d;
  // Fallback: ratio of triangle perimeters (weak-perspective depth).
  double per = dist(w, i) + dist(i, r) + dist(r, w);
  return per > 0 ? (m.d_wi + m.d_ir + m.d_rw) / per : 1.0;
}

FloatingResult detect_floating(const std::vector<HandFrame>& frames, const FloatingConfig& cfg) {
  FloatingResult res;
  const size_t n = frames.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  res.depth.assign(n, {nan, nan});
  res.floating.assign(n, {false, false});
  std::vector<std::array<double, 2>> raw(n, {nan, nan});
  for (int hand = 0; hand < 2; ++hand) {
    std::vector<const HandLandmarks*> obs;
    for (const auto& f : frames) {
      const auto& o = hand == 0 ? f.left : f.right;
      if (o) obs.push_back(&o->points);
    }
    res.model[hand] = model_skeleton(obs, cfg.frame_aspect);
    for (size_t k = 0; k < n; ++k) {
      const auto& o = hand == 0 ? frames[k].left : frames[k].right;
      if (o) raw[k][hand] = hand_depth(o->points, res.model[hand], cfg.frame_aspect);
    }
    const int a = cfg.half_window;
    for (size_t k = 0; k < n; ++k) {
      double own = raw[k][hand];
      if (std::isnan(own)) continue;
      double sum = 0, wsum = 0;
      for (int d = -a; d < a; ++d) {  // the reference's range(frame - a, frame + a)
        long g = long(k) + d;
        if (g < 0 || g >= long(n)) continue;
        double w = a - std::abs(d);
        double v = std::isnan(raw[g][hand]) ? own : raw[g][hand];
        sum += w * v;
        wsum += w;
      }
      double s = wsum > 0 ? cfg.centre_weight * own + (1 - cfg.centre_weight) * sum / wsum : own;
      res.depth[k][hand] = s;
      res.floating[k][hand] = s < cfg.threshold;
      res.floating_count += res.floating[k][hand];
    }
  }
  return res;
}

}  // namespace pv::fing
