#pragma once
// The demo piece: an original 8-bar study in C major (right-hand melody in a five-finger position over
// a left-hand broken-chord accompaniment, sustain pedal changed every bar), with its true fingering.
#include "core/performance.hpp"

namespace pv::demo {

struct DemoPiece {
  Performance perf;  // notes carry hand + finger (ground truth), sound_offset pedal-extended
  double bpm = 96.0;
};

// Deterministic for a given seed (small human-like timing and velocity variation).
DemoPiece compose(unsigned seed = 7, int repeats = 1);

}  // namespace pv::demo
