#pragma once
// Synthetic top-view camera frames for the demo: a keyboard in perspective between four corners, the
// sounding keys lit, and optional hand skeletons drawn from 21-point landmarks.
#include <cstdint>
#include <vector>

#include "core/performance.hpp"

namespace pv::demo {

struct Scene {
  int width = 1280, height = 720;
  KeyboardCorners corners{{90, 300}, {1190, 292}, {1196, 452}, {84, 460}};
  double black_ratio = 0.63;
};

// RGB24 frame of the keyboard with the given MIDI pitches held down.
void draw_keyboard(const Scene& s, const std::vector<int>& pressed, std::vector<std::uint8_t>& rgb);
// Draws a hand skeleton (normalised landmarks) over the frame.
void draw_hand(const Scene& s, const HandLandmarks& h, bool left, std::vector<std::uint8_t>& rgb);

}  // namespace pv::demo
