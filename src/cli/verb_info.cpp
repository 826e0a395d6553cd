// pianovam info <file-or-session>: what a file is (MIDI, note/fingering TSV; audio and video to come).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct InfoOpts {
  std::string path;
  bool json = false;
};

json pitch_range(const std::vector<pv::Note>& notes) {
  if (notes.empty()) return nullptr;
  auto [lo, hi] = std::minmax_element(notes.begin(), notes.end(),
                                      [](const pv::Note& a, const pv::Note& b) { return a.pitch < b.pitch; });
  return json::array({lo->pitch, hi->pitch});
}

json midi_info(const std::string& path, const std::string& bytes) {
  pv::midi::MidiInfo mi;
  pv::Performance perf = pv::midi::parse(bytes, path, &mi);
  std::map<int, int> per_cc{{64, 0}, {66, 0}, {67, 0}};
  for (const auto& e : perf.pedals) ++per_cc[e.controller];
  json pedals = json::object();
  for (auto [cc, n] : per_cc) pedals[std::to_string(cc)] = n;
  json tempos = json::array();
  for (const auto& t : perf.tempos) tempos.push_back({{"time", t.time}, {"bpm", t.bpm()}});
  json j = {{"file", path},
            {"type", "midi"},
            {"format", mi.format},
            {"tracks", mi.tracks},
            {"division", mi.division},
            {"notes", perf.notes.size()},
            {"duration", std::max(mi.last_event_time, perf.duration())},
            {"pedal_events", pedals},
            {"tempo_changes", mi.tempo_changes},
            {"tempos", tempos},
            {"pitch_range", pitch_range(perf.notes)},
            {"unmatched_note_offs", mi.unmatched_note_offs},
            {"unterminated_notes", mi.unterminated_notes}};
  if (mi.division < 0) {
    j["smpte_fps"] = mi.smpte_fps;
    j["ticks_per_frame"] = mi.ticks_per_frame;
  }
  return j;
}

// Note TSV (5 columns) or Fingering TSV (7 columns), told apart by the first data row.
json tsv_info(const std::string& path, const std::string& text) {
  bool fingering = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::size_t cols = 0;
    for (std::size_t i = first; i < line.size();) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      if (i < line.size()) ++cols;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    }
    fingering = cols == 7;
    break;
  }
  auto notes = fingering ? pv::tsv::parse_fingering(text, path) : pv::tsv::parse_notes(text, path);
  double end = 0;
  for (const auto& n : notes) end = std::max({end, n.key_offset, n.sound_offset});
  json j = {{"file", path},
            {"type", fingering ? "fingering_tsv" : "note_tsv"},
            {"notes", notes.size()},
            {"duration", end},
            {"pitch_range", pitch_range(notes)}};
  if (fingering) {
    int labelled = 0;
    for (const auto& n : notes) labelled += n.finger != 0 && n.hand != pv::Hand::Noinfo;
    j["labelled_notes"] = labelled;
  }
  return j;
}

void print_human(const json& j) {
  std::printf("file: %s\n", j["file"].get<std::string>().c_str());
  const std::string type = j["type"];
  auto range = [&]() -> std::string {
    if (j["pitch_range"].is_null()) return "";
    return ", pitch " + std::to_string(j["pitch_range"][0].get<int>()) + ".." +
           std::to_string(j["pitch_range"][1].get<int>());
  };
  if (type == "midi") {
    const int div = j["division"];
    std::string grid = div > 0 ? std::to_string(div) + " ticks/quarter"
                               : "SMPTE " + std::to_string(j["smpte_fps"].get<int>()) + " fps x " +
                                     std::to_string(j["ticks_per_frame"].get<int>()) + " ticks/frame";
    std::printf("type: Standard MIDI File, format %d, %d track(s), %s\n", j["format"].get<int>(),
                j["tracks"].get<int>(), grid.c_str());
    std::printf("notes: %zu%s\n", j["notes"].get<std::size_t>(), range().c_str());
    std::printf("duration: %.3f s\n", j["duration"].get<double>());
    const auto& p = j["pedal_events"];
    std::printf("pedal events: sustain (CC64) %d, sostenuto (CC66) %d, soft (CC67) %d\n", p["64"].get<int>(),
                p["66"].get<int>(), p["67"].get<int>());
    std::printf("tempo changes: %d", j["tempo_changes"].get<int>());
    if (!j["tempos"].empty()) std::printf(" (first %.2f bpm)", j["tempos"][0]["bpm"].get<double>());
    std::printf("\n");
    if (j["unmatched_note_offs"].get<int>() > 0 || j["unterminated_notes"].get<int>() > 0)
      std::printf("warnings: %d note-off(s) without a note, %d note(s) never released\n",
                  j["unmatched_note_offs"].get<int>(), j["unterminated_notes"].get<int>());
  } else {
    std::printf("type: PianoVAM %s\n", type == "note_tsv" ? "note TSV" : "Fingering TSV");
    std::printf("notes: %zu%s\n", j["notes"].get<std::size_t>(), range().c_str());
    std::printf("duration: %.3f s\n", j["duration"].get<double>());
    if (j.contains("labelled_notes")) std::printf("labelled notes: %d\n", j["labelled_notes"].get<int>());
  }
}

int run_info(const InfoOpts& o) {
  const fs::path path = o.path;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw pv::InputError(path, "file not found");
  if (fs::is_directory(path, ec))
    throw pv::InputError(path, "unsupported: session directories are not supported by info yet "
                               "(give a MIDI or TSV file)");
  const std::string bytes = pv::read_file(path);
  json j;
  auto ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (bytes.compare(0, 4, "MThd") == 0 || (bytes.size() >= 12 && bytes.compare(0, 4, "RIFF") == 0 && bytes.compare(8, 4, "RMID") == 0) ||
      ext == ".mid" || ext == ".midi")
    j = midi_info(path.string(), bytes);
  else if (ext == ".tsv" || ext == ".txt")
    j = tsv_info(path.string(), bytes);
  else
    throw pv::InputError(path, "unsupported file type (info reads MIDI and PianoVAM TSV files; "
                               "audio and video are not supported yet)");
  if (o.json)
    std::printf("%s\n", j.dump(2).c_str());
  else
    print_human(j);
  return 0;
}

pv::cli::Verb reg{"info", 10, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand("info", "Describe a file: MIDI (format, tracks, division, notes, duration, pedal "
                                         "events per CC, tempo changes, pitch range) or a PianoVAM note/fingering TSV");
  auto o = std::make_shared<InfoOpts>();
  cmd->add_option("path", o->path, "File to describe")->required();
  cmd->add_flag("--json", o->json, "Print the description as JSON on stdout");
  return [o]() { return run_info(*o); };
}};

}  // namespace
