#pragma once
// PedalRule (MAESTRO / mir_eval convention): the sustain pedal (CC64) is down while its value >= 64.
// A note's sound ends at the later of its key release and the release of the pedal that was down
// at key release, but no later than the next onset of the same pitch.
#include "core/performance.hpp"

namespace pv {

struct PedalRule {
  int controller = 64;
  int threshold = 64;  // down when value >= threshold
  // Sets sound_offset of every note. Notes need not be sorted; pedals must be sorted by time.
  void apply(Performance& perf) const;
};

}  // namespace pv
