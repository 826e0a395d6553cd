#pragma once
// Seeded random performances for round-trip and mutation tests.
#include <algorithm>
#include <map>
#include <random>
#include <utility>

#include "core/performance.hpp"

namespace smftest {

// Notes of one (channel, pitch) release in onset order (SMF cannot say which note an off belongs to;
// readers pair FIFO), may overlap, start together or have zero length.
inline pv::Performance random_performance(std::uint32_t seed, int n_notes, int n_pedals, double length_s = 60.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  pv::Performance p;
  std::map<std::pair<int, int>, std::pair<double, double>> last;  // (ch, pitch) -> (onset, offset)
  for (int i = 0; i < n_notes; ++i) {
    pv::Note n;
    n.channel = u(rng) < 0.8 ? 0 : static_cast<int>(u(rng) * 16);
    n.pitch = u(rng) < 0.05 ? static_cast<int>(u(rng) * 128) : 21 + static_cast<int>(u(rng) * 88);
    n.velocity = 1 + static_cast<int>(u(rng) * 127);
    n.onset = u(rng) < 0.02 ? 0.0 : u(rng) * length_s;
    const double r = u(rng);
    n.key_offset = n.onset + (r < 0.03 ? 0.0 : r * r * 3.0);
    p.notes.push_back(n);
  }
  std::sort(p.notes.begin(), p.notes.end(), [](const pv::Note& a, const pv::Note& b) { return a.onset < b.onset; });
  for (auto& n : p.notes) {
    auto key = std::make_pair(n.channel, n.pitch);
    auto it = last.find(key);
    if (it != last.end()) n.key_offset = std::max(n.key_offset, it->second.second);
    last[key] = {n.onset, n.key_offset};
    n.sound_offset = n.key_offset;
  }
  for (int i = 0; i < n_pedals; ++i) {
    pv::PedalEvent e;
    e.time = u(rng) * length_s;
    const double c = u(rng);
    e.controller = c < 0.7 ? 64 : c < 0.85 ? 67 : 66;
    e.value = static_cast<int>(u(rng) * 128);
    e.channel = u(rng) < 0.9 ? 0 : static_cast<int>(u(rng) * 16);
    p.pedals.push_back(e);
  }
  p.sort();
  return p;
}

}  // namespace smftest
