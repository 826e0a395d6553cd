#pragma once
// Video frame time base. Frame i covers [t_i, t_{i+1}); its centre is the frame time.
#include <cstdint>
#include <string>

namespace pv {

struct Rational {
  std::int64_t num = 0;
  std::int64_t den = 1;
  double value() const { return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den); }
  std::string str() const { return std::to_string(num) + "/" + std::to_string(den); }
  friend bool operator==(const Rational&, const Rational&) = default;
};

// Constant-frame-rate time base: t_i = start + i / fps.
struct FrameTimeBase {
  Rational fps{60, 1};
  double start = 0.0;  // presentation time of frame 0 in seconds

  double frame_start(std::int64_t i) const;
  double frame_end(std::int64_t i) const { return frame_start(i + 1); }
  double frame_centre(std::int64_t i) const { return 0.5 * (frame_start(i) + frame_end(i)); }
  // Index of the frame whose interval [t_i, t_{i+1}) contains t (may be negative or past the end).
  std::int64_t frame_at(double t) const;
};

}  // namespace pv
