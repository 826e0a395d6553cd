#pragma once
// Onset refinement of a DTW time map. Energy features put the path a few milliseconds off where the
// two pianos (render vs recording) rise and decay differently; attacks are sharp in both. For every
// group of simultaneous MIDI onsets, the rise of the note's own CQT bins (fundamental + harmonics)
// peaks at the attack: the render's peak near the scheduled onset is carried through the map, the
// recording's peak is searched near it, and their difference is a local correction. Corrections
// are median-filtered over neighbouring groups and interpolated into the map, which stays monotone.
#include <cstdint>
#include <vector>

#include "align/cqt.hpp"
#include "align/warp.hpp"
#include "core/performance.hpp"

namespace pv::align {

// Per-frame, per-bin rise of the dB spectrum (frame i+1 minus frame i-1, half-wave rectified),
// quantised to 0.25 dB in a byte.
struct OnsetRise {
  int bins = 0;
  double period = 0.0;  // seconds per frame
  double fmin_midi = 36.0;
  std::vector<std::uint8_t> data;
  std::size_t frames() const { return bins ? data.size() / bins : 0; }
};
OnsetRise onset_rise(const Features& magnitude, double fmin_midi, double floor_db = -80.0);

// Defaults measured on 23 real performances (60 s, four rooms): the wide median keeps only the
// smooth part of the corrections (the room/piano bias), which is what the DTW map gets wrong.
struct RefineOptions {
  double group_s = 0.025;      // onsets closer than this form one group
  double search_s = 0.05;      // ± search window in the recording
  int median_radius = 20;      // groups on each side for the median filter of corrections
  double max_correction_s = 0.06;
};

struct RefineStats {
  int groups = 0, used = 0;
  double median_abs_correction_ms = 0.0;
};

// `render_time(t)`: where MIDI time t starts sounding in the render (synth::scheduled_time).
TimeMap refine_map(const TimeMap& map, const Performance& midi, const OnsetRise& render, const OnsetRise& audio,
                   double (*render_time)(double, int), int rate, const RefineOptions& opt = {},
                   RefineStats* stats = nullptr);

}  // namespace pv::align
