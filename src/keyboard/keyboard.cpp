#include "keyboard/keyboard.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace pv::kb {
namespace {

// Semitone -> is black (C=0).
constexpr bool kBlackPc[12] = {false, true, false, true, false, false, true, false, true, false, true, false};

// Black key at white boundary n (between white keys n-1 and n), by n % 7 (A0 = white 0).
bool boundary_has_black(int n) {
  if (n < 1 || n > 51) return false;
  int r = n % 7;
  return r == 0 || r == 1 || r == 3 || r == 4 || r == 6;
}
// Horizontal shift of the black key at boundary n, in white keys: C#/F# left, A#/D# right, G# centred.
double black_shift(int n) {
  int r = n % 7;
  if (r == 1 || r == 4) return 1.0 / 12;
  if (r == 3 || r == 6) return -1.0 / 12;
  return 0.0;
}

struct Tables {
  int white_pitch[kWhiteKeys];
  int key_of_white[kWhiteKeys];
  int key_of_boundary[kWhiteKeys + 1];  // -1 where no black key
  int boundary_of_key[kKeys];           // black keys: boundary; white: -1
  int white_of_key[kKeys];              // white keys: index; black: -1
  Tables() {
    int w = 0;
    for (int k = 0; k < kKeys; ++k) {
      int pitch = k + kLowestPitch;
      boundary_of_key[k] = -1;
      white_of_key[k] = -1;
      if (!kBlackPc[pitch % 12]) {
        white_pitch[w] = pitch;
        key_of_white[w] = k;
        white_of_key[k] = w;
        ++w;
      }
    }
    for (int n = 0; n <= kWhiteKeys; ++n) key_of_boundary[n] = -1;
    for (int n = 1; n < kWhiteKeys; ++n)
      if (boundary_has_black(n)) {
        int k = key_of_white[n - 1] + 1;
        key_of_boundary[n] = k;
        boundary_of_key[k] = n;
      }
  }
};
const Tables& tables() {
  static const Tables t;
  return t;
}

double lerp(double a, double b, double t) { return a * (1 - t) + b * t; }

// The reference's parabolic distortion term for boundary index i (0..52).
double ref_distortion(double i, double l, double r, double c) {
  double d = i - 26;
  double centre = c * (26.0 * 26.0 - d * d) / (26.0 * 26.0);
  if (d > 0) return r * (-(std::abs(d) - 13) * (std::abs(d) - 13) + 169) + centre;
  if (d < 0) return -l * (-(std::abs(d) - 13) * (std::abs(d) - 13) + 169) + centre;
  return c;
}

double segment_distance(Point2 p, Point2 a, Point2 b) {
  double dx = b.x - a.x, dy = b.y - a.y;
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  double ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y;
  return std::sqrt(ex * ex + ey * ey);
}

double rect_distance(Point2 p, double x0, double x1, double y0, double y1) {
  double dx = std::max({x0 - p.x, 0.0, p.x - x1});
  double dy = std::max({y0 - p.y, 0.0, p.y - y1});
  return std::sqrt(dx * dx + dy * dy);
}

}  // namespace

bool is_black(int pitch) { return kBlackPc[((pitch % 12) + 12) % 12]; }

int white_index(int pitch) {
  if (pitch < kLowestPitch || pitch >= kLowestPitch + kKeys) return -1;
  int k = pitch - kLowestPitch;
  const auto& t = tables();
  return t.white_of_key[k] >= 0 ? t.white_of_key[k] : t.boundary_of_key[k] - 1;
}

// ---- Homography ------------------------------------------------------------------------------------

Point2 Homography::apply(Point2 p) const {
  double w = m[6] * p.x + m[7] * p.y + m[8];
  return {(m[0] * p.x + m[1] * p.y + m[2]) / w, (m[3] * p.x + m[4] * p.y + m[5]) / w};
}

Homography Homography::inverse() const {
  const auto& a = m;
  Homography r;
  r.m = {a[4] * a[8] - a[5] * a[7], a[2] * a[7] - a[1] * a[8], a[1] * a[5] - a[2] * a[4],
         a[5] * a[6] - a[3] * a[8], a[0] * a[8] - a[2] * a[6], a[2] * a[3] - a[0] * a[5],
         a[3] * a[7] - a[4] * a[6], a[1] * a[6] - a[0] * a[7], a[0] * a[4] - a[1] * a[3]};
  return r;  // adjugate; scale is irrelevant
}

