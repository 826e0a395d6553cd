// pianovam loudness measure FILE... | normalize <dataset-root> -o OUT: BS.1770-4 loudness (libebur128)
// and the PianoVAM dataset normalization (design §3).
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/error.hpp"
#include "loudness/loudness.hpp"
#include "loudness/normalize.hpp"

namespace {

using pv::loudness::format_db;

struct LoudnessOpts {
  std::vector<std::string> files;
  std::string root, out, soundfont = pv::loudness::NormalizeOptions{}.soundfont.string();
  double anchor = -23.0, max_tp = -1.0;
  bool json = false;
};

nlohmann::json db_json(double v) { return std::isfinite(v) ? nlohmann::json(std::round(v * 100) / 100) : nlohmann::json(); }

int run_measure(const LoudnessOpts& o) {
  int failed = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& f : o.files) {
    pv::loudness::Measurement m;
    try {
      m = pv::loudness::measure_file(f);
    } catch (const pv::Error& e) {
      std::fprintf(stderr, "pianovam loudness: error: %s\n", e.what());
      ++failed;
      if (o.json) all.push_back({{"file", f}, {"error", e.what()}});
      continue;
    }
    // A file with no complete 400 ms gating block, or with nothing above the absolute gate, has no
    // integrated loudness: reported (values still listed) and counted as a failure.
    if (m.duration_s < 0.4) {
      std::fprintf(stderr, "pianovam loudness: error: %s: too short for BS.1770 (%.3f s; at least 0.4 s needed)\n",
                   f.c_str(), m.duration_s);
      ++failed;
    } else if (m.silent()) {
      std::fprintf(stderr, "pianovam loudness: error: %s: silent (nothing above the -70 LUFS gate)\n", f.c_str());
      ++failed;
    }
    if (o.json) {
      all.push_back({{"file", f},
                     {"integrated_lufs", db_json(m.integrated_lufs)},
                     {"loudness_range_lu", db_json(m.range_lu)},
                     {"true_peak_dbtp", db_json(m.true_peak_dbtp)},
                     {"sample_peak_dbfs", db_json(m.sample_peak_dbfs)},
                     {"duration_s", m.duration_s},
                     {"sample_rate", m.sample_rate},
                     {"channels", m.channels},
                     {"source_channels", m.source_channels},
                     {"silent", m.silent()}});
    } else {
      std::printf("%s: I %s LUFS, LRA %s LU, true peak %s dBTP (%d ch, %d Hz, %.1f s)\n", f.c_str(),
                  format_db(m.integrated_lufs, 1).c_str(), format_db(m.range_lu, 1).c_str(),
                  format_db(m.true_peak_dbtp, 1).c_str(), m.channels, m.sample_rate, m.duration_s);
    }
  }
  if (o.json) std::printf("%s\n", nlohmann::json{{"standard", "ITU-R BS.1770-4 (libebur128)"}, {"files", all}}.dump(2).c_str());
  return failed ? 1 : 0;
}

int run_normalize(const LoudnessOpts& o) {
  if (o.max_tp > 0) throw pv::UsageError("--max-true-peak must be <= 0 dBTP");
  pv::loudness::NormalizeOptions opt;
  opt.anchor_lufs = o.anchor;
  opt.max_true_peak_dbtp = o.max_tp;
  opt.soundfont = o.soundfont;
  const auto plan = pv::loudness::normalize_dataset(o.root, o.out, opt);
  int limited = 0;
  for (const auto& s : plan.sessions) limited += s.limited;
  if (limited)
    std::fprintf(stderr, "pianovam loudness: warning: %d session(s) left below target by the %s dBTP true-peak guard\n",
                 limited, format_db(o.max_tp, 1).c_str());
  if (o.json) {
    auto j = pv::loudness::to_json(plan);
    j["root"] = o.root;
    j["output"] = o.out;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("render mean %s LUFS anchored at %s LUFS\n", format_db(plan.render_mean_lufs).c_str(),
                format_db(plan.anchor_lufs).c_str());
    for (const auto& s : plan.sessions)
      std::printf("%s: measured %s -> target %s LUFS, gain %+.2f dB%s, output %s LUFS / %s dBTP\n", s.id.c_str(),
                  format_db(s.measured_lufs).c_str(), format_db(s.target_lufs).c_str(), s.gain_db,
                  s.limited ? " (limited by true peak)" : "", format_db(s.output_lufs).c_str(),
                  format_db(s.output_true_peak_dbtp).c_str());
    std::printf("wrote %zu file(s) to %s/Audio and the report %s/loudness.json\n", plan.sessions.size(), o.out.c_str(),
                o.out.c_str());
  }
  return 0;
}

pv::cli::Verb reg{"loudness", 46, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand("loudness", "Loudness (ITU-R BS.1770-4 / EBU R128) and dataset normalization");
  cmd->require_subcommand(1);
  auto o = std::make_shared<LoudnessOpts>();
  auto* measure = cmd->add_subcommand(
      "measure",
      "Integrated loudness, loudness range and true peak of audio files. Every channel is filtered and weighted "
      "per BS.1770 (L R C 1.0, surround 1.41, LFE unused), also for video audio tracks. Loudness range per EBU "
      "Tech 3342 from the short-term loudness (3 s window) every 100 ms after the first 3 s, gated at -70 LUFS "
      "and 20 LU below their power mean, 95th minus 10th percentile: the same as FFmpeg's ebur128 filter "
      "(within 0.1 LU from 60 s); libebur128's own range uses one 3 s block per second and differs on short files");
  measure->add_option("files", o->files, "Audio files (WAV, FLAC, ...; or the audio track of a video)")->required();
  measure->add_flag("--json", o->json, "Print a JSON summary on stdout");
  auto* norm = cmd->add_subcommand(
      "normalize",
      "Normalize a PianoVAM dataset: render each session's MIDI, anchor the renders' mean at the anchor loudness, "
      "gain = target - measured (true peak guarded); writes OUT/Audio/<id>.wav and OUT/loudness.json");
  norm->add_option("root", o->root, "Dataset root (metadata.json, Audio/, MIDI/)")->required();
  norm->add_option("-o,--output", o->out, "Output directory")->required();
  norm->add_option("--anchor", o->anchor, "Loudness the renders' mean is anchored at (LUFS)")->capture_default_str();
  norm->add_option("--max-true-peak", o->max_tp, "True-peak ceiling (dBTP)")->capture_default_str();
  norm->add_option("--soundfont", o->soundfont, "SoundFont for the renders")->capture_default_str();
  norm->add_flag("--json", o->json, "Print the JSON report on stdout");
  return [o, measure]() { return measure->parsed() ? run_measure(*o) : run_normalize(*o); };
}};

}  // namespace
