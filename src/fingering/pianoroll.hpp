#pragma once
// A PNG piano roll of a fingered performance: time left -> right, pitch bottom -> top (88 keys), notes
// coloured by hand (left blue, right red, no label grey) with their finger number drawn in a built-in
// 3x5 pixel digit font.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/performance.hpp"

namespace pv::fing {

struct RollOptions {
  double pixels_per_second = 100.0;
  int row_height = 8;       // pixels per key (>= 7 shows the finger digits)
  int max_width = 16000;    // longer performances are compressed in time to fit
};

struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // row-major, 3 bytes per pixel
};

Image render_piano_roll(const std::vector<Note>& notes, const RollOptions& opt = {});
void write_png(const std::filesystem::path& file, const Image& img);  // atomic; throws pv::Error

}  // namespace pv::fing