Homography Homography::from_points(const std::array<Point2, 4>& s, const std::array<Point2, 4>& d) {
  // 8x8 linear system for h0..h7 (h8 = 1), Gaussian elimination with partial pivoting.
  double A[8][9];
  for (int i = 0; i < 4; ++i) {
    double x = s[i].x, y = s[i].y, u = d[i].x, v = d[i].y;
    double r1[9] = {x, y, 1, 0, 0, 0, -u * x, -u * y, u};
    double r2[9] = {0, 0, 0, x, y, 1, -v * x, -v * y, v};
    std::copy(r1, r1 + 9, A[2 * i]);
    std::copy(r2, r2 + 9, A[2 * i + 1]);
  }
  for (int c = 0; c < 8; ++c) {
    int piv = c;
    for (int r = c + 1; r < 8; ++r)
      if (std::abs(A[r][c]) > std::abs(A[piv][c])) piv = r;
    if (std::abs(A[piv][c]) < 1e-12) throw Error("keyboard corners are degenerate (three on a line?)");
    std::swap(A[c], A[piv]);
    for (int r = 0; r < 8; ++r) {
      if (r == c) continue;
      double f = A[r][c] / A[c][c];
      for (int k = c; k < 9; ++k) A[r][k] -= f * A[c][k];
    }
  }
  Homography h;
  for (int i = 0; i < 8; ++i) h.m[i] = A[i][8] / A[i][i];
  h.m[8] = 1;
  return h;
}

// ---- Keyboard88 ------------------------------------------------------------------------------------

Keyboard88::Keyboard88(const KeyboardCorners& c, const KeyboardParams& params) : corners_(c), params_(params) {
  auto finite = [](Point2 p) { return std::isfinite(p.x) && std::isfinite(p.y); };
  if (!finite(c.lt) || !finite(c.rt) || !finite(c.rb) || !finite(c.lb)) throw Error("keyboard corners are not finite");
  if (!(params.black_ratio > 0 && params.black_ratio < 1))
    throw Error("black-key ratio must be in (0,1), got " + std::to_string(params.black_ratio));
  if (!(params.aspect > 0) || !(params.frame_aspect > 0)) throw Error("keyboard/frame aspect must be positive");
  // Orientation: the keyboard must run left -> right and far -> near (no mirrored / crossed corners).
  auto cross = [](Point2 a, Point2 b, Point2 o) { return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x); };
  double s1 = cross(c.rt, c.lb, c.lt), s2 = cross(c.lb, c.rt, c.rb), s3 = cross(c.rb, c.lt, c.rt),
         s4 = cross(c.lt, c.rb, c.lb);
  if (!(s1 > 0 && s2 > 0 && s3 > 0 && s4 > 0))
    throw Error("keyboard corners must form a convex quadrilateral in LT, RT, RB, LB order");
  std::array<Point2, 4> src = {undistort(c.lt), undistort(c.rt), undistort(c.rb), undistort(c.lb)};
  if (params.model == Model::Reference) src = {c.lt, c.rt, c.rb, c.lb};
  double D = depth();
  std::array<Point2, 4> dst = {Point2{0, 0}, Point2{52, 0}, Point2{52, D}, Point2{0, D}};
  quad_ = src;
  to_plane_ = Homography::from_points(src, dst);
  from_plane_ = Homography::from_points(dst, src);
  if (params.model == Model::Reference)
    build_reference();
  else
    build_rectified();
}

Keyboard88 Keyboard88::from_pixels(const KeyboardCorners& px, int width, int height, KeyboardParams params) {
  if (width <= 0 || height <= 0) throw Error("frame size must be positive");
  auto n = [&](Point2 p) { return Point2{p.x / width, p.y / height}; };
  params.frame_aspect = double(width) / height;
  return Keyboard88({n(px.lt), n(px.rt), n(px.rb), n(px.lb)}, params);
}

Point2 Keyboard88::distort(Point2 p) const {
  if (params_.k1 == 0 && params_.k2 == 0) return p;
  double fa = params_.frame_aspect, R2 = (fa * fa + 1) / 4;
  double X = (p.x - 0.5) * fa, Y = p.y - 0.5;
  double r2 = (X * X + Y * Y) / R2;
  double f = 1 + params_.k1 * r2 + params_.k2 * r2 * r2;
  return {0.5 + X * f / fa, 0.5 + Y * f};
}

