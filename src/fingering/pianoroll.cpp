#include "fingering/pianoroll.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "io/video/video.hpp"

namespace pv::fing {
namespace {

// 3x5 digits 0..9, one row per 3-bit number (MSB = left pixel).
constexpr std::uint8_t kDigits[10][5] = {
    {7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7}};

struct Rgb {
  std::uint8_t r, g, b;
};

void fill(Image& im, int x0, int y0, int x1, int y1, Rgb c) {
  x0 = std::max(x0, 0), y0 = std::max(y0, 0), x1 = std::min(x1, im.width), y1 = std::min(y1, im.height);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      auto* p = &im.rgb[(size_t(y) * im.width + x) * 3];
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
    }
}

void digit(Image& im, int x, int y, int d, Rgb c) {
  for (int r = 0; r < 5; ++r)
    for (int k = 0; k < 3; ++k)
      if (kDigits[d][r] >> (2 - k) & 1) fill(im, x + k, y + r, x + k + 1, y + r + 1, c);
}

}  // namespace

Image render_piano_roll(const std::vector<Note>& notes, const RollOptions& opt) {
  if (!(opt.pixels_per_second > 0) || opt.row_height < 1 || opt.max_width < 16)
    throw Error("piano roll: bad options");
  double end = 0;
  for (const auto& n : notes) end = std::max(end, n.key_offset);
  double pps = opt.pixels_per_second;
  const int margin = 4;
  if (end * pps + 2 * margin > opt.max_width) pps = (opt.max_width - 2 * margin) / std::max(end, 1e-9);
  Image im;
  im.width = std::max(16, int(std::ceil(end * pps)) + 2 * margin);
  im.height = 88 * opt.row_height + 2 * margin;
  im.rgb.assign(size_t(im.width) * im.height * 3, 255);
  const int rh = opt.row_height;
  auto row_y = [&](int pitch) { return margin + (108 - pitch) * rh; };
  // Background: black-key rows shaded, C lines, one tick per second.
  for (int p = 21; p <= 108; ++p) {
    int pc = p % 12;
    bool black = pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
    if (black) fill(im, 0, row_y(p), im.width, row_y(p) + rh, {236, 236, 236});
    if (pc == 0) fill(im, 0, row_y(p) + rh - 1, im.width, row_y(p) + rh, {200, 200, 200});
  }
  for (int s = 0; s <= int(end); ++s) {
    int x = margin + int(s * pps);
    fill(im, x, 0, x + 1, im.height, s % 10 == 0 ? Rgb{170, 170, 170} : Rgb{222, 222, 222});
  }
  for (const auto& n : notes) {
    if (n.pitch < 21 || n.pitch > 108) continue;
    int x0 = margin + int(std::floor(n.onset * pps)), x1 = margin + int(std::ceil(n.key_offset * pps));
    x1 = std::max(x1, x0 + 2);
    int y0 = row_y(n.pitch);
    bool labelled = (n.hand == Hand::Left || n.hand == Hand::Right) && n.finger >= 1 && n.finger <= 5;
    Rgb body = !labelled ? Rgb{150, 150, 150} : n.hand == Hand::Left ? Rgb{40, 90, 210} : Rgb{215, 50, 40};
    fill(im, x0, y0, x1, y0 + rh, {0, 0, 0});
    fill(im, x0 + 1, y0 + 1, x1 - 1, y0 + rh - 1, body);
    if (labelled && rh >= 7 && x1 - x0 >= 5) digit(im, x0 + 1, y0 + (rh - 5) / 2, n.finger, {255, 255, 255});
  }
  return im;
}

void write_png(const std::filesystem::path& file, const Image& im) {
  if (im.width <= 0 || im.height <= 0 || im.rgb.size() != std::size_t(im.width) * im.height * 3)
    throw Error("cannot write " + file.string() + ": bad image size");
  video::write_png(file, im.width, im.height, im.rgb.data());
}

}  // namespace pv::fing
