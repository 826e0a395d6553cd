#pragma once
// Floating-hand detection (ASDF reference rule, applied): the depth of each hand from its wrist / index-MCP /
// ring-MCP triangle against a reference skeleton of the same hand (pinhole model P = t (X, Y, 1)), smoothed
// over +-7 frames, floating when below 0.9.
//
// Differences from the reference, on purpose: the reference skeleton is chosen per hand and also used per hand
// (the reference solves every hand against the left model), model and observation use the same units (the
// reference mixes [-1,1] and aspect-scaled units, so a hand on the keys does not get depth 1), and the flag is
// actually applied by the fingering stage.
#include <optional>
#include <vector>

#include "core/performance.hpp"

namespace pv::fing {

struct FloatingConfig {
  int half_window = 7;         // smoothing half window (frames)
  double centre_weight = 0.5;  // depth = c * own + (1 - c) * triangular-weighted neighbourhood
  double threshold = 0.9;      // floating if smoothed depth < threshold
  double frame_aspect = 16.0 / 9.0;  // frame width / height
};

// The reference skeleton's three side lengths (wrist-index MCP, index-ring MCP, ring MCP-wrist), in the
// depth model's units. Chosen as in the reference: 10 % of observations closest to a 28 deg wrist angle,
// of those the 50 % most open (fingertip hexagon / triangle area), then the median triangle area.
struct Skeleton {
  double d_wi = 0, d_ir = 0, d_rw = 0;
  bool valid() const { return d_wi > 0 && d_ir > 0 && d_rw > 0; }
};
Skeleton model_skeleton(const std::vector<const HandLandmarks*>& hands, double frame_aspect);

// Depth of one observation against a skeleton (1 = the skeleton's height; < 1 closer to the camera).
double hand_depth(const HandLandmarks& h, const Skeleton& model, double frame_aspect);

struct FloatingResult {
  // Per frame, per hand (0 = left, 1 = right): smoothed depth (NaN where the hand is absent) and the flag.
  std::vector<std::array<double, 2>> depth;
  std::vector<std::array<bool, 2>> floating;
  Skeleton model[2];
  int floating_count = 0;
};
FloatingResult detect_floating(const std::vector<HandFrame>& frames, const FloatingConfig& cfg);

}  // namespace pv::fing
