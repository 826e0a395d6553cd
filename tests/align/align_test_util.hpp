#pragma once
// Helpers for the alignment tests: cutting real performances, scoring against a planted map.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "align/align.hpp"
#include "align/simulate.hpp"
#include "core/performance.hpp"

namespace pvtest {

// Notes starting before `seconds` (offsets clipped) and pedal events before it.
inline pv::Performance cut(const pv::Performance& p, double seconds) {
  pv::Performance out;
  for (pv::Note n : p.notes)
    if (n.onset < seconds) {
      n.key_offset = std::min(n.key_offset, seconds);
      n.sound_offset = std::min(n.sound_offset, seconds);
      out.notes.push_back(n);
    }
  for (const pv::PedalEvent& e : p.pedals)
    if (e.time < seconds) out.pedals.push_back(e);
  // Release the pedals at the cut so that nothing sustains forever.
  for (int cc : {64, 66, 67}) out.pedals.push_back({seconds, cc, 0, 0});
  out.sort();
  return out;
}

struct OnsetErrors {
  std::vector<double> abs_ms;  // |aligned - truth| per note onset
  double median = 0, p95 = 0, max = 0, mean_signed = 0;
};

inline double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(std::floor(q * (v.size() - 1) + 0.5)))];
}

inline OnsetErrors score(const pv::Performance& midi, const pv::align::TimeMap& map, int rate,
                         const pv::align::sim::PlantedMap& truth) {
  OnsetErrors e;
  double s = 0;
  for (const pv::Note& n : midi.notes) {
    const double d = (pv::align::aligned_time(map, n.onset, rate) - truth(n.onset)) * 1e3;
    e.abs_ms.push_back(std::fabs(d));
    s += d;
  }
  e.median = percentile(e.abs_ms, 0.5);
  e.p95 = percentile(e.abs_ms, 0.95);
  e.max = percentile(e.abs_ms, 1.0);
  e.mean_signed = midi.notes.empty() ? 0 : s / midi.notes.size();
  return e;
}

inline std::filesystem::path samples_root() { return PV_ASSETS_NPM; }

}  // namespace pvtest
