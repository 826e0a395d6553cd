#pragma once
// Onset refinement of a DTW time map. The DTW follows energy features with long constant-Q windows,
// which put the path several milliseconds off where the two pianos rise and decay differently and,
// much more, where a room's reverberation keeps building up after each attack. Attacks themselves are
// sharp: a short-window spectrogram (AttackGram, 11.6 ms windows every 1.45 ms) locates them within
// a few milliseconds, and reverberation only adds energy after the direct sound.
// For every group of simultaneous MIDI onsets, the rise of the bands holding the notes' partials
// above their recent maximum marks the attack (noise and decay never rise above it); the onset is the
// leading edge of that rise (RefineOptions::attack_fraction). The render's onset near the scheduled
// time is carried through the map, the recording's is searched near it, and their difference is a
// local correction. Corrections are
// filtered by a median over neighbouring groups weighted by attack strength (the weaker of the two
// rises), and interpolated into the map, which stays monotone.
#include <cstdint>
#include <vector>

#include "align/warp.hpp"
#include "core/performance.hpp"

namespace pv::align {

// Short-window log spectrogram in bands: Hann window of `window` samples every `hop` samples,
// FFT bins up to 2 kHz kept one by one, above that pooled in sixth-octave bands up to 8.6 kHz;
// values are band power in dB relative to a full-scale sinusoid, stored in 0.75 dB steps from -160 dB.
struct AttackGram {
  int rate = 0, hop = 0, window = 0;
  std::vector<double> band_lo_hz, band_hi_hz;  // frequency range of each band
  std::vector<std::uint8_t> data;              // frames × bands, row-major
  int bands() const { return static_cast<int>(band_lo_hz.size()); }
  std::size_t frames() const { return bands() ? data.size() / bands() : 0; }
  double period() const { return static_cast<double>(hop) / rate; }
  // Frame i is centred on sample i * hop.
};

// `threads` > 1 splits the frames between that many threads (same result).
AttackGram attack_gram(const std::vector<float>& signal, int rate, int window = 256, int hop = 32, int threads = 1);
// The dB value of a stored AttackGram byte, and back.
double attack_gram_db(std::uint8_t q);
std::uint8_t attack_gram_quantise(double db);
// The same in power (relative to a full-scale sinusoid), from tables: no logarithm per value.
double attack_gram_power(std::uint8_t q);
std::uint8_t attack_gram_quantise_power(double power);

// Defaults measured with bench/align/align_sweep (ASAP performances, 30–60 s excerpts, dry and four
// measured rooms).
struct RefineOptions {
  double group_s = 0.025;         // onsets closer than this form one group
  double search_s = 0.05;         // ± search window in the recording
  int median_radius = 20;         // groups on each side for the median filter of corrections
  double max_correction_s = 0.08;
  int max_partial = 20;           // partials of each note whose bands are watched
  double min_render_rise_db = 6.0;  // weaker attacks (summed over the bands) are not used
  double min_audio_rise_db = 3.0;
  double attack_fraction = 0.5;     // onset = leading edge at this fraction of the attack's peak (0: the peak)
  double audio_fraction = -1.0;     // the same for the recording only (< 0: attack_fraction)
  // refine_map_adaptive: the recording's attacks are compared with the render's by how long they take
  // from leading edge to peak (75th percentiles over the groups). No more than dry_rise_ms slower (a
  // dry or close microphone): the strongest frame is used on both sides; more than
  // reverberant_rise_ms slower: the recording's edge is taken at reverberant_audio_fraction.
  double dry_rise_ms = 1.5;
  double reverberant_rise_ms = 2.0;
  double reverberant_audio_fraction = 0.4;
  // lag_scan: lags searched (± s, 0: off) and the span of groups pooled around each (± s).
  double lag_search_s = 0.15;
  double lag_window_s = 5.0;
  // Summed score at the best lag over sqrt(groups pooled): about 2-4 for unrelated attacks, 10-20
  // in a dry recording, 2-4 in a concert hall.
  double lag_min_confidence = 6.0;
  double lag_edge_fraction = 0.5;  // the lag taken: leading edge of the pooled peak at this fraction
  // The same in a reverberant recording (see refine_map_adaptive), where attacks agree less clearly
  // and the scan's strengths peak late: stronger agreement is asked for (one never met: no correction).
  double lag_min_confidence_reverberant = 10.0;
};

struct RefineStats {
  int groups = 0, used = 0;
  double median_abs_correction_ms = 0.0;
  // Leading edge to peak of the attacks (75th percentile over the groups used).
  double audio_rise_q75_ms = 0.0, render_rise_q75_ms = 0.0;
  double render_fraction = 0.0, audio_fraction = 0.0;  // the edge fractions used (0: strongest frame)
  double lag_scan_median_ms = 0.0;  // refine_map_adaptive: lag_scan's median correction (0: not run)
};

// `render_time(t)`: where MIDI time t starts sounding in the render (synth::scheduled_time).
TimeMap refine_map(const TimeMap& map, const Performance& midi, const AttackGram& render, const AttackGram& audio,
                   double (*render_time)(double, int), int rate, const RefineOptions& opt = {},
                   RefineStats* stats = nullptr);

// Wide search for a slowly varying lag of the map: the DTW path can sit 20-70 ms off for whole
// passages, beyond refine_map's search. Each group's render attack is correlated band by band with
// the recording's onset strength over ±lag_search_s (as z-scores over the lags); the correlations of
// the groups within ±lag_window_s are summed, and where they agree (lag_min_confidence) the leading
// edge of the summed peak is the map's correction there; elsewhere the map is left as it is.
// `median_lag_ms`: the median correction (0 when nothing was corrected).
TimeMap lag_scan(const TimeMap& map, const Performance& midi, const AttackGram& render, const AttackGram& audio,
                 double (*render_time)(double, int), int rate, const RefineOptions& opt = {},
                 double* median_lag_ms = nullptr);

// refine_map with the edge chosen from the recording (RefineOptions::dry_rise_ms): a first pass with
// attack_fraction measures the rise times; a second pass follows, started from lag_scan's map. In a
// reverberant recording (rise times more than reverberant_rise_ms slower) the scan's attack
// strengths peak late, and it corrects the map only where lag_min_confidence_reverberant is met.
// Measured with align_sweep (40 performances x 5 rooms, 60 s; performances within 3/10 ms):
// strongest frame everywhere 71 of 200, leading edge everywhere 80, adaptive 89 (dry 28, Arthur
// auditorium 27, council chamber 6, seminar room 28, concert hall 0), with the lag scan 107 (dry 38,
// Arthur 32, council 8, seminar 29, concert hall 0), with the clock-line check 114, with the scan
// also in reverberant recordings at confidence 10: 116 (seminar 32, council 10; full-length
// performances in the dry room, Arthur and seminar 104 of 120 instead of 101).
TimeMap refine_map_adaptive(const TimeMap& map, const Performance& midi, const AttackGram& render,
                            const AttackGram& audio, double (*render_time)(double, int), int rate,
                            const RefineOptions& opt = {}, RefineStats* stats = nullptr);

}  // namespace pv::align
