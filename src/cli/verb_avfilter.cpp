// pianovam avfilter: drop transcribed notes that no visible fingertip could have played.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/json/handskeleton.hpp"
#include "fingering/files.hpp"
#include "io/midi/midi.hpp"
#include "transcribe/avfilter.hpp"

namespace {

struct AvOpts {
  std::string midi, hands, corners, frame_size = "1920x1080", metadata, id, output, log;
  double fps = 60.0, window = 0.05, tolerance = 1.0;
  bool reference = false, json = false;
};

int run_avfilter(const AvOpts& o) {
  if (o.corners.empty() == o.metadata.empty())
    throw pv::UsageError("give the keyboard corners with --corners, or --metadata and --id");
  if (!o.metadata.empty() && o.id.empty()) throw pv::UsageError("--metadata needs --id (record_time or key)");
  const auto [w, h] = pv::fing::parse_frame_size(o.frame_size);
  const pv::KeyboardCorners px = !o.corners.empty()
                                     ? pv::fing::parse_corners(o.corners)
                                     : pv::fing::record_corners(pv::fing::find_record(o.metadata, o.id), o.metadata);
  pv::KeyboardCorners norm{{px.lt.x / w, px.lt.y / h}, {px.rt.x / w, px.rt.y / h}, {px.rb.x / w, px.rb.y / h},
                           {px.lb.x / w, px.lb.y / h}};

  pv::Performance perf = pv::midi::read(o.midi);
  pv::hands_io::HandTrack track = pv::hands_io::read(o.hands);
  pv::transcribe::AvFilterOptions opt;
  opt.reference = o.reference;
  opt.fps = o.fps;
  opt.window = o.window;
  opt.tolerance = o.tolerance;
  opt.frame_aspect = static_cast<double>(w) / h;
  pv::transcribe::AvFilterResult r;
  try {
    r = pv::transcribe::av_filter(perf.notes, track.frames, norm, opt);
  } catch (const pv::UsageError&) {
    throw;
  } catch (const pv::InputError&) {
    throw;
  } catch (const pv::Error& e) {
    throw pv::UsageError(e.what());  // degenerate corners or bad options
  }
  pv::Performance out = perf;
  out.notes = r.kept;
  pv::midi::write(o.output, out);
  if (!o.log.empty()) pv::write_file_atomic(o.log, pv::transcribe::format_removals(r.removed));

  if (o.json) {
    nlohmann::ordered_json j = {{"midi", o.midi},
                                {"hands", o.hands},
                                {"output", o.output},
                                {"mode", o.reference ? "reference" : "default"},
                                {"notes_in", perf.notes.size()},
                                {"notes_out", r.kept.size()},
                                {"removed", r.removed.size()},
                                {"kept_without_evidence", r.no_evidence},
                                {"frames", track.frames.size()}};
    if (!o.log.empty()) j["log"] = o.log;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s: %zu notes -> %zu kept, %zu removed (%d kept without visible hands) -> %s\n", o.midi.c_str(),
                perf.notes.size(), r.kept.size(), r.removed.size(), r.no_evidence, o.output.c_str());
  }
  return 0;
}

pv::cli::Verb reg{"avfilter", 73, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "avfilter",
      "Audio-visual post-filter: drop predicted notes that no visible fingertip could have played, from stored "
      "hand landmarks and the keyboard corners. Default: key polygons (black keys too) within --tolerance white "
      "keys of a fingertip, frames within ±--window s of the onset, one visible hand decides. --reference: the "
      "PianoVAM rule (onset's frame, fingertip white key ±2, both hands required)");
  auto o = std::make_shared<AvOpts>();
  cmd->add_option("--midi", o->midi, "Predicted notes (MIDI)")->required();
  cmd->add_option("--hands", o->hands, "Handskeleton JSON (or PVHS binary) of the video")->required();
  cmd->add_option("--corners", o->corners, "Keyboard corners in pixels \"x,y;x,y;x,y;x,y\" (LT;RT;RB;LB)");
  cmd->add_option("--frame-size", o->frame_size, "Video frame size WxH (pixels)")->capture_default_str();
  cmd->add_option("--metadata", o->metadata, "metadata.json holding the corners (Point_LT/RT/RB/LB)");
  cmd->add_option("--id", o->id, "Record id (record_time) or key in --metadata");
  cmd->add_option("-o,--output", o->output, "Filtered MIDI (written atomically)")->required();
  cmd->add_option("--log", o->log, "Write the removed notes as TSV (onset, note, velocity, frame, candidates)");
  cmd->add_option("--fps", o->fps, "Video frame rate of the hand track")->capture_default_str();
  cmd->add_option("--window", o->window, "Default mode: seconds either side of the onset")->capture_default_str();
  cmd->add_option("--tolerance", o->tolerance, "Default mode: fingertip-to-key distance in white keys")
      ->capture_default_str();
  cmd->add_flag("--reference", o->reference, "Reproduce the PianoVAM filter");
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  return [o]() { return run_avfilter(*o); };
}};

}  // namespace
