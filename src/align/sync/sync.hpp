#pragma once
// Global sync between two recordings of the same sound (e.g. the camera's audio track and the DAW
// audio): offset by GCC-PHAT, clock drift from offsets measured in windows along the recording.
//
// Convention: target_time = ref_time + offset + drift_ppm * 1e-6 * ref_time
// (an event heard at ref_time in the reference is heard at target_time in the target).
//
// Method: onset envelopes (log spectral flux, 5 ms hop) of reference excerpts every ~20 s are
// GCC-PHAT-correlated with the whole target; their correlations are stacked over the offset (with
// the drift limit as tolerance) and each excerpt's peak near the stacked maximum gives a coarse line
// (offset and drift). GCC-PHAT windows (3 s, 16 kHz) along the reference are then correlated around
// that line and stacked along lines of nearby slopes: the slope with the highest stacked peak is
// the drift. A drift above redrift_ppm is then undone on the whole target (resampling) and the
// offset measured again: left in, it smears the sharp direct-sound peak within a window (300 ppm
// over 3 s: 0.9 ms) while the broad reverberant part survives.
// Direct sound vs reflections: the stacked correlation of two rooms holds the reference room's
// reflections at earlier lags and the target room's at later ones. The earliest stacked peak
// reaching direct_peak_ratio of the strongest is taken (right when the reference is the drier
// recording); the estimate is also made with the roles exchanged, and the direction whose chosen
// peak has the least stacked energy before it wins. When one direction gives up (in a repetitive
// piece its onset-envelope stage can settle on a repeat seconds off, where nothing adds up), it is
// measured again from the other direction's coarse line.
// Truth convention (as in align/simulate): a recording's time is that of its direct sound (the
// impulse response's strongest peak), so between two microphones the offset is the difference of
// their clocks, not of their acoustic path lengths.
// Measured (bench_sync, 60 s excerpts of real performances, SNR 30 dB, offsets up to 2 s, drift up
// to 500 ppm): within 1 ms whenever one recording is dry or nearly (either role); two reverberant
// rooms (council chamber, concert hall, seminar room) can still be off by 4-80 ms.
// Memory is linear in the length (both signals at the analysis rate plus one correlation per window).
#include <span>
#include <vector>

#include "core/performance.hpp"

namespace pv::sync {

struct Options {
  int analysis_rate = 16000;       // both signals are resampled (soxr) to this rate for the fine stage
  double window_s = 3.0;           // fine GCC-PHAT window length
  double hop_s = 3.0;              // spacing of the fine windows along the reference
  double coarse_window_s = 30.0;   // reference excerpts correlated against the whole target (onset envelopes)
  int coarse_windows = 6;          // how many such excerpts
  double max_offset_s = 0.0;       // |offset| limit for the search (0: anything the lengths allow)
  double max_drift_ppm = 1000.0;   // clock drift limit
  double inlier_tol_s = 0.002;     // a window agrees with the fitted line within this
  double min_psr = 3.0;            // windows whose own correlation peak is weaker are not used
  double min_coherence = 0.1;      // below this the recordings are taken as unrelated (error)
  double direct_peak_ratio = 0.7;  // earliest stacked peak at least this fraction of the strongest wins
  double band_low_hz = 40.0;       // GCC-PHAT band
  double band_high_hz = 7600.0;
  bool both_directions = true;     // also measure with the roles exchanged and keep the drier-reference one
  double redrift_ppm = 20.0;       // a drift above this is undone on the target and the offset measured again
  double phat_beta = 1.0;          // cross-spectrum weighting |G|^-beta (1: PHAT, 0: plain correlation)
};

// One fine window: the offset measured around ref_time.
struct WindowOffset {
  double ref_time = 0.0;  // centre of the window on the reference clock (s)
  double offset = 0.0;    // target_time - ref_time there (s)
  double psr = 0.0;       // peak-to-sidelobe ratio of its correlation
  bool inlier = false;    // used in the line fit
};

struct Result {
  double offset = 0.0;         // s, at ref_time 0
  double drift_ppm = 0.0;      // target clock rate relative to the reference, minus 1, in ppm
  double confidence = 0.0;     // 0..1: how coherently the windows' correlations add up (0: unrelated)
  double psr = 0.0;            // peak-to-sidelobe ratio of the stacked correlation
  double residual_rms_s = 0.0; // RMS of inlier offsets about the fitted line
  double coarse_offset = 0.0;  // the onset-envelope estimate that seeded the fine search (s)
  // Dryness of each recording: energy of its whitened autocorrelation from 2 to 160 ms relative to
  // lag 0 (reflections and reverberation; larger = more reverberant).
  double reference_reverb = 0.0, target_reverb = 0.0;
  // Fraction of the stacked correlation's energy before the chosen peak (within the same distance on
  // both sides): small when the reference is the drier recording.
  double pre_peak_energy = 0.0;
  int windows_used = 0;        // inliers
  int windows_voiced = 0;      // windows with enough signal to be measured
  std::vector<WindowOffset> windows;

  double to_target(double ref_time) const { return ref_time + offset + drift_ppm * 1e-6 * ref_time; }
  double to_reference(double target_time) const {
    return (target_time - offset) / (1.0 + drift_ppm * 1e-6);
  }
};

// Estimates offset and drift. Rates may differ (both are resampled to the analysis rate).
// Throws pv::Error when a signal is empty, silent, too short, or when no consistent offset exists.
Result estimate(std::span<const float> ref, int ref_rate, std::span<const float> tgt, int tgt_rate,
                const Options& opt = {});

// Moves every note and pedal event of a performance from one clock to the other.
enum class Direction { ReferenceToTarget, TargetToReference };
Performance map_performance(const Performance& perf, const Result& sync, Direction dir);

// Mono resampling with soxr (high quality); rates may be fractional. Used by estimate() and tests.
std::vector<float> resample(std::span<const float> in, double in_rate, double out_rate);

}  // namespace pv::sync
