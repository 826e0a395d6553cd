#pragma once
// Fingering overlay on video frames: the 88 key outlines, both hands' landmarks coloured by hand, and for every
// note held at the frame's time its key highlighted and, when the note is fingered, the pressing fingertip
// marked with the finger number. Pure drawing on an RGB24 buffer; the CLI verb `overlay` decodes and encodes.
#include <array>
#include <cstdint>
#include <vector>

#include "core/performance.hpp"
#include "keyboard/keyboard.hpp"

namespace pv::fing {

using Rgb = std::array<std::uint8_t, 3>;

struct OverlayStyle {
  Rgb left{40, 110, 255};     // the pianist's left hand (as in the piano roll: left blue, right red)
  Rgb right{235, 50, 40};
  Rgb unlabelled{255, 200, 0};  // held key without a hand label
  Rgb outline{255, 235, 90};    // key outlines
  double highlight_alpha = 0.55;  // key fill opacity
  double scale = 0;               // line/dot size multiplier; 0 = frame height / 720
};

// A note held at some instant, with its fingering (hand Noinfo/Unknown or finger 0 = not fingered).
struct HeldNote {
  int pitch = 60;
  Hand hand = Hand::Unknown;
  int finger = 0;
};

// Notes held at nondecreasing times (onset <= t < key_offset), found by a sweep over the notes sorted by onset.
// A time earlier than the previous query restarts the sweep.
class HeldNotes {
 public:
  explicit HeldNotes(std::vector<Note> notes);
  std::vector<HeldNote> at(double t);

 private:
  std::vector<Note> notes_;   // sorted by onset
  size_t next_ = 0;           // first note not yet started
  std::vector<size_t> active_;
  double last_t_ = -1e300;
};

// Draws on `rgb` (width x height x 3, row-major): key outlines, held keys, hands (may be null), fingertips.
// Key polygons and landmarks are frame-normalised, so the keyboard may come from corners of another frame size.
void draw_overlay(std::uint8_t* rgb, int width, int height, const kb::Keyboard88& keyboard, const HandFrame* hands,
                  const std::vector<HeldNote>& held, const OverlayStyle& style = {});

// Fingertip point of finger 1..5 (0.9 TIP + 0.1 DIP, as the fingering scores use), frame-normalised.
Point2 fingertip(const HandLandmarks& h, int finger);

}  // namespace pv::fing
