#include "loudness/normalize.hpp"

#include <cmath>

#include "align/synth.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "io/json/metadata.hpp"
#include "io/midi/midi.hpp"
#include "loudness/loudness.hpp"

namespace pv::loudness {
namespace fs = std::filesystem;

Plan plan(const std::vector<SessionLevels>& levels, const NormalizeOptions& opt) {
  if (levels.empty()) throw Error("loudness: no sessions to normalize");
  Plan p;
  p.anchor_lufs = opt.anchor_lufs;
  p.max_true_peak_dbtp = opt.max_true_peak_dbtp;
  double sum = 0.0;
  for (const auto& l : levels) {
    if (!std::isfinite(l.render_lufs)) throw Error("loudness: session " + l.id + ": the MIDI render is silent");
    if (!std::isfinite(l.measured_lufs)) throw Error("loudness: session " + l.id + ": the recording is silent");
    if (!std::isfinite(l.true_peak_dbtp)) throw Error("loudness: session " + l.id + ": the recording has no peak");
    sum += l.render_lufs;
  }
  p.render_mean_lufs = sum / static_cast<double>(levels.size());
  const double ceiling = opt.max_true_peak_dbtp - opt.guard_margin_db;
  for (const auto& l : levels) {
    SessionGain g;
    g.id = l.id;
    g.render_lufs = l.render_lufs;
    g.measured_lufs = l.measured_lufs;
    g.true_peak_dbtp = l.true_peak_dbtp;
    g.target_lufs = opt.anchor_lufs + (l.render_lufs - p.render_mean_lufs);
    g.gain_db = g.target_lufs - l.measured_lufs;
    if (l.true_peak_dbtp + g.gain_db > ceiling) {
      g.gain_db = ceiling - l.true_peak_dbtp;
      g.limited = true;
    }
    p.sessions.push_back(g);
  }
  return p;
}

nlohmann::json to_json(const Plan& p) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(std::round(v * 1e4) / 1e4) : nlohmann::json(); };
  nlohmann::json j;
  j["standard"] = "ITU-R BS.1770-4 (libebur128)";
  j["anchor_lufs"] = p.anchor_lufs;
  j["render_mean_lufs"] = num(p.render_mean_lufs);
  j["max_true_peak_dbtp"] = p.max_true_peak_dbtp;
  j["sessions"] = nlohmann::json::array();
  int limited = 0;
  for (const auto& s : p.sessions) {
    limited += s.limited;
    j["sessions"].push_back({{"id", s.id},
                             {"render_lufs", num(s.render_lufs)},
                             {"measured_lufs", num(s.measured_lufs)},
                             {"true_peak_dbtp", num(s.true_peak_dbtp)},
                             {"target_lufs", num(s.target_lufs)},
                             {"gain_db", num(s.gain_db)},
                             {"limited_by_true_peak", s.limited},
                             {"output_lufs", num(s.output_lufs)},
                             {"output_true_peak_dbtp", num(s.output_true_peak_dbtp)}});
  }
  j["limited_sessions"] = limited;
  return j;
}

Plan normalize_dataset(const fs::path& root, const fs::path& out, const NormalizeOptions& opt) {
  const std::vector<Session> sessions = meta::sessions(root);
  if (sessions.empty()) throw InputError(root / "metadata.json", "no sessions");
  std::vector<SessionLevels> levels;
  Progress measuring("loudness: render + measure", static_cast<std::int64_t>(sessions.size()));
  synth::SynthOptions so;
  so.soundfont = opt.soundfont;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const Session& s = sessions[i];
    if (s.id().empty()) throw InputError(root / "metadata.json", "record " + s.key + " has no record_time");
    const fs::path midi = s.midi(), wav = s.audio();
    if (!fs::exists(midi)) throw InputError(midi, "missing (needed for the loudness target)");
    if (!fs::exists(wav)) throw InputError(wav, "missing");
    const Performance perf = midi::read(midi);
    if (perf.notes.empty()) throw InputError(midi, "no notes: cannot derive a loudness target");
    const std::vector<float> r = synth::render(perf, opt.render_rate, so);
    const Measurement rm = measure(r, 1, opt.render_rate);
    if (rm.silent()) throw InputError(midi, "renders to silence: cannot derive a loudness target");
    const Measurement am = measure_file(wav);
    if (am.silent()) throw InputError(wav, "silent recording (nothing above the -70 LUFS gate)");
    levels.push_back({s.id(), rm.integrated_lufs, am.integrated_lufs, am.true_peak_dbtp});
    measuring.update(static_cast<std::int64_t>(i + 1));
  }
  measuring.finish();

  Plan p = plan(levels, opt);
  Progress writing("loudness: write", static_cast<std::int64_t>(sessions.size()));
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    SessionGain& g = p.sessions[i];
    const fs::path dst = out / "Audio" / (g.id + ".wav");
    const Measurement m = apply_gain(sessions[i].audio(), dst, g.gain_db);
    g.output_lufs = m.integrated_lufs;
    g.output_true_peak_dbtp = m.true_peak_dbtp;
    if (m.true_peak_dbtp > opt.max_true_peak_dbtp)
      throw Error(dst.string() + ": true peak " + format_db(m.true_peak_dbtp) + " dBTP exceeds the " +
                  format_db(opt.max_true_peak_dbtp) + " dBTP ceiling after writing");
    writing.update(static_cast<std::int64_t>(i + 1));
  }
  writing.finish();
  write_file_atomic(out / "loudness.json", to_json(p).dump(2) + "\n");
  return p;
}

}  // namespace pv::loudness
