// pianovam overlay: an MP4 of the video with the key polygons, the hands' landmarks and the fingering drawn on it.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/verb.hpp"
#include "core/error.hpp"
#include "core/pedal_rule.hpp"
#include "core/progress.hpp"
#include "fingering/files.hpp"
#include "fingering/overlay.hpp"
#include "io/json/handskeleton.hpp"
#include "io/midi/midi.hpp"
#include "io/video/video.hpp"
#include "keyboard/keyboard.hpp"

namespace {

struct OverlayOpts {
  std::string video, hands, corners, frame_size, metadata, id, fingering, midi, output, model = "rectified";
  double black_ratio = 0.63, k1 = 0.0;
  std::vector<double> distortion;
  long max_frames = 0;
  int crf = 23;
  bool json = false;
};

int run_overlay(const OverlayOpts& o) {
  const bool by_corners = !o.corners.empty(), by_meta = !o.metadata.empty();
  if (by_corners == by_meta) throw pv::UsageError("give either --corners (with --frame-size) or --metadata with --id");
  if (by_meta && o.id.empty()) throw pv::UsageError("--metadata needs --id");
  if (!o.fingering.empty() && !o.midi.empty()) throw pv::UsageError("give at most one of --fingering or --midi");
  if (o.max_frames < 0) throw pv::UsageError("--max-frames must be >= 0");
  if (o.crf < 0 || o.crf > 51) throw pv::UsageError("--crf must be 0..51");
  if (!o.distortion.empty() && o.distortion.size() != 3) throw pv::UsageError("--distortion wants three values l,r,c");
  if (o.model != "reference" && o.model != "rectified")
    throw pv::UsageError("--keyboard-model must be reference or rectified");
  std::optional<pv::KeyboardCorners> given;
  if (by_corners) given = pv::fing::parse_corners(o.corners);
  std::optional<std::pair<int, int>> corner_frame;
  if (!o.frame_size.empty()) corner_frame = pv::fing::parse_frame_size(o.frame_size);

  // Notes with their fingering (Fingering TSV or PIG), or plain notes from a MIDI file.
  std::vector<pv::Note> notes;
  if (!o.fingering.empty()) {
    notes = pv::fing::read_labelled_notes(o.fingering);
  } else if (!o.midi.empty()) {
    pv::Performance perf = pv::midi::read(o.midi);
    pv::PedalRule{}.apply(perf);
    notes = perf.notes;
    for (auto& n : notes) n.hand = pv::Hand::Unknown, n.finger = 0;
  }
  const auto track = pv::hands_io::read(o.hands);
  const pv::KeyboardCorners px =
      given ? *given : pv::fing::record_corners(pv::fing::find_record(o.metadata, o.id), o.metadata);

  pv::video::Decoder dec(o.video);
  const auto info = dec.info();
  // Corners are pixels of --frame-size (default: the video's size).
  const auto [cw, ch] = corner_frame ? *corner_frame : std::pair<int, int>{info.width, info.height};
  pv::kb::KeyboardParams kp;
  kp.model = o.model == "reference" ? pv::kb::Model::Reference : pv::kb::Model::Rectified;
  kp.black_ratio = o.black_ratio;
  kp.k1 = o.k1;
  if (o.distortion.size() == 3) kp.l_distortion = o.distortion[0], kp.r_distortion = o.distortion[1], kp.c_distortion = o.distortion[2];
  std::optional<pv::kb::Keyboard88> kb;
  try {
    kb.emplace(pv::kb::Keyboard88::from_pixels(px, cw, ch, kp));
  } catch (const pv::Error& e) {
    throw pv::UsageError(std::string("keyboard: ") + e.what());
  }

  pv::video::EncoderOptions eo;
  eo.width = info.width;
  eo.height = info.height;
  eo.fps = info.fps.num > 0 && info.fps.den > 0 ? info.fps : pv::Rational{60, 1};
  eo.crf = o.crf;
  pv::video::Encoder enc(o.output, eo);

  std::int64_t total = info.frame_count;
  if (o.max_frames > 0 && (total <= 0 || total > o.max_frames)) total = o.max_frames;
  pv::Progress progress("overlay", total);
  pv::fing::HeldNotes held(notes);
  pv::video::Frame f;
  std::int64_t frames = 0, with_hands = 0, with_notes = 0;
  while ((o.max_frames == 0 || frames < o.max_frames) && dec.next(f)) {
    if (f.width != info.width || f.height != info.height)
      throw pv::InputError(o.video, "frame size changes mid-stream");
    const pv::HandFrame* hands =
        f.index >= 0 && size_t(f.index) < track.frames.size() ? &track.frames[size_t(f.index)] : nullptr;
    if (hands && (hands->left || hands->right)) ++with_hands;
    // Notes are on the video's clock starting at its first frame (frame i at i / fps, as the fingering uses).
    const auto now = held.at(f.time - info.start_time);
    if (!now.empty()) ++with_notes;
    pv::fing::draw_overlay(f.rgb.data(), f.width, f.height, *kb, hands, now);
    enc.add_frame(f.rgb.data());
    progress.update(++frames);
  }
  if (frames == 0) throw pv::InputError(o.video, "no video frames decoded");
  enc.finish();
  progress.finish();

  if (o.json) {
    nlohmann::json j = {{"output", o.output},   {"frames", frames},         {"width", info.width},
                        {"height", info.height}, {"fps", eo.fps.value()},    {"codec", enc.codec()},
                        {"notes", notes.size()}, {"frames_with_hands", with_hands},
                        {"frames_with_notes", with_notes}, {"hand_frames", track.frames.size()}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%lld frames (%dx%d, %s) -> %s\n", static_cast<long long>(frames), info.width, info.height,
                enc.codec().c_str(), o.output.c_str());
  }
  return 0;
}

pv::cli::Verb reg{"overlay", 62, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "overlay",
      "Render an MP4 of the video with the 88 key outlines, both hands' landmarks (left blue, right red) and, for "
      "every note held at a frame's time, its key highlighted and the pressing fingertip marked with its finger");
  auto o = std::make_shared<OverlayOpts>();
  cmd->add_option("--video", o->video, "Top-view video (frame i on the Handskeleton's frame grid)")->required();
  cmd->add_option("--hands", o->hands, "Handskeleton JSON (or PVHS binary)")->required();
  cmd->add_option("--corners", o->corners, "Keyboard corners in pixels \"x,y;x,y;x,y;x,y\" (LT;RT;RB;LB)");
  cmd->add_option("--frame-size", o->frame_size, "Frame size WxH the corners refer to (default: the video's)");
  cmd->add_option("--metadata", o->metadata, "metadata.json with Point_LT/RT/RB/LB (instead of --corners)");
  cmd->add_option("--id", o->id, "Record id (record_time) or key in --metadata");
  cmd->add_option("--fingering", o->fingering, "Fingering TSV (or PIG file): held keys coloured by hand, finger shown");
  cmd->add_option("--midi", o->midi, "Performance MIDI instead: held keys highlighted without fingering");
  cmd->add_option("--keyboard-model", o->model, "reference | rectified (default rectified)");
  cmd->add_option("--black-ratio", o->black_ratio, "Black-key length / key depth (default 0.63)");
  cmd->add_option("--distortion", o->distortion, "Reference keyboard distortion terms l r c (frame units)")
      ->expected(3)->delimiter(',');
  cmd->add_option("--k1", o->k1, "Radial lens distortion k1 (rectified model)");
  cmd->add_option("--max-frames", o->max_frames, "Render at most this many frames (0 = all)");
  cmd->add_option("--crf", o->crf, "x264 quality, lower is better (default 23)");
  cmd->add_option("-o,--output", o->output, "MP4 to write (atomically)")->required();
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  return [o]() { return run_overlay(*o); };
}};

}  // namespace
