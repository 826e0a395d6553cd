// pianovam notes <in.mid> -o <out.tsv>: the PianoVAM note TSV with pedal-extended offsets.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/pedal_rule.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"

namespace {

struct NotesOpts {
  std::string input, output;
  bool json = false;
};

int run_notes(const NotesOpts& o) {
  pv::midi::MidiInfo info;
  pv::Performance perf = pv::midi::read(o.input, &info);
  pv::PedalRule{}.apply(perf);
  pv::tsv::write_notes(o.output, perf.notes);

  std::size_t extended = 0;
  for (const auto& n : perf.notes) extended += n.sound_offset > n.key_offset;
  if (info.unmatched_note_offs > 0)
    std::fprintf(stderr, "pianovam notes: warning: %s: %d note-off(s) without a sounding note (ignored)\n",
                 o.input.c_str(), info.unmatched_note_offs);
  if (info.unterminated_notes > 0)
    std::fprintf(stderr, "pianovam notes: warning: %s: %d note(s) never released (closed at end of track)\n",
                 o.input.c_str(), info.unterminated_notes);
  if (o.json) {
    nlohmann::json j = {{"input", o.input},
                        {"output", o.output},
                        {"notes", perf.notes.size()},
                        {"pedal_extended_notes", extended},
                        {"duration", perf.duration()},
                        {"unmatched_note_offs", info.unmatched_note_offs},
                        {"unterminated_notes", info.unterminated_notes}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s: %zu notes (%zu extended by the sustain pedal) -> %s\n", o.input.c_str(), perf.notes.size(),
                extended, o.output.c_str());
  }
  return 0;
}

pv::cli::Verb reg{"notes", 20, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "notes", "Write the PianoVAM note TSV (onset, key_offset, frame_offset, note, velocity) of a MIDI file; "
               "frame_offset is extended by the sustain pedal (CC64 >= 64), cut at the next onset of the same pitch");
  auto o = std::make_shared<NotesOpts>();
  cmd->add_option("input", o->input, "Standard MIDI File (format 0 or 1)")->required();
  cmd->add_option("-o,--output", o->output, "Note TSV to write (atomically)")->required();
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  return [o]() { return run_notes(*o); };
}};

}  // namespace