Point2 Keyboard88::undistort(Point2 p) const {
  if (params_.k1 == 0 && params_.k2 == 0) return p;
  double fa = params_.frame_aspect, R2 = (fa * fa + 1) / 4;
  double Xd = (p.x - 0.5) * fa, Yd = p.y - 0.5;
  double X = Xd, Y = Yd;
  for (int it = 0; it < 30; ++it) {  // fixed point: X = Xd / f(r(X))
    double r2 = (X * X + Y * Y) / R2;
    double f = 1 + params_.k1 * r2 + params_.k2 * r2 * r2;
    X = Xd / f;
    Y = Yd / f;
  }
  return {0.5 + X / fa, 0.5 + Y};
}

Point2 Keyboard88::plane_to_image(Point2 uv) const {
  if (params_.mapping == Mapping::Homography || params_.model == Model::Reference) return from_plane_.apply(uv);
  double s = uv.x / 52.0, t = uv.y / depth();
  const auto& q = quad_;
  return {(1 - s) * (1 - t) * q[0].x + s * (1 - t) * q[1].x + s * t * q[2].x + (1 - s) * t * q[3].x,
          (1 - s) * (1 - t) * q[0].y + s * (1 - t) * q[1].y + s * t * q[2].y + (1 - s) * t * q[3].y};
}

Point2 Keyboard88::image_to_plane(Point2 p) const {
  Point2 uv = to_plane_.apply(p);
  if (params_.mapping == Mapping::Homography || params_.model == Model::Reference) return uv;
  // Invert the bilinear map by Newton's method from the homography's estimate.
  const auto& q = quad_;
  const double D = depth();
  double s = uv.x / 52.0, t = uv.y / D;
  for (int it = 0; it < 8; ++it) {
    double fx = (1 - s) * (1 - t) * q[0].x + s * (1 - t) * q[1].x + s * t * q[2].x + (1 - s) * t * q[3].x - p.x;
    double fy = (1 - s) * (1 - t) * q[0].y + s * (1 - t) * q[1].y + s * t * q[2].y + (1 - s) * t * q[3].y - p.y;
    double a = (1 - t) * (q[1].x - q[0].x) + t * (q[2].x - q[3].x), b = (1 - s) * (q[3].x - q[0].x) + s * (q[2].x - q[1].x);
    double c = (1 - t) * (q[1].y - q[0].y) + t * (q[2].y - q[3].y), d = (1 - s) * (q[3].y - q[0].y) + s * (q[2].y - q[1].y);
    double det = a * d - b * c;
    if (std::abs(det) < 1e-300) break;
    double ds = (d * fx - b * fy) / det, dt = (a * fy - c * fx) / det;
    s -= ds;
    t -= dt;
    if (std::abs(ds) + std::abs(dt) < 1e-13) break;
  }
  return {s * 52.0, t * D};
}

Point2 Keyboard88::to_plane(Point2 p) const {
  return image_to_plane(params_.model == Model::Rectified ? undistort(p) : p);
}
Point2 Keyboard88::from_plane(Point2 uv) const {
  Point2 p = plane_to_image(uv);
  return params_.model == Model::Rectified ? distort(p) : p;
}

