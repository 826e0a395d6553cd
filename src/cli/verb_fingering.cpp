// pianovam fingering: hand + finger for every note from hand landmarks (Handskeleton) and keyboard corners.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/pedal_rule.hpp"
#include "fingering/assign.hpp"
#include "fingering/files.hpp"
#include "fingering/pianoroll.hpp"
#include "fingering/pig.hpp"
#include "io/json/handskeleton.hpp"
#include "io/json/metadata.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"
#include "keyboard/keyboard.hpp"

namespace {

struct FingeringOpts {
  std::string midi, notes, hands, corners, frame_size = "1920x1080", metadata, id, output, pig, undecided, roll;
  std::string model;  // reference | rectified (default: reference with --reference, else rectified)
  double fps = 60.0, black_ratio = 0.63, k1 = 0.0;
  std::vector<double> distortion;  // l, r, c (reference keyboard model)
  bool reference = false, json = false, no_floating = false;
};

constexpr const char* kDuetMessage = "duet: second performer, no labels";

int run_fingering(const FingeringOpts& o) {
  if (o.midi.empty() == o.notes.empty()) throw pv::UsageError("give exactly one of --midi or --notes");
  bool by_corners = !o.corners.empty(), by_meta = !o.metadata.empty();
  if (by_corners == by_meta) throw pv::UsageError("give either --corners (with --frame-size) or --metadata with --id");
  if (by_meta && o.id.empty()) throw pv::UsageError("--metadata needs --id");
  if (!(o.fps > 0)) throw pv::UsageError("--fps must be > 0");
  if (!o.distortion.empty() && o.distortion.size() != 3) throw pv::UsageError("--distortion wants three values l,r,c");

  auto [w, h] = pv::fing::parse_frame_size(o.frame_size);
  std::optional<pv::KeyboardCorners> given;
  if (by_corners) given = pv::fing::parse_corners(o.corners);

  // Notes in the note TSV's order.
  std::vector<pv::Note> notes;
  if (!o.midi.empty()) {
    pv::Performance perf = pv::midi::read(o.midi);
    pv::PedalRule{}.apply(perf);
    notes = perf.notes;
  } else {
    std::string text = pv::read_file(o.notes);
    notes = pv::fing::looks_like_pig(text) ? pv::fing::parse_pig(text, o.notes) : pv::tsv::parse_notes(text, o.notes);
  }
  auto track = pv::hands_io::read(o.hands);

  pv::KeyboardCorners px;
  bool duet = false;
  if (given) {
    px = *given;
  } else {
    auto rec = pv::fing::find_record(o.metadata, o.id);
    px = pv::fing::record_corners(rec, o.metadata);
    duet = pv::fing::is_duet(rec);
  }
  pv::kb::KeyboardParams kp;
  std::string model = o.model.empty() ? (o.reference ? "reference" : "rectified") : o.model;
  if (model == "reference")
    kp.model = pv::kb::Model::Reference;
  else if (model != "rectified")
    throw pv::UsageError("--keyboard-model must be reference or rectified");
  kp.black_ratio = o.black_ratio;
  kp.k1 = o.k1;
  if (o.distortion.size() == 3) kp.l_distortion = o.distortion[0], kp.r_distortion = o.distortion[1], kp.c_distortion = o.distortion[2];
  std::optional<pv::kb::Keyboard88> kb;
  try {
    kb.emplace(pv::kb::Keyboard88::from_pixels(px, w, h, kp));
  } catch (const pv::Error& e) {
    throw pv::UsageError(std::string("keyboard: ") + e.what());
  }

  pv::fing::Config cfg = o.reference ? pv::fing::Config::reference() : pv::fing::Config{};
  cfg.floating.frame_aspect = double(w) / h;
  if (o.no_floating) cfg.apply_floating = false;
  pv::fing::Summary s;
  std::vector<pv::fing::NoteLabel> labels;
  if (duet) {
    // Two pianists' four hands cannot be attributed by the two-hand model: every note Noinfo.
    labels.assign(notes.size(), pv::fing::NoteLabel{});
    s.notes = s.noinfo = int(notes.size());
    std::fprintf(stderr, "pianovam fingering: %s: all %zu notes Noinfo\n", kDuetMessage, notes.size());
  } else {
    labels = pv::fing::assign(notes, track.frames, o.fps, *kb, cfg, &s);
  }

  std::vector<pv::Note> out = notes;
  for (size_t i = 0; i < out.size(); ++i) {
    bool ok = labels[i].status == pv::fing::Status::Auto;
    out[i].hand = ok ? labels[i].hand : pv::Hand::Noinfo;
    out[i].finger = ok ? labels[i].finger : 0;
  }
  pv::tsv::write_fingering(o.output, out);
  if (!o.pig.empty()) pv::fing::write_pig(o.pig, out);
  if (!o.undecided.empty()) pv::write_file_atomic(o.undecided, pv::fing::format_queue(notes, labels));
  if (!o.roll.empty()) pv::fing::write_png(o.roll, pv::fing::render_piano_roll(out));

  auto share = [&](int n) { return s.notes ? double(n) / s.notes : 0.0; };
  if (o.json) {
    nlohmann::json j = {{"output", o.output},
                        {"mode", o.reference ? "reference" : "improved"},
                        {"keyboard_model", model},
                        {"notes", s.notes},
                        {"frames", track.frames.size()},
                        {"auto", s.auto_},
                        {"undecided", s.undecided},
                        {"noinfo", s.noinfo},
                        {"auto_share", share(s.auto_)},
                        {"undecided_share", share(s.undecided)},
                        {"noinfo_share", share(s.noinfo)},
                        {"floating_hand_frames", s.floating_hand_frames},
                        {"handedness_corrected_frames", s.swapped_frames},
                        {"duet", duet}};
    if (duet) j["message"] = kDuetMessage;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%d notes: %.1f %% auto, %.1f %% undecided, %.1f %% noinfo -> %s\n", s.notes, 100 * share(s.auto_),
                100 * share(s.undecided), 100 * share(s.noinfo), o.output.c_str());
  }
  return 0;
}

