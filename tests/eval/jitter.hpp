#pragma once
// A deterministic "transcription" of a performance for tests and benchmarks: onset/offset jitter,
// missed, inserted and semitone-shifted notes, velocities rescaled with noise.
#include <algorithm>
#include <random>
#include <vector>

#include "core/performance.hpp"

namespace pvtest {

inline std::vector<pv::Note> jittered(const std::vector<pv::Note>& ref, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> on_j(0.0, 0.02), off_j(0.0, 0.15), vel_j(0.0, 6.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<pv::Note> est;
  double end = 0;
  for (const auto& r : ref) {
    end = std::max(end, r.sound_offset);
    double x = u(rng);
    if (x < 0.05) continue;  // missed
    pv::Note n = r;
    n.onset = std::max(0.0, r.onset + on_j(rng));
    n.sound_offset = n.key_offset = std::max(n.onset + 0.02, r.sound_offset + off_j(rng));
    if (x > 0.98) n.pitch = std::clamp(r.pitch + (u(rng) < 0.5 ? -1 : 1), 21, 108);
    n.velocity = std::clamp(static_cast<int>(std::lround(0.6 * r.velocity + 20 + vel_j(rng))), 1, 127);
    est.push_back(n);
  }
  const std::size_t inserts = ref.size() / 30;
  for (std::size_t i = 0; i < inserts; ++i) {
    pv::Note n;
    n.pitch = 21 + static_cast<int>(u(rng) * 88);
    n.onset = u(rng) * end;
    n.sound_offset = n.key_offset = n.onset + 0.05 + u(rng);
    n.velocity = 1 + static_cast<int>(u(rng) * 126);
    est.push_back(n);
  }
  std::sort(est.begin(), est.end(), [](const pv::Note& a, const pv::Note& b) {
    return a.onset != b.onset ? a.onset < b.onset : a.pitch < b.pitch;
  });
  return est;
}

}  // namespace pvtest
