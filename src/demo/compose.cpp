#include "demo/compose.hpp"

#include <algorithm>
#include <array>
#include <random>

#include "core/pedal_rule.hpp"

namespace pv::demo {

DemoPiece compose(unsigned seed, int repeats) {
  DemoPiece piece;
  std::mt19937 rng(seed);
  std::normal_distribution<double> jitter(0.0, 0.008);
  std::uniform_int_distribution<int> vel_var(-6, 6);
  const double beat = 60.0 / piece.bpm;
  const double lead_in = 1.0;

  // Chords per bar: C, Am, F, G, C, F, G, C. Left hand: root, fifth, octave, fifth in eighths (fingers 5 2 1 2).
  const std::array<int, 8> roots{48, 45, 41, 43, 48, 41, 43, 48};
  // Right hand five-finger position C5..G5 (72 74 76 77 79 = fingers 1..5), quarter notes.
  const std::array<std::array<int, 4>, 8> melody{{{76, 74, 72, 74},
                                                  {76, 76, 76, 74},
                                                  {77, 76, 74, 72},
                                                  {74, 77, 79, 77},
                                                  {76, 74, 72, 74},
                                                  {77, 77, 76, 74},
                                                  {79, 77, 74, 77},
                                                  {76, 74, 72, 72}}};
  auto rh_finger = [](int p) {
    switch (p) {
      case 72: return 1;
      case 74: return 2;
      case 76: return 3;
      case 77: return 4;
      default: return 5;
    }
  };

  auto add = [&](int pitch, double on, double dur, int vel, Hand hand, int finger) {
    Note n;
    n.pitch = pitch;
    n.onset = on + jitter(rng);
    n.key_offset = n.onset + dur * (0.85 + 0.1 * std::uniform_real_distribution<double>(0, 1)(rng));
    n.sound_offset = n.key_offset;
    n.velocity = std::clamp(vel + vel_var(rng), 1, 127);
    n.hand = hand;
    n.finger = finger;
    piece.perf.notes.push_back(n);
  };

  int bar_index = 0;
  for (int r = 0; r < repeats; ++r) {
    for (size_t b = 0; b < roots.size(); ++b, ++bar_index) {
      const double t0 = lead_in + bar_index * 4 * beat;
      const int root = roots[b];
      const std::array<int, 4> lh{root, root + 7, root + 12, root + 7};
      const std::array<int, 4> lh_finger{5, 2, 1, 2};
      for (int e = 0; e < 8; ++e)
        add(lh[e % 4], t0 + e * beat / 2, beat / 2, 52 + (e % 2 == 0 ? 6 : 0), Hand::Left, lh_finger[e % 4]);
      const bool last = (b + 1 == roots.size()) && (r + 1 == repeats);
      for (int q = 0; q < 4; ++q) {
        int p = melody[b][q];
        double dur = (last && q == 3) ? 2 * beat : beat;
        add(p, t0 + q * beat, dur, 70 + (q == 0 ? 10 : 0), Hand::Right, rh_finger(p));
      }
      // Legato pedal: up at the bar line, down again an eighth later.
      piece.perf.pedals.push_back({t0 + 0.02, 64, 0, 0});
      piece.perf.pedals.push_back({t0 + beat / 2, 64, 100, 0});
    }
  }
  const double end = lead_in + bar_index * 4 * beat + beat;
  piece.perf.pedals.push_back({end, 64, 0, 0});
  piece.perf.sort();
  PedalRule{}.apply(piece.perf);
  return piece;
}

}  // namespace pv::demo
