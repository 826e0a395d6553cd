#pragma once
// Hand tracking over video frames (MediaPipe Hands' graph, legacy solution) plus a pianist-hand labeller.
//
// Per frame: palm detection runs only when fewer than max_hands hands were tracked in the previous frame (every
// frame in static mode); each palm gives an ROI (scale 2.6, shift -0.5); ROIs from the previous frame's
// landmarks (scale 2.0, shift -0.1) take priority over palm ROIs that overlap them (IoU > association_iou);
// the landmark model runs on every ROI and hands with presence < min_presence are dropped.
//
// Handedness rule (documented for the PianoVAM top-view camera): MediaPipe's raw label assumes a mirrored
// (selfie) image. A top-view piano camera is NOT mirrored, so the raw label "Left" is the pianist's RIGHT hand
// and "Right" the pianist's LEFT hand (set mirrored_input for a selfie-style camera to keep labels as they are).
// A label is decided per track, not per frame: a track keeps the sum of the raw evidence (right_prob - 0.5)
// over its frames and its label follows the sign of that sum, so a single-frame flip cannot swap hands.
// When two tracks in one frame claim the same hand, the one with the weaker evidence takes the other label.
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "vision/hands.hpp"

namespace pv::vision {

struct HandsOptions {
  ModelKind model = ModelKind::Full;
  std::filesystem::path model_dir;  // empty: default_model_dir()
  int threads = 1;
  int max_hands = 2;
  float min_detection = 0.85f;   // palm score (PianoVAM)
  float min_presence = 0.8f;     // landmark presence (PianoVAM)
  float association_iou = 0.5f;  // palm ROI dropped when it overlaps a tracked ROI this much (MediaPipe)
  float duplicate_iou = 0.2f;    // hands whose landmark boxes overlap more are one hand (0 = keep all)
  bool static_mode = false;      // detect palms on every frame, no tracking
  bool mirrored_input = false;   // selfie camera: raw labels are the person's hands
  // Optional temporal smoothing of each track's landmarks (One Euro filter; off = MediaPipe's raw output).
  bool smoothing = false;
  float smooth_min_cutoff = 1.0f;  // Hz
  float smooth_beta = 20.0f;       // cutoff increase per (frame widths / s) of speed
};

// Per-stage wall time accumulated over calls (milliseconds).
struct HandsTiming {
  double palm_ms = 0, landmark_ms = 0, tracking_ms = 0;
  long frames = 0, palm_runs = 0, landmark_runs = 0;
};

struct TrackedHand {
  HandResult hand;
  int track_id = 0;
  bool pianist_right = false;  // the pianist's hand after the handedness rule
};

class HandTracker {
 public:
  explicit HandTracker(const HandsOptions& opt);
  ~HandTracker();
  // All hands found in this frame, in MediaPipe's emission order, before duplicate removal.
  // `time` is the frame's presentation time in seconds (used by smoothing; < 0: 30 fps assumed).
  std::vector<TrackedHand> process(const ImageView& img, double time = -1);
  // The pianist's hands for the Handskeleton (duplicates removed, at most one Left and one Right).
  // `left`/`right` (optional) receive the hands that fill those slots (null when empty).
  static HandFrame to_frame(const std::vector<TrackedHand>& hands, float duplicate_iou,
                            const TrackedHand** left = nullptr, const TrackedHand** right = nullptr);
  void reset();
  const HandsTiming& timing() const { return timing_; }
  const HandsOptions& options() const { return opt_; }

 private:
  struct Track {
    int id = 0;
    NormRect next_roi;
    double evidence = 0;  // sum of (right_prob - 0.5)
    // One Euro filter state (x, y, z of 21 landmarks)
    bool filtered = false;
    double last_time = 0;
    std::array<float, 63> value{}, speed{};
  };
  void smooth(Track& tr, HandLandmarks& lm, double time) const;
  HandsOptions opt_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<PalmDetector> palm_;
  // One single-threaded landmark engine per possible ROI when threads > 1 (hands run in parallel), else one.
  std::vector<std::unique_ptr<LandmarkModel>> landmarks_;
  std::vector<Track> tracks_;
  int next_id_ = 1;
  long frame_no_ = 0;
  HandsTiming timing_;
};

}  // namespace pv::vision
