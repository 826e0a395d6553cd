// pianovam sync --reference REF --target TGT: offset and clock drift between two recordings of the
// same sound (e.g. DAW audio and the camera's audio track) by GCC-PHAT.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "align/sync/sync.hpp"
#include "cli/verb.hpp"
#include "core/error.hpp"
#include "io/audio/audio.hpp"

namespace {

struct SyncOpts {
  std::string reference, target;
  double max_offset = 0.0, max_drift = 1000.0, window = 3.0;
  bool json = false, windows = false;
};

int run_sync(const SyncOpts& o) {
  pv::sync::Options opt;
  if (o.max_offset < 0) throw pv::UsageError("--max-offset must be >= 0");
  if (o.max_drift < 0) throw pv::UsageError("--max-drift must be >= 0");
  if (o.window < 0.5 || o.window > 30) throw pv::UsageError("--window must be between 0.5 and 30 s");
  opt.max_offset_s = o.max_offset;
  opt.max_drift_ppm = o.max_drift;
  opt.window_s = opt.hop_s = o.window;
  // Read straight at the analysis rate (soxr inside the reader): bounded memory for long files.
  const pv::audio::Signal ref = pv::audio::read_mono(o.reference, opt.analysis_rate);
  const pv::audio::Signal tgt = pv::audio::read_mono(o.target, opt.analysis_rate);
  pv::sync::Result r;
  try {
    r = pv::sync::estimate(ref.samples, ref.sample_rate, tgt.samples, tgt.sample_rate, opt);
  } catch (const pv::Error& e) {
    throw pv::Error(std::string(e.what()) + " [reference " + o.reference + ", target " + o.target + "]");
  }
  if (r.confidence < 0.3)
    std::fprintf(stderr, "pianovam sync: warning: low confidence %.2f (the recordings may not share the same sound)\n",
                 r.confidence);
  if (o.json) {
    nlohmann::json j = {{"reference", o.reference},
                        {"target", o.target},
                        {"convention", "target_time = ref_time + offset_s + drift_ppm * 1e-6 * ref_time"},
                        {"offset_s", r.offset},
                        {"drift_ppm", r.drift_ppm},
                        {"confidence", r.confidence},
                        {"peak_to_sidelobe", r.psr},
                        {"coarse_offset_s", r.coarse_offset},
                        {"windows_used", r.windows_used},
                        {"windows_voiced", r.windows_voiced},
                        {"residual_rms_ms", r.residual_rms_s * 1e3},
                        {"reference_duration_s", ref.duration()},
                        {"target_duration_s", tgt.duration()}};
    if (o.windows) {
      j["windows"] = nlohmann::json::array();
      for (const auto& w : r.windows)
        j["windows"].push_back({{"ref_time_s", w.ref_time}, {"offset_s", w.offset}, {"psr", w.psr}, {"inlier", w.inlier}});
    }
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%.6f\n", r.offset);
    std::fprintf(stderr,
                 "offset %.6f s (target_time = ref_time + offset + drift*ref_time), drift %.1f ppm, confidence %.2f, "
                 "%d/%d windows agree (residual %.3f ms)\n",
                 r.offset, r.drift_ppm, r.confidence, r.windows_used, r.windows_voiced, r.residual_rms_s * 1e3);
    if (o.windows)
      for (const auto& w : r.windows)
        std::printf("%.3f\t%.6f\t%.1f\t%s\n", w.ref_time, w.offset, w.psr, w.inlier ? "inlier" : "outlier");
  }
  return 0;
}

pv::cli::Verb reg{"sync", 45, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "sync",
      "Offset (and clock drift) between two recordings of the same sound by GCC-PHAT. Prints the offset in seconds "
      "on stdout: target_time = ref_time + offset (+ drift_ppm*1e-6*ref_time), times being those of the direct "
      "sound. Both directions are measured and the one with the drier reference kept, so either file may be the "
      "reference; accurate to ~1 ms when one of the two is a close (dry) microphone, less reliable between two "
      "reverberant rooms");
  auto o = std::make_shared<SyncOpts>();
  cmd->add_option("-r,--reference", o->reference, "Reference audio or video file (e.g. DAW WAV)")->required();
  cmd->add_option("-t,--target", o->target, "Target audio or video file (e.g. camera MP4)")->required();
  cmd->add_option("--max-offset", o->max_offset, "Largest |offset| to search in seconds (0: any)");
  cmd->add_option("--max-drift", o->max_drift, "Largest clock drift to search in ppm")->capture_default_str();
  cmd->add_option("--window", o->window, "Fine correlation window in seconds")->capture_default_str();
  cmd->add_flag("--windows", o->windows, "Also list the per-window offsets");
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  return [o]() { return run_sync(*o); };
}};

}  // namespace
