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

// An excerpt (see sim::excerpt).
inline pv::Performance cut(const pv::Performance& p, double seconds) { return pv::align::sim::excerpt(p, seconds); }

// Notes whose true time is before this (planted negative offsets) are not scored.
constexpr double kRecordingStart = 0.1;

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
    if (truth(n.onset) < kRecordingStart) continue;  // played before the recording started: not in the audio
    const double d = (pv::align::aligned_time(map, n.onset, rate) - truth(n.onset)) * 1e3;
    e.abs_ms.push_back(std::fabs(d));
    s += d;
  }
  e.median = percentile(e.abs_ms, 0.5);
  e.p95 = percentile(e.abs_ms, 0.95);
  e.max = percentile(e.abs_ms, 1.0);
  e.mean_signed = e.abs_ms.empty() ? 0 : s / e.abs_ms.size();
  return e;
}

inline std::filesystem::path samples_root() { return PV_ASSETS_NPM; }

}  // namespace pvtest
