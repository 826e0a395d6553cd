#include "align/plot.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "io/video/video.hpp"

namespace pv::align {

namespace {

// Writes an RGB8 image (atomic PNG).
void save(const std::filesystem::path& file, int w, int h, const std::vector<std::uint8_t>& rgb) {
  if (w <= 0 || h <= 0 || rgb.size() != static_cast<std::size_t>(w) * h * 3) throw Error("png: bad image size");
  video::write_png(file, w, h, rgb.data());
}

void put(std::vector<std::uint8_t>& img, int w, int h, int x, int y, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  if (x < 0 || y < 0 || x >= w || y >= h) return;
  auto* p = img.data() + (static_cast<std::size_t>(y) * w + x) * 3;
  p[0] = r, p[1] = g, p[2] = b;
}

// 48 x frames dB image of a feature window, one column per frame, `scale` pixel rows per bin
// (low pitches at the bottom) into img rows [y0, y0 + bins*scale).
void draw_cqt(std::vector<std::uint8_t>& img, int w, int y0, int scale, const Features& f, std::size_t first,
              std::size_t count) {
  float vmax = 1e-12f;
  for (std::size_t i = first; i < std::min(f.frames(), first + count); ++i)
    for (int b = 0; b < f.bins; ++b) vmax = std::max(vmax, f.frame(i)[b]);
  for (std::size_t c = 0; c < count && static_cast<int>(c) < w; ++c) {
    const std::size_t i = first + c;
    for (int b = 0; b < f.bins; ++b) {
      float v = 0.0f;
      if (i < f.frames()) v = std::clamp(1.0f + 20.0f * std::log10(std::max(f.frame(i)[b], 1e-12f) / vmax) / 60.0f, 0.0f, 1.0f);
      const auto g = static_cast<std::uint8_t>(255.0f * v);
      for (int s = 0; s < scale; ++s)
        put(img, w, y0 + f.bins * scale, static_cast<int>(c), y0 + (f.bins - 1 - b) * scale + s, g,
            static_cast<std::uint8_t>(g * 0.8f), static_cast<std::uint8_t>((255 - g) / 3));
    }
  }
}

}  // namespace

void plot_path(const std::filesystem::path& file, const AlignResult& r, int max_side) {
  const Features& X = r.dtw.coarse_x;
  const Features& Y = r.dtw.coarse_y;
  const int n = static_cast<int>(X.frames()), m = static_cast<int>(Y.frames());
  if (n == 0 || m == 0) throw Error("plot: no alignment to draw");
  const double s = std::min(1.0, static_cast<double>(max_side) / std::max(n, m));
  const int h = std::max(1, static_cast<int>(n * s)), w = std::max(1, static_cast<int>(m * s));
  std::vector<std::uint8_t> img(static_cast<std::size_t>(w) * h * 3);
  const Band& band = r.dtw.coarse_band;
  for (int y = 0; y < h; ++y) {
    const int i = std::min(n - 1, static_cast<int>(y / s));
    for (int x = 0; x < w; ++x) {
      const int j = std::min(m - 1, static_cast<int>(x / s));
      const float d = std::clamp(cosine_distance(X.frame(i), Y.frame(j), X.bins), 0.0f, 1.0f);
      const auto g = static_cast<std::uint8_t>(255.0f * d);
      if (j >= band.lo[i] && j <= band.hi[i]) put(img, w, h, x, y, g, g, g);
      else put(img, w, h, x, y, g / 3, g / 3, static_cast<std::uint8_t>(80 + g / 2));
    }
  }
  for (auto [i, j] : r.dtw.coarse.path)
    for (int d = -1; d <= 1; ++d) put(img, w, h, static_cast<int>(j * s) + d, static_cast<int>(i * s), 255, 30, 30);
  save(file, w, h, img);
}

void plot_onsets(const std::filesystem::path& file, const AlignResult& r, const std::vector<float>& audio,
                 const AlignOptions& opt, double centre, double seconds) {
  const Performance& p = r.aligned;
  if (p.notes.empty()) throw Error("plot: no notes");
  if (centre < 0) {
    // Densest `seconds` window of aligned onsets.
    std::size_t best = 0, bk = 0;
    for (std::size_t a = 0, b = 0; a < p.notes.size(); ++a) {
      while (b < p.notes.size() && p.notes[b].onset < p.notes[a].onset + seconds) ++b;
      if (b - a > best) best = b - a, bk = a;
    }
    centre = p.notes[bk].onset + 0.5 * seconds;
  }
  const double t0 = std::max(0.0, centre - 0.5 * seconds), t1 = t0 + seconds;
  const int rate = opt.cqt.rate;
  const double lead = 1.0;  // render context before the window
  // Render of the aligned notes around the window, shifted so that t0 - lead -> 0.
  Performance snip;
  for (const Note& n : p.notes)
    if (n.sound_offset > t0 - lead && n.onset < t1) {
      Note c = n;
      c.onset = std::max(0.0, n.onset - (t0 - lead));
      c.key_offset = std::max(c.onset, n.key_offset - (t0 - lead));
      c.sound_offset = std::max(c.key_offset, n.sound_offset - (t0 - lead));
      snip.notes.push_back(c);
    }
  for (const PedalEvent& e : p.pedals)
    if (e.time < t1) snip.pedals.push_back({std::max(0.0, e.time - (t0 - lead)), e.controller, e.value, e.channel});
  std::stable_sort(snip.pedals.begin(), snip.pedals.end(), [](auto& a, auto& b) { return a.time < b.time; });
  const auto render = synth::render(snip, rate, opt.synth);
  // Audio excerpt with the same lead.
  const std::size_t a0 = static_cast<std::size_t>(std::max(0.0, t0 - lead) * rate);
  const std::size_t a1 = std::min(audio.size(), static_cast<std::size_t>(t1 * rate) + rate / 2);
  if (a0 >= a1) throw Error("plot: window outside the audio");
  const std::vector<float> excerpt(audio.begin() + a0, audio.begin() + a1);
  const Features fa = cqt_magnitude(excerpt, opt.cqt), fr = cqt_magnitude(render, opt.cqt);
  const double period = fa.frame_period();
  const std::size_t first_a = static_cast<std::size_t>((t0 - static_cast<double>(a0) / rate) / period);
  const std::size_t first_r = static_cast<std::size_t>(lead / period);
  const std::size_t count = static_cast<std::size_t>(seconds / period);
  const int scale = 4, gap = 6, w = static_cast<int>(count), panel = fa.bins * scale, h = 2 * panel + gap;
  std::vector<std::uint8_t> img(static_cast<std::size_t>(w) * h * 3, 255);
  draw_cqt(img, w, 0, scale, fa, first_a, count);
  draw_cqt(img, w, panel + gap, scale, fr, first_r, count);
  for (const Note& n : p.notes)
    if (n.onset >= t0 && n.onset < t1) {
      const int x = static_cast<int>((n.onset - t0) / period);
      for (int y = 0; y < h; y += 2) put(img, w, h, x, y, 40, 220, 60);
    }
  save(file, w, h, img);
}

}  // namespace pv::align
