// pianovam demo [dir]: generate a demo session in the PianoVAM layout and run the pipeline on it.
#include <cstdio>
#include <memory>

#include "cli/verb.hpp"
#include "demo/pipeline.hpp"

namespace {

void print_summary(const nlohmann::json& r) {
  std::printf("demo dataset: %s (session %s)\n", r["dataset"].get<std::string>().c_str(),
              r["id"].get<std::string>().c_str());
  const auto& p = r["planted"];
  const auto& s = r["sync"];
  std::printf("  sync     camera audio vs DAW: offset %.4f s (planted %.4f, error %.2f ms), confidence %.2f\n",
              s["offset_s"].get<double>(), p["camera_lead_s"].get<double>(), s["error_ms"].get<double>(),
              s["confidence"].get<double>());
  const auto& a = r["align"];
  std::printf("  align    MIDI->audio: offset %.4f s (planted %.4f), drift %.1f ppm (planted %.1f)\n",
              a["offset_s"].get<double>(), -p["midi_offset_s"].get<double>() /
                                                   (1.0 + p["midi_drift_ppm"].get<double>() * 1e-6),
              a["drift_ppm"].get<double>(), 1e6 / (1.0 + p["midi_drift_ppm"].get<double>() * 1e-6) - 1e6);
  std::printf("           onset error vs truth: median %.2f ms, p95 %.2f ms, max %.2f ms (%d notes)\n",
              a["onset_error_median_ms"].get<double>(), a["onset_error_p95_ms"].get<double>(),
              a["onset_error_max_ms"].get<double>(), a["notes"].get<int>());
  const auto& f = r["fingering"];
  std::printf("  fingering auto %d, undecided %d, noinfo %d of %d notes; hand+finger accuracy %.1f %% (hand %.1f %%)\n",
              f["auto"].get<int>(), f["undecided"].get<int>(), f["noinfo"].get<int>(), f["notes"].get<int>(),
              100 * f["hand_finger_accuracy"].get<double>(), 100 * f["hand_accuracy"].get<double>());
  const auto& v = r["validate"]["problems"];
  std::printf("  validate %s\n", v.empty() ? "clean (0 problems)" : (std::to_string(v.size()) + " problem(s)").c_str());
  for (const auto& line : v) std::printf("           %s\n", line.get<std::string>().c_str());
  std::printf("  report   %s/demo-report.json\n", r["dataset"].get<std::string>().c_str());
}

struct DemoCli {
  pv::demo::DemoOptions opt;
  std::string dir = "demo-session";
  bool json = false;
};

pv::cli::Verb reg{"demo", 90, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand("demo",
                                 "Generate a demo session (MIDI with pedal, FluidSynth audio, top-view video with "
                                 "camera audio, hands, metadata) in the PianoVAM layout and run the pipeline on it");
  auto o = std::make_shared<DemoCli>();
  cmd->add_option("dir", o->dir, "Output dataset root (default: demo-session)");
  cmd->add_option("--fps", o->opt.fps, "Video frame rate")->check(CLI::Range(5, 120));
  cmd->add_option("--repeats", o->opt.repeats, "Times the 8-bar study is played")->check(CLI::Range(1, 100));
  cmd->add_option("--seed", o->opt.seed, "Random seed");
  cmd->add_flag("--json", o->json, "Print the JSON report on stdout");
  return [o]() {
    o->opt.dir = o->dir;
    auto r = pv::demo::run_demo(o->opt);
    if (o->json) std::printf("%s\n", r.dump(2).c_str());
    else print_summary(r);
    return r["validate"]["problems"].empty() ? 0 : 1;
  };
}};

}  // namespace
