#pragma once
// Offline FluidSynth rendering of a Performance to mono float audio (no audio driver).
// Notes (with velocities) and pedals (CC64/66/67) are sent between fluid_synth_write_float calls.
// FluidSynth starts events only at its internal 64-sample block boundaries, so an event at sample s
// sounds from the next boundary at or after s; scheduled_time() gives that time exactly.
#include <filesystem>
#include <vector>

#include "core/performance.hpp"

namespace pv::synth {

struct SynthOptions {
  std::filesystem::path soundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
  int program = 0;        // GM program (0 = Acoustic Grand Piano)
  double gain = 0.4;      // FluidSynth master gain
  double tail = 1.0;      // seconds rendered after the last event
  bool reverb = false;
  bool chorus = false;
  int polyphony = 256;
};

constexpr int kBlock = 64;  // FluidSynth's internal block size (FLUID_BUFSIZE)

// Renders at `rate` Hz. Throws pv::InputError if the SoundFont cannot be loaded, pv::Error otherwise.
std::vector<float> render(const Performance& perf, int rate, const SynthOptions& opt = {});

// Sample index at which an event at time t starts sounding in render() output.
long long scheduled_sample(double t, int rate);
inline double scheduled_time(double t, int rate) {
  return static_cast<double>(scheduled_sample(t, rate)) / rate;
}

}  // namespace pv::synth
