#pragma once
// Dataset loudness normalization (PianoVAM reference procedure, design §3): render every session's
// MIDI with the SoundFont and measure it; the mean of those renders is anchored at -23 LUFS and each
// recording's target keeps its render's offset from that mean; gain = target - measured, limited so
// that the true peak stays at or below -1 dBTP.
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pv::loudness {

struct NormalizeOptions {
  double anchor_lufs = -23.0;
  double max_true_peak_dbtp = -1.0;
  double guard_margin_db = 0.1;  // kept below the ceiling for re-quantisation of the output
  int render_rate = 44100;
  std::filesystem::path soundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
};

// What the plan needs to know about one session.
struct SessionLevels {
  std::string id;
  double render_lufs = 0.0;    // integrated loudness of the MIDI rendered with the SoundFont
  double measured_lufs = 0.0;  // integrated loudness of the recording
  double true_peak_dbtp = 0.0; // true peak of the recording
};

struct SessionGain {
  std::string id;
  double render_lufs = 0.0, measured_lufs = 0.0, true_peak_dbtp = 0.0;
  double target_lufs = 0.0;  // anchor + (render - mean render)
  double gain_db = 0.0;      // applied gain
  bool limited = false;      // the true-peak guard lowered the gain below target - measured
  // After writing (NaN until then):
  double output_lufs = std::numeric_limits<double>::quiet_NaN();
  double output_true_peak_dbtp = std::numeric_limits<double>::quiet_NaN();
};

struct Plan {
  double anchor_lufs = -23.0;
  double render_mean_lufs = 0.0;
  double max_true_peak_dbtp = -1.0;
  std::vector<SessionGain> sessions;
};

// Pure: gains from levels. Throws pv::Error if there is no session or a level is not finite.
Plan plan(const std::vector<SessionLevels>& levels, const NormalizeOptions& opt = {});

nlohmann::json to_json(const Plan& p);

// Reads <root>/metadata.json, renders and measures every session, writes <out>/Audio/<id>.wav
// (atomically, same format as the input) and <out>/loudness.json. Throws pv::InputError naming the
// session's file when its MIDI or audio is missing, empty or silent.
Plan normalize_dataset(const std::filesystem::path& root, const std::filesystem::path& out,
                       const NormalizeOptions& opt = {});

}  // namespace pv::loudness
