#pragma once
// Per-frame finger-key scores and per-note hand/finger decisions (ASDF reference rules + measured
// improvements). Pure: notes + hand frames + keyboard in, labels out.
//
// Reference rules (Config::reference()):
//   fingertip point = 0.9 TIP + 0.1 DIP; for every video frame while a note is held and every present,
//   non-floating hand, finger f scores 1 if its point is inside the note's key, else (1 - d/h)^2 if d < h
//   (h = half a white key); per note score / frames >= 0.5 -> candidate, > 0.8 -> strong; one candidate ->
//   label; several with exactly one strong -> label; otherwise undecided; none -> Noinfo.
// Improvements (defaults, each switchable): handedness checked against the hands' positions and kept
// consistent over time, onset-weighted frames, scores normalised by the frames where a hand was seen, a
// decisive-margin rule between candidates, and one finger per hand per chord.
#include <string>
#include <vector>

#include "core/performance.hpp"
#include "fingering/floating.hpp"
#include "keyboard/keyboard.hpp"

namespace pv::fing {

enum class Status { Auto, Undecided, Noinfo };
const char* status_name(Status s);  // "auto" | "undecided" | "noinfo"

struct Candidate {
  Hand hand = Hand::Noinfo;
  int finger = 0;  // 1..5
  double score = 0;
};

struct NoteLabel {
  Hand hand = Hand::Noinfo;
  int finger = 0;
  Status status = Status::Noinfo;
  std::vector<Candidate> candidates;  // score >= candidate threshold (all non-zero scores when improved)
  int frames = 0;                     // video frames the note spans
  int seen_frames = 0;                // of those, frames with at least one usable hand
};

struct Config {
  double tip_weight = 0.9;  // point = w TIP + (1 - w) DIP
  double near = 1.0;        // near-key radius in half white keys (h)
  double candidate = 0.5;   // score >= candidate
  double strong = 0.8;      // score > strong
  bool apply_floating = true;
  double floating_weight = 0.3;  // weight of a floating hand's frames (reference: 0 = excluded)
  FloatingConfig floating;
  // Improvements (all false/0 in reference mode).
  bool fix_handedness = true;    // swap labels that contradict positions; temporal identity for lone hands
  double handedness_margin = 3.0;  // white keys: a left hand right of the right hand by more than this is swapped
  double onset_seconds = 0.1;    // frames within this time of the onset ...
  double onset_weight = 2.0;     // ... count this much (1 = off)
  bool seen_frames_only = true;  // divide by frames with a usable hand, not by all frames
  double margin = 0.25;          // several candidates: best wins if it leads the second by this much
  double min_best = 0.2;          // no candidate >= `candidate`: best still wins if >= this and clearly ahead
  bool chord_exclusive = true;   // simultaneous notes of one hand get distinct fingers
  bool black_white_check = false;  // near-key score 0 for a white note when the fingertip is on a black key
                                   // (measured: neutral to slightly worse on simulated hands, so off)
  int fill_gap_frames = 15;      // a hand missing for at most this many frames is interpolated (0 = off)
  double min_note_frames = 1;    // notes shorter than a frame use the nearest frame

  static Config reference();  // the reference's rules and constants, nothing else
};

struct Summary {
  int notes = 0, auto_ = 0, undecided = 0, noinfo = 0;
  int floating_hand_frames = 0;
  int swapped_frames = 0;  // frames whose handedness labels were corrected
};

// Labels `notes` (onset/key_offset in seconds, any order; output in the same order). frames[i] is the video
// frame at time i / fps. Throws pv::Error on fps <= 0.
std::vector<NoteLabel> assign(const std::vector<Note>& notes, const std::vector<HandFrame>& frames, double fps,
                              const kb::Keyboard88& keyboard, const Config& cfg, Summary* summary = nullptr);

// Fills gaps of at most max_gap frames per hand by linear interpolation of the landmarks. Returns frames filled.
int fill_gaps(std::vector<HandFrame>& frames, int max_gap);

// Handedness correction alone (used by assign; exposed for tests and the simulator's evaluation).
// Returns the number of frames changed.
int fix_handedness(std::vector<HandFrame>& frames, const kb::Keyboard88& keyboard, double margin);

}  // namespace pv::fing