void Keyboard88::build_reference() {
  const auto& c = corners_;
  const double br = params_.black_ratio, L = params_.l_distortion, R = params_.r_distortion,
               C = params_.c_distortion;
  auto D = [&](double i) { return ref_distortion(i, L, R, C); };
  auto top = [&](double t) { return Point2{lerp(c.lt.x, c.rt.x, t), lerp(c.lt.y, c.rt.y, t)}; };
  auto bot = [&](double t) { return Point2{lerp(c.lb.x, c.rb.x, t), lerp(c.lb.y, c.rb.y, t)}; };
  std::vector<Point2> bp(53), tp(53);
  for (int i = 0; i <= 52; ++i) {
    Point2 b = bot(i / 52.0), t = top(i / 52.0);
    bp[i] = {b.x + D(i), b.y + 0.01};
    tp[i] = {t.x + D(52 - i), t.y - 0.01};
  }
  // Black-key points at boundary n: tb offsets / bb offsets (white-key units), as in the reference.
  const double q = 0.25, e = 1.0 / 12;
  const double tob[6] = {-q, q, -q - e, q - e, -q + e, q + e};
  const double bob[7] = {-q, 0, q, -q - e, q - e, -q + e, q + e};
  auto tb = [&](int n, int k) {
    double t = (n + tob[k]) / 52.0;
    Point2 a = top(t);
    return Point2{a.x + D(n), a.y - 0.01};
  };
  auto bb = [&](int n, int k) {
    double t = (n + bob[k]) / 52.0;
    Point2 a = top(t), b = bot(t);
    return Point2{a.x + D(n), a.y * (1 - br) + b.y * br};
  };
  const auto& T = tables();
  polys_.assign(kKeys, {});
  for (int i = 0; i < kWhiteKeys; ++i) {
    std::vector<Point2> v;
    int r = i % 7, n = i + 1;  // right boundary
    if (i == 51) {
      v = {bp[i], bp[i + 1], tp[i + 1], tp[i]};
    } else if (i == 0) {
      v = {bp[i], bp[i + 1], bb(n, 1), bb(n, 5), tb(n, 4), tp[i]};
    } else if (r == 2 || r == 5) {  // C, F
      v = {bp[i], bp[i + 1], bb(n, 1), bb(n, 3), tb(n, 2), tp[i]};
    } else if (r == 3) {  // D
      v = {bp[i], bp[i + 1], bb(n, 1), bb(n, 5), tb(n, 4), tb(i, 3), bb(i, 4), bb(i, 1)};
    } else if (r == 0) {  // A
      v = {bp[i], bp[i + 1], bb(n, 1), bb(n, 5), tb(n, 4), tb(i, 1), bb(i, 2), bb(i, 1)};
    } else if (r == 6) {  // G
      v = {bp[i], bp[i + 1], bb(n, 1), bb(n, 0), tb(n, 0), tb(i, 3), bb(i, 4), bb(i, 1)};
    } else {  // E, B (r == 1, 4)
      v = {bp[i], bp[i + 1], tp[i + 1], tb(i, 5), bb(i, 6), bb(i, 1)};
    }
    v.push_back(v.front());
    polys_[T.key_of_white[i]] = std::move(v);
  }
  for (int n = 1; n < kWhiteKeys; ++n) {
    if (!boundary_has_black(n)) continue;
    int r = n % 7;
    std::vector<Point2> v;
    if (r == 0)
      v = {tb(n, 0), bb(n, 0), bb(n, 2), tb(n, 1)};
    else if (r == 1 || r == 4)
      v = {tb(n, 4), bb(n, 5), bb(n, 6), tb(n, 5)};
    else
      v = {tb(n, 2), bb(n, 3), bb(n, 4), tb(n, 3)};
    v.push_back(v.front());
    polys_[T.key_of_boundary[n]] = std::move(v);
  }
  half_white_ = (polys_[0][1].x - polys_[0][0].x) / 2;

  // Lookup grid over the bounding box.
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& p : polys_)
    for (auto q2 : p) {
      x0 = std::min(x0, q2.x), x1 = std::max(x1, q2.x);
      y0 = std::min(y0, q2.y), y1 = std::max(y1, q2.y);
    }
  gnx_ = 512;
  gny_ = 16;
  gx0_ = x0, gy0_ = y0;
  gdx_ = std::max((x1 - x0) / gnx_, 1e-12);
  gdy_ = std::max((y1 - y0) / gny_, 1e-12);
  grid_.assign(size_t(gnx_) * gny_, {});
  for (int k = 0; k < kKeys; ++k) {
    double a0 = 1e300, a1 = -1e300, b0 = 1e300, b1 = -1e300;
    for (auto q2 : polys_[k]) {
      a0 = std::min(a0, q2.x), a1 = std::max(a1, q2.x);
      b0 = std::min(b0, q2.y), b1 = std::max(b1, q2.y);
    }
    int i0 = std::clamp(int(std::floor((a0 - gx0_) / gdx_)), 0, gnx_ - 1);
    int i1 = std::clamp(int(std::floor((a1 - gx0_) / gdx_)), 0, gnx_ - 1);
    int j0 = std::clamp(int(std::floor((b0 - gy0_) / gdy_)), 0, gny_ - 1);
    int j1 = std::clamp(int(std::floor((b1 - gy0_) / gdy_)), 0, gny_ - 1);
    for (int j = j0; j <= j1; ++j)
      for (int i = i0; i <= i1; ++i) grid_[size_t(j) * gnx_ + i].push_back(k);
  }
}

