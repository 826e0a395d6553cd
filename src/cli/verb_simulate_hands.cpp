// pianovam simulate-hands: plausible MediaPipe-like hand landmarks from notes with ground-truth fingering.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "fingering/files.hpp"
#include "fingering/simulate.hpp"
#include "io/json/handskeleton.hpp"
#include "keyboard/keyboard.hpp"

namespace {

struct SimOpts {
  std::string fingering, corners = "118,562;1802,548;1812,768;106,784", frame_size = "1920x1080", output;
  pv::fing::SimConfig sim;
  bool json = false, binary = false, scores = false;
};

int run_sim(const SimOpts& o) {
  if (!(o.sim.fps > 0)) throw pv::UsageError("--fps must be > 0");
  if (o.sim.noise < 0 || o.sim.jitter < 0) throw pv::UsageError("--noise and --jitter must be >= 0");
  if (o.sim.drop_rate < 0 || o.sim.drop_rate >= 1 || o.sim.flip_rate < 0 || o.sim.flip_rate >= 1)
    throw pv::UsageError("--drop-rate and --flip-rate must be in [0, 1)");
  if (!(o.sim.drop_burst >= 1) || !(o.sim.flip_burst >= 1)) throw pv::UsageError("burst lengths must be >= 1");
  if (!(o.sim.lift_depth > 0 && o.sim.lift_depth <= 1)) throw pv::UsageError("--lift-depth must be in (0, 1]");
  auto notes = pv::fing::read_labelled_notes(o.fingering);
  auto [w, h] = pv::fing::parse_frame_size(o.frame_size);
  std::optional<pv::kb::Keyboard88> kb;
  try {
    kb.emplace(pv::kb::Keyboard88::from_pixels(pv::fing::parse_corners(o.corners), w, h));
  } catch (const pv::UsageError&) {
    throw;
  } catch (const pv::Error& e) {
    throw pv::UsageError(std::string("keyboard: ") + e.what());
  }
  pv::fing::SimStats st;
  pv::hands_io::HandTrack track;
  track.frames = pv::fing::simulate_hands(notes, *kb, o.sim, &st);
  if (o.binary)
    pv::write_file_atomic(o.output, pv::hands_io::to_binary(track));
  else
    pv::hands_io::write_json(o.output, track, o.scores);
  int labelled = 0;
  for (const auto& n : notes) labelled += (n.hand == pv::Hand::Left || n.hand == pv::Hand::Right) && n.finger >= 1;
  if (o.json) {
    nlohmann::json j = {{"output", o.output},   {"notes", notes.size()},   {"labelled_notes", labelled},
                        {"frames", st.frames},  {"fps", o.sim.fps},        {"dropped_hand_frames", st.dropped},
                        {"flipped_frames", st.flipped}, {"lifted_hand_frames", st.lifted}, {"seed", o.sim.seed}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%zu notes (%d labelled) -> %d frames at %.3g fps (%d hand-frames dropped, %d flipped) -> %s\n",
                notes.size(), labelled, st.frames, o.sim.fps, st.dropped, st.flipped, o.output.c_str());
  }
  return 0;
}

pv::cli::Verb reg{"simulate-hands", 61, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "simulate-hands",
      "Simulate a Handskeleton JSON from notes with ground-truth fingering (PIG file or Fingering TSV): "
      "fingertips on their keys while held, hands lifted between phrases, MediaPipe-like noise, drops and flips");
  auto o = std::make_shared<SimOpts>();
  cmd->add_option("fingering", o->fingering, "PIG file or Fingering TSV with hand + finger per note")->required();
  cmd->add_option("--corners", o->corners, "Keyboard corners in pixels \"x,y;x,y;x,y;x,y\" (LT;RT;RB;LB)");
  cmd->add_option("--frame-size", o->frame_size, "Frame size WxH (default 1920x1080)");
  cmd->add_option("--fps", o->sim.fps, "Frame rate (default 60)");
  cmd->add_option("--noise", o->sim.noise, "Per-landmark noise sigma in white keys (default 0.15)");
  cmd->add_option("--jitter", o->sim.jitter, "Per-hand jitter sigma in white keys (default 0.10)");
  cmd->add_option("--drop-rate", o->sim.drop_rate, "Share of hand-frames missing (default 0.08)");
  cmd->add_option("--drop-burst", o->sim.drop_burst, "Mean missing run in frames (default 10)");
  cmd->add_option("--flip-burst", o->sim.flip_burst, "Mean flipped run in frames (default 30)");
  cmd->add_option("--flip-rate", o->sim.flip_rate, "Share of frames with swapped handedness (default 0.05)");
  cmd->add_option("--lift-gap", o->sim.lift_gap, "Seconds idle before a hand is lifted (default 0.8)");
  cmd->add_option("--lift-depth", o->sim.lift_depth, "Depth of a lifted hand, 1 = on the keys (default 0.8)");
  cmd->add_option("--variant", o->sim.variant, "Hand model: 0 default, 1 independent variant");
  cmd->add_option("--seed", o->sim.seed, "Random seed (default 1)");
  cmd->add_flag("--binary", o->binary, "Write the compact PVHS binary instead of JSON");
  cmd->add_flag("--scores", o->scores, "Include presence/handedness scores in the JSON");
  cmd->add_option("-o,--output", o->output, "Handskeleton file to write")->required();
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  return [o]() { return run_sim(*o); };
}};

}  // namespace
