#pragma once
// Audio-visual post-filter (design §3): drop predicted notes that no visible fingertip could have
// played, working from stored hand landmarks (Handskeleton) and the keyboard corners.
//
// Reference mode (PianoVAM): the video frame whose interval contains the onset; keyboard warped by
// the corner homography (1024×125 in the reference; white-key units here, the same map); each
// fingertip's white key (x only) ±2 white keys gives a candidate pitch range (black keys between
// included); candidates of all fingertips united; the note is dropped only when both hands are
// seen and its pitch is not a candidate.
// Default (ours): every frame whose interval meets [onset − window, onset + window]; candidate keys
// are the key polygons (black keys included) within `tolerance` white keys of a fingertip, using
// both coordinates; one visible hand is enough to decide; a note is kept when any frame of its
// window supports it, and kept when no hand is seen in the window at all.
#include <string>
#include <vector>

#include "core/performance.hpp"

namespace pv::transcribe {

struct AvFilterOptions {
  bool reference = false;
  double fps = 60.0;         // video frame rate (Handskeleton frame i covers [i/fps, (i+1)/fps))
  double window = 0.05;      // default mode: seconds either side of the onset
  double tolerance = 1.0;    // default mode: fingertip-to-key distance, in white-key widths
  double frame_aspect = 16.0 / 9.0;
};

struct AvRemoval {
  Note note;
  int frame = -1;              // the frame consulted (reference) or the first frame of the window
  std::vector<int> candidates; // candidate pitches seen (sorted)
};

struct AvFilterResult {
  std::vector<Note> kept;
  std::vector<AvRemoval> removed;
  int no_evidence = 0;  // notes kept because no (required) hand was visible
};

// Frames of a hand track, as the filter needs them (landmarks frame-normalised).
// corners: frame-normalised keyboard corners (LT, RT, RB, LB). Throws pv::Error on bad options.
AvFilterResult av_filter(const std::vector<Note>& notes, const std::vector<HandFrame>& frames,
                         const KeyboardCorners& corners, const AvFilterOptions& opt = {});

// Removed notes as TSV: onset, pitch, velocity, frame, candidates (comma-separated pitches).
std::string format_removals(const std::vector<AvRemoval>& removed);

}  // namespace pv::transcribe
