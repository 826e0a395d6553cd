#include "core/pedal_rule.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <vector>

namespace pv {

void PedalRule::apply(Performance& perf) const {
  // Sustain intervals [down, up) from the pedal events of the chosen controller.
  // The pedal state at time t is given by the last event with time <= t.
  std::vector<std::pair<double, double>> down;
  bool is_down = false;
  double since = 0.0;
  for (const auto& e : perf.pedals) {
    if (e.controller != controller) continue;
    bool d = e.value >= threshold;
    if (d && !is_down) since = e.time;
    if (!d && is_down) down.emplace_back(since, e.time);
    is_down = d;
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (is_down) down.emplace_back(since, kInf);

  // Next onset of the same pitch, strictly after this onset.
  std::map<int, std::vector<double>> onsets;
  for (const auto& n : perf.notes) onsets[n.pitch].push_back(n.onset);
  for (auto& [p, v] : onsets) std::sort(v.begin(), v.end());

  // End of the performance for a pedal never released: from onsets, key releases and pedal events only
  // (not from sound_offset, which may hold stale values from an earlier application or a file).
  double perf_end = 0.0;
  for (const auto& n : perf.notes) perf_end = std::max({perf_end, n.onset, n.key_offset});
  for (const auto& e : perf.pedals) perf_end = std::max(perf_end, e.time);
  for (auto& n : perf.notes) {
    double end = n.key_offset;
    // Interval containing key release: first with down <= t, then check t < up.
    auto it = std::upper_bound(down.begin(), down.end(), n.key_offset,
                               [](double t, const std::pair<double, double>& iv) { return t < iv.first; });
    if (it != down.begin()) {
      const auto& iv = *std::prev(it);
      if (n.key_offset < iv.second) end = iv.second;
    }
    const auto& v = onsets[n.pitch];
    auto nx = std::upper_bound(v.begin(), v.end(), n.onset);
    if (nx != v.end()) end = std::min(end, *nx);
    if (end == kInf) end = std::max(n.key_offset, perf_end);
    n.sound_offset = end;
  }
}

}  // namespace pv
