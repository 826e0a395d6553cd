#pragma once
// Keyboard88: the 88 key polygons of a piano seen from above, and fast point -> key queries.
//
// Two geometry models, both taking the four marked keyboard corners (frame-normalised [0,1] coordinates;
// LT/RT = far edge where the black keys start, LB/RB = the player's edge):
//  * Reference (PianoVAM/ASDF): 52 equal white keys linearly interpolated between the corners, black keys
//    half a white key wide at the 36 boundaries, shifted by +-1/12 by position in their group, black length =
//    black_ratio of the depth, x shifted by the three parabolic distortion terms, +-0.01 margins in y. Key
//    polygons are the reference's vertex lists, so PianoVAM's stored parameters reproduce the same keys.
//    Distances are in frame-normalised units (as the reference computes them).
//  * Rectified (ours): optional radial lens undistortion, then a homography from the corners onto the
//    keyboard rectangle [0,52] x [0,52/aspect] in white-key units (aspect = width/depth = 8.147). Keys are
//    exact rectangles there; lookup is O(1) arithmetic and distances are in white-key widths.
#include <array>
#include <optional>
#include <vector>

#include "core/performance.hpp"

namespace pv::kb {

constexpr int kKeys = 88;        // A0 (MIDI 21) .. C8 (MIDI 108)
constexpr int kWhiteKeys = 52;
constexpr int kLowestPitch = 21;
constexpr double kKeyboardAspect = 8.147;  // keyboard width / white-key length

bool is_black(int pitch);
// Index 0..51 of a white key's pitch, or of the white key left of a black key's pitch.
int white_index(int pitch);

enum class Model { Reference, Rectified };
// Rectified model: how the (undistorted) corners map onto the keyboard plane. Bilinear (default): keys are
// equal divisions of the front and back edges (robust: a corner marked 3 px off moves keys by ~0.1 white key).
// Homography: exact perspective, but ill-conditioned for a thin keyboard (3 px corner noise moves keys by up
// to 0.4-0.6 white key, measured); use it with precise corners or strong perspective.
enum class Mapping { Bilinear, Homography };

struct KeyboardParams {
  Model model = Model::Rectified;
  double black_ratio = 0.63;   // black-key length / key depth (0.60-0.65 in PianoVAM)
  // Reference distortion terms (frame-normalised x offsets): left, right, centre.
  double l_distortion = 0.0, r_distortion = 0.0, c_distortion = 0.0;
  // Rectified model: radial lens distortion x_d = x_u (1 + k1 r^2 + k2 r^4) about the frame centre, r in units
  // of the half frame diagonal (aspect-corrected). 0 = pinhole.
  double k1 = 0.0, k2 = 0.0;
  Mapping mapping = Mapping::Bilinear;
  double aspect = kKeyboardAspect;
  double frame_aspect = 16.0 / 9.0;  // frame width / height (for the radial model and reference depth)
};

// 3x3 projective transform, row-major.
struct Homography {
  std::array<double, 9> m{1, 0, 0, 0, 1, 0, 0, 0, 1};
  Point2 apply(Point2 p) const;
  Homography inverse() const;
  // Exact 4-point fit src[i] -> dst[i]; throws pv::Error when degenerate (three collinear points).
  static Homography from_points(const std::array<Point2, 4>& src, const std::array<Point2, 4>& dst);
};

class Keyboard88 {
 public:
  // corners in frame-normalised coordinates. Throws pv::Error on degenerate corners or bad parameters.
  Keyboard88(const KeyboardCorners& corners, const KeyboardParams& params = {});
  // corners in pixels of a width x height frame.
  static Keyboard88 from_pixels(const KeyboardCorners& px, int width, int height, KeyboardParams params = {});

  const KeyboardParams& params() const { return params_; }
  const KeyboardCorners& corners() const { return corners_; }

  // Key polygon (frame-normalised, closed: last vertex == first) of key 0..87 (pitch - 21).
  const std::vector<Point2>& polygon(int key) const { return polys_[key]; }

  // A query point prepared once (undistorted + rectified for the rectified model) for many key queries.
  struct Query {
    Point2 p;   // frame-normalised
    Point2 uv;  // keyboard plane
  };
  Query prepare(Point2 p) const;

  // Key (0..87) under a frame-normalised point, or -1 (outside the keyboard).
  int key_at(Point2 p) const { return key_at_prepared(prepare(p)); }
  int key_at_prepared(const Query& q) const;
  // Distance from p to key `key` (0 inside), in the model's unit (see above).
  double distance(Point2 p, int key) const { return distance_prepared(prepare(p), key); }
  double distance_prepared(const Query& q, int key) const;
  // Half a white key in the model's unit (the reference takes it from key A0's bottom edge).
  double half_white() const { return half_white_; }

  // Rectified model: frame-normalised point <-> keyboard plane (u in white keys from the left edge,
  // v from the far edge). Valid for the reference model as well (uses the plain homography).
  Point2 to_plane(Point2 p) const;
  Point2 from_plane(Point2 uv) const;
  double depth() const { return 52.0 / params_.aspect; }  // key length in white-key widths

  // Radial model helpers (frame-normalised).
  Point2 undistort(Point2 p) const;
  Point2 distort(Point2 p) const;

 private:
  void build_reference();
  void build_rectified();
  int key_at_plane(Point2 uv) const;
  double distance_plane(Point2 uv, int key) const;
  int key_at_grid(Point2 p) const;

  Point2 plane_to_image(Point2 uv) const;  // undistorted frame coordinates
  Point2 image_to_plane(Point2 p) const;

  KeyboardCorners corners_;
  std::array<Point2, 4> quad_;  // undistorted corners LT, RT, RB, LB
  KeyboardParams params_;
  Homography to_plane_, from_plane_;
  std::vector<std::vector<Point2>> polys_;
  double half_white_ = 0.5;
  // Reference model: uniform grid over the keyboard's bounding box; each cell lists the keys touching it.
  double gx0_ = 0, gy0_ = 0, gdx_ = 1, gdy_ = 1;
  int gnx_ = 0, gny_ = 0;
  std::vector<std::vector<int>> grid_;
};

// Geometry helpers on closed polygons (last vertex == first).
bool point_in_polygon(const std::vector<Point2>& poly, Point2 p);  // crossing rule as in the reference
double point_polygon_distance(const std::vector<Point2>& poly, Point2 p);  // 0 inside

}  // namespace pv::kb