pv::cli::Verb reg{"fingering", 60, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "fingering",
      "Label every note with hand (L/R) and finger (1-5) from hand landmarks: writes the PianoVAM Fingering TSV "
      "(notes in the note TSV's order; undecided and noinfo notes as Noinfo)");
  auto o = std::make_shared<FingeringOpts>();
  cmd->add_option("--midi", o->midi, "Performance MIDI (notes as in the note TSV, pedal-extended offsets)");
  cmd->add_option("--notes", o->notes, "Note TSV (or PIG file) instead of --midi");
  cmd->add_option("--hands", o->hands, "Handskeleton JSON (or PVHS binary)")->required();
  cmd->add_option("--corners", o->corners, "Keyboard corners in pixels \"x,y;x,y;x,y;x,y\" (LT;RT;RB;LB)");
  cmd->add_option("--frame-size", o->frame_size, "Video frame size WxH (default 1920x1080)");
  cmd->add_option("--metadata", o->metadata, "metadata.json with Point_LT/RT/RB/LB (instead of --corners)");
  cmd->add_option("--id", o->id,
                  "Record id (record_time) or key in --metadata; a duet record (P2_name set) gets no labels");
  cmd->add_option("--fps", o->fps, "Video frame rate (default 60)");
  cmd->add_flag("--reference", o->reference, "The reference (ASDF) rules and constants only");
  cmd->add_option("--keyboard-model", o->model, "reference | rectified (default: reference with --reference)");
  cmd->add_option("--black-ratio", o->black_ratio, "Black-key length / key depth (default 0.63)");
  cmd->add_option("--distortion", o->distortion, "Reference keyboard distortion terms l r c (frame units)")
      ->expected(3)->delimiter(',');
  cmd->add_option("--k1", o->k1, "Radial lens distortion k1 (rectified model)");
  cmd->add_flag("--no-floating", o->no_floating, "Do not exclude floating hands (the reference's actual behaviour)");
  cmd->add_option("-o,--output", o->output, "Fingering TSV to write")->required();
  cmd->add_option("--pig", o->pig, "Also write PIG format");
  cmd->add_option("--undecided", o->undecided, "Write the queue of undecided/noinfo notes with candidates");
  cmd->add_option("--roll", o->roll, "Also draw a PNG piano roll with finger numbers coloured by hand");
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  return [o]() { return run_fingering(*o); };
}};

}  // namespace