void Keyboard88::build_rectified() {
  const auto& T = tables();
  const double D = depth(), bl = params_.black_ratio * D;
  polys_.assign(kKeys, {});
  auto out = [&](std::initializer_list<Point2> uv) {
    std::vector<Point2> v;
    for (auto p : uv) v.push_back(from_plane(p));
    v.push_back(v.front());
    return v;
  };
  for (int w = 0; w < kWhiteKeys; ++w) {
    double l = w, r = w + 1;
    double lc = boundary_has_black(w) ? w + black_shift(w) + 0.25 : l;
    double rc = boundary_has_black(w + 1) ? w + 1 + black_shift(w + 1) - 0.25 : r;
    polys_[T.key_of_white[w]] = out({{lc, 0}, {rc, 0}, {rc, bl}, {r, bl}, {r, D}, {l, D}, {l, bl}, {lc, bl}});
  }
  for (int n = 1; n < kWhiteKeys; ++n) {
    if (!boundary_has_black(n)) continue;
    double cx = n + black_shift(n);
    polys_[T.key_of_boundary[n]] = out({{cx - 0.25, 0}, {cx + 0.25, 0}, {cx + 0.25, bl}, {cx - 0.25, bl}});
  }
  half_white_ = 0.5;
}

Keyboard88::Query Keyboard88::prepare(Point2 p) const {
  Query q{p, {}};
  if (params_.model == Model::Rectified) q.uv = to_plane(p);
  return q;
}

int Keyboard88::key_at_plane(Point2 uv) const {
  const double D = depth(), bl = params_.black_ratio * D;
  if (!(uv.x >= 0 && uv.x <= 52 && uv.y >= 0 && uv.y <= D)) return -1;
  const auto& T = tables();
  if (uv.y < bl) {
    int n = int(std::lround(uv.x));
    if (boundary_has_black(n) && std::abs(uv.x - (n + black_shift(n))) <= 0.25) return T.key_of_boundary[n];
  }
  int w = std::min(int(uv.x), kWhiteKeys - 1);
  return T.key_of_white[w];
}

double Keyboard88::distance_plane(Point2 uv, int key) const {
  const auto& T = tables();
  const double D = depth(), bl = params_.black_ratio * D;
  int n = T.boundary_of_key[key];
  if (n >= 0) {
    double cx = n + black_shift(n);
    return rect_distance(uv, cx - 0.25, cx + 0.25, 0, bl);
  }
  int w = T.white_of_key[key];
  double lc = boundary_has_black(w) ? w + black_shift(w) + 0.25 : w;
  double rc = boundary_has_black(w + 1) ? w + 1 + black_shift(w + 1) - 0.25 : w + 1;
  return std::min(rect_distance(uv, w, w + 1, bl, D), rect_distance(uv, lc, rc, 0, D));
}

int Keyboard88::key_at_grid(Point2 p) const {
  int i = int(std::floor((p.x - gx0_) / gdx_)), j = int(std::floor((p.y - gy0_) / gdy_));
  if (i < 0 || j < 0 || i >= gnx_ || j >= gny_) return -1;
  for (int k : grid_[size_t(j) * gnx_ + i])
    if (point_in_polygon(polys_[k], p)) return k;
  return -1;
}

int Keyboard88::key_at_prepared(const Query& q) const {
  return params_.model == Model::Rectified ? key_at_plane(q.uv) : key_at_grid(q.p);
}

double Keyboard88::distance_prepared(const Query& q, int key) const {
  if (key < 0 || key >= kKeys) throw Error("key index out of range: " + std::to_string(key));
  if (params_.model == Model::Rectified) return distance_plane(q.uv, key);
  return point_polygon_distance(polys_[key], q.p);
}

bool point_in_polygon(const std::vector<Point2>& poly, Point2 p) {
  // Crossing count with the reference's boundary conventions (y in (min, max], x <= intersection).
  size_t N = poly.size() - 1;
  int crossings = 0;
  for (size_t i = 0; i < N; ++i) {
    Point2 a = poly[i], b = poly[i + 1];
    if (a.y == b.y) continue;
    if (p.y > std::min(a.y, b.y) && p.y <= std::max(a.y, b.y) && p.x <= std::max(a.x, b.x)) {
      double xi = (p.y - a.y) * (b.x - a.x) / (b.y - a.y) + a.x;
      if (a.x == b.x || p.x <= xi) ++crossings;
    }
  }
  return crossings % 2 == 1;
}

double point_polygon_distance(const std::vector<Point2>& poly, Point2 p) {
  if (point_in_polygon(poly, p)) return 0.0;
  double d = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i + 1 < poly.size(); ++i) d = std::min(d, segment_distance(p, poly[i], poly[i + 1]));
  return d;
}

}  // namespace pv::kb
