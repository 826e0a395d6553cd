#include "core/performance.hpp"

#include <algorithm>
#include <tuple>

namespace pv {

const char* hand_name(Hand h) {
  switch (h) {
    case Hand::Left: return "L";
    case Hand::Right: return "R";
    case Hand::Noinfo: return "Noinfo";
    default: return "";
  }
}

double Performance::duration() const {
  double d = 0.0;
  for (const auto& n : notes) d = std::max({d, n.onset, n.key_offset, n.sound_offset});
  for (const auto& p : pedals) d = std::max(d, p.time);
  return d;
}

void Performance::sort() {
  std::stable_sort(notes.begin(), notes.end(), [](const Note& a, const Note& b) {
    return std::tie(a.onset, a.pitch) < std::tie(b.onset, b.pitch);
  });
  std::stable_sort(pedals.begin(), pedals.end(),
                   [](const PedalEvent& a, const PedalEvent& b) { return a.time < b.time; });
}

}  // namespace pv
