#pragma once
// The core musical data model shared by every stage. Times are seconds.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pv {

enum class Hand : std::int8_t { Unknown = 0, Left, Right, Noinfo };
const char* hand_name(Hand h);  // "L", "R", "Noinfo", "" (Unknown)

struct Note {
  int pitch = 60;            // MIDI note number 0..127
  double onset = 0.0;        // note-on time
  double key_offset = 0.0;   // key release (note-off)
  double sound_offset = 0.0; // pedal-extended offset (see PedalRule); equals key_offset until applied
  int velocity = 64;         // note-on velocity 1..127
  int channel = 0;
  Hand hand = Hand::Unknown; // fingering slots
  int finger = 0;            // 1..5 thumb..little, 0 = none
};

// Pedal controllers: 64 sustain (damper), 66 sostenuto, 67 soft (una corda).
struct PedalEvent {
  double time = 0.0;
  int controller = 64;
  int value = 0;  // 0..127
  int channel = 0;
};

struct TempoChange {
  double time = 0.0;
  std::int64_t tick = 0;
  std::uint32_t us_per_quarter = 500000;
  double bpm() const { return 60e6 / us_per_quarter; }
};

struct Performance {
  std::vector<Note> notes;          // sorted by (onset, pitch)
  std::vector<PedalEvent> pedals;   // sorted by time
  std::vector<TempoChange> tempos;  // as found in the source (informational)
  double duration() const;          // last note offset / pedal event
  void sort();
};

// Keyboard corners in video pixels (PianoVAM Point_LT/RT/RB/LB).
struct Point2 {
  double x = 0.0, y = 0.0;
  friend bool operator==(const Point2&, const Point2&) = default;
};
struct KeyboardCorners {
  Point2 lt, rt, rb, lb;
  friend bool operator==(const KeyboardCorners&, const KeyboardCorners&) = default;
};

// 21 MediaPipe hand landmarks, x,y normalised to the frame, z relative depth.
struct Landmark {
  float x = 0, y = 0, z = 0;
};
using HandLandmarks = std::array<Landmark, 21>;
struct HandObservation {
  HandLandmarks points{};
  float presence = 1.0f;    // landmark model hand-presence score
  float handedness = 1.0f;  // confidence of the label
};
// One video frame: the pianist's hands ("Left"/"Right" mean the pianist's hands).
struct HandFrame {
  std::optional<HandObservation> left, right;
};

}  // namespace pv
