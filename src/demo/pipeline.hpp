#pragma once
// `pianovam demo`: generates a small session in the PianoVAM layout and runs the pipeline on it.
//
// Generated (with known truth): an original 8-bar study with true fingering and pedal; its DAW audio
// rendered with FluidSynth; a Disklavier MIDI on its own clock (planted offset and drift); a top-view
// camera video (keyboard in perspective, lit keys, simulated hands) that started earlier than the DAW, with
// its own audio track (different "microphone": filtered, noisy, 48 kHz). Then: global sync (camera audio
// vs DAW audio), full-length MIDI-to-audio alignment, note TSV, hands, fingering, validation.
#include <filesystem>

#include <nlohmann/json.hpp>

namespace pv::demo {

struct DemoOptions {
  std::filesystem::path dir = "demo-session";
  int width = 1280, height = 720;
  int fps = 30;
  double camera_lead = 0.5;      // camera started this long before the DAW (s)
  double midi_offset = 0.8;      // Disklavier clock: midi_time = offset + audio_time * (1 + drift)
  double midi_drift_ppm = 250.0;
  int repeats = 1;               // times the 8 bars are played
  unsigned seed = 7;
};

// Runs everything; returns the summary (also written to <dir>/demo-report.json). Progress on stderr.
nlohmann::json run_demo(const DemoOptions& opt);

}  // namespace pv::demo
