// pianovam info <file-or-dataset>: what a file is (MIDI, note/fingering TSV, audio, video, metadata.json,
// Handskeleton) or, for a PianoVAM dataset root, its sessions and the modalities each has.
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
#include "io/audio/audio.hpp"
#include "io/json/handskeleton.hpp"
#include "io/json/metadata.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"
#include "io/video/video.hpp"

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


json audio_json(const pv::audio::AudioInfo& a) {
  return {{"sample_rate", a.sample_rate}, {"channels", a.channels},   {"frames", a.frames},
          {"duration", a.duration},       {"start_time", a.start_time}, {"codec", a.codec},
          {"container", a.container}};
}

json audio_info(const fs::path& path) {
  json j = audio_json(pv::audio::probe(path));
  j["file"] = path.string();
  j["type"] = "audio";
  return j;
}

json video_info(const fs::path& path) {
  const pv::video::VideoInfo v = pv::video::probe(path);
  json j = {{"file", path.string()},
            {"type", "video"},
            {"width", v.width},
            {"height", v.height},
            {"fps", v.fps.str()},
            {"fps_value", v.fps.value()},
            {"frame_count", v.frame_count},
            {"duration", v.duration},
            {"start_time", v.start_time},
            {"codec", v.codec},
            {"has_audio", v.has_audio}};
  if (v.has_audio) j["audio"] = audio_json(pv::audio::probe(path));
  return j;
}

json metadata_info(const fs::path& path, const std::string& text) {
  const pv::meta::Metadata m = pv::meta::parse(text, path.string());
  std::map<std::string, int> splits;
  int problems = 0;
  for (const auto& [key, r] : m.records) {
    ++splits[r.split];
    problems += static_cast<int>(pv::meta::check_record(r).size());
  }
  return {{"file", path.string()}, {"type", "metadata"}, {"records", m.records.size()}, {"splits", splits},
          {"record_problems", problems}};
}

json hands_info(const fs::path& path) {
  const auto t = pv::hands_io::read(path);
  int left = 0, right = 0;
  for (const auto& f : t.frames) left += f.left.has_value(), right += f.right.has_value();
  return {{"file", path.string()}, {"type", "handskeleton"}, {"frames", t.frames.size()},
          {"frames_with_left", left}, {"frames_with_right", right}};
}

// A PianoVAM dataset root: every session of metadata.json, which modality files exist, and their durations.
json dataset_info(const fs::path& root) {
  json sessions = json::array();
  for (const auto& s : pv::meta::sessions(root)) {
    json m = json::object();
    const std::pair<const char*, fs::path> files[] = {
        {"Audio", s.audio()}, {"Video", s.video()},         {"MIDI", s.midi()},
        {"TSV", s.tsv()},     {"Handskeleton", s.hands()}, {"Fingering", s.fingering()},
        {"Fingering_GT", s.fingering_gt()}};
    json present = json::object();
    for (const auto& [name, file] : files) present[name] = fs::exists(file);
    json durations = json::object();
    if (s.meta.duration) durations["metadata"] = *s.meta.duration;
    // Unreadable files are reported, not fatal: info describes what is there (validate judges it).
    auto measure = [&](const char* name, const fs::path& file, auto&& fn) {
      if (!fs::exists(file)) return;
      try {
        durations[name] = fn(file);
      } catch (const std::exception& e) {
        durations[name] = nullptr;
        m["errors"].push_back(e.what());
      }
    };
    measure("MIDI", s.midi(), [](const fs::path& f) {
      pv::midi::MidiInfo mi;
      auto perf = pv::midi::read(f, &mi);
      return std::max(mi.last_event_time, perf.duration());
    });
    measure("Audio", s.audio(), [](const fs::path& f) { return pv::audio::probe(f).duration; });
    measure("Video", s.video(), [](const fs::path& f) { return pv::video::probe(f).duration; });
    m["key"] = s.key;
    m["id"] = s.id();
    m["split"] = s.meta.split;
    m["composer"] = s.meta.composer;
    m["piece"] = s.meta.piece;
    m["files"] = present;
    m["durations"] = durations;
    sessions.push_back(m);
  }
  return {{"file", root.string()}, {"type", "dataset"}, {"sessions", sessions}};
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
  } else if (type == "note_tsv" || type == "fingering_tsv") {
    std::printf("type: PianoVAM %s\n", type == "note_tsv" ? "note TSV" : "Fingering TSV");
    std::printf("notes: %zu%s\n", j["notes"].get<std::size_t>(), range().c_str());
    std::printf("duration: %.3f s\n", j["duration"].get<double>());
    if (j.contains("labelled_notes")) std::printf("labelled notes: %d\n", j["labelled_notes"].get<int>());
  } else if (type == "audio") {
    std::printf("type: audio (%s, %s)\n", j["container"].get<std::string>().c_str(),
                j["codec"].get<std::string>().c_str());
    std::printf("sample rate: %d Hz, %d channel(s), %lld frames\n", j["sample_rate"].get<int>(),
                j["channels"].get<int>(), static_cast<long long>(j["frames"].get<std::int64_t>()));
    std::printf("duration: %.3f s\n", j["duration"].get<double>());
  } else if (type == "video") {
    std::printf("type: video (%s), %dx%d, %s fps (%.3f)\n", j["codec"].get<std::string>().c_str(),
                j["width"].get<int>(), j["height"].get<int>(), j["fps"].get<std::string>().c_str(),
                j["fps_value"].get<double>());
    std::printf("frames: %lld, duration: %.3f s, start: %.3f s\n",
                static_cast<long long>(j["frame_count"].get<std::int64_t>()), j["duration"].get<double>(),
                j["start_time"].get<double>());
    if (j.contains("audio"))
      std::printf("audio: %s, %d Hz, %d channel(s), %.3f s\n", j["audio"]["codec"].get<std::string>().c_str(),
                  j["audio"]["sample_rate"].get<int>(), j["audio"]["channels"].get<int>(),
                  j["audio"]["duration"].get<double>());
    else
      std::printf("audio: none\n");
  } else if (type == "metadata") {
    std::printf("type: PianoVAM metadata.json, %zu record(s)", j["records"].get<std::size_t>());
    for (const auto& [split, n] : j["splits"].items()) std::printf(", %s %d", split.c_str(), n.get<int>());
    std::printf("\nrecord problems: %d\n", j["record_problems"].get<int>());
  } else if (type == "handskeleton") {
    std::printf("type: Handskeleton, %zu frame(s); left hand in %d, right hand in %d\n",
                j["frames"].get<std::size_t>(), j["frames_with_left"].get<int>(), j["frames_with_right"].get<int>());
  } else if (type == "dataset") {
    std::printf("type: PianoVAM dataset, %zu session(s)\n", j["sessions"].size());
    for (const auto& s : j["sessions"]) {
      std::printf("%s  %s  %s", s["id"].get<std::string>().c_str(), s["split"].get<std::string>().c_str(),
                  s["piece"].get<std::string>().c_str());
      std::string missing;
      for (const auto& [name, ok] : s["files"].items())
        if (!ok.get<bool>()) missing += (missing.empty() ? "" : ",") + name;
      std::printf("  missing: %s", missing.empty() ? "none" : missing.c_str());
      for (const auto& [name, d] : s["durations"].items())
        if (d.is_number()) std::printf("  %s %.2f s", name.c_str(), d.get<double>());
      std::printf("\n");
      if (s.contains("errors"))
        for (const auto& e : s["errors"]) std::printf("  error: %s\n", e.get<std::string>().c_str());
    }
  }
}

// The first bytes of a file (for telling formats apart without reading it all).
std::string head_bytes(const fs::path& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw pv::InputError(path, "cannot open for reading");
  std::string b(n, '\0');
  in.read(b.data(), static_cast<std::streamsize>(n));
  b.resize(static_cast<std::size_t>(in.gcount()));
  return b;
}

json describe(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw pv::InputError(path, "file not found");
  if (fs::is_directory(path, ec)) {
    if (!fs::exists(path / "metadata.json"))
      throw pv::InputError(path, "unsupported directory: no metadata.json (not a PianoVAM dataset root)");
    return dataset_info(path);
  }
  auto ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string head = head_bytes(path, 16);
  auto magic = [&](std::size_t at, std::string_view m) { return head.size() >= at + m.size() && head.compare(at, m.size(), m) == 0; };

  if (magic(0, "MThd") || (magic(0, "RIFF") && magic(8, "RMID")) || ext == ".mid" || ext == ".midi")
    return midi_info(path.string(), pv::read_file(path));
  if (ext == ".tsv" || ext == ".txt") return tsv_info(path.string(), pv::read_file(path));
  if (magic(0, "PVHS")) return hands_info(path);
  if (ext == ".json") {
    if (path.filename() == "metadata.json") return metadata_info(path, pv::read_file(path));
    return hands_info(path);
  }
  static const char* audio_ext[] = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".m4a"};
  static const char* video_ext[] = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"};
  const bool audio_magic = (magic(0, "RIFF") && magic(8, "WAVE")) || magic(0, "fLaC") || magic(0, "OggS") ||
                           magic(0, "FORM") || magic(0, "ID3");
  const bool video_magic = magic(4, "ftyp") || magic(0, "\x1A\x45\xDF\xA3");
  if (audio_magic || std::find(std::begin(audio_ext), std::end(audio_ext), ext) != std::end(audio_ext))
    return audio_info(path);
  if (video_magic || std::find(std::begin(video_ext), std::end(video_ext), ext) != std::end(video_ext))
    return video_info(path);
  throw pv::InputError(path, "unsupported file type (info reads MIDI, PianoVAM TSV, metadata.json, Handskeleton, "
                             "audio, video and dataset roots)");
}

int run_info(const InfoOpts& o) {
  const json j = describe(o.path);
  if (o.json)
    std::printf("%s\n", j.dump(2).c_str());
  else
    print_human(j);
  return 0;
}

pv::cli::Verb reg{"info", 10, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "info", "Describe a file or a dataset: MIDI (format, tracks, division, notes, duration, pedal events per CC, "
              "tempo changes, pitch range), note/fingering TSV, audio, video, metadata.json, Handskeleton, or a "
              "PianoVAM dataset root (sessions, modalities present, durations)");
  auto o = std::make_shared<InfoOpts>();
  cmd->add_option("path", o->path, "File or dataset root to describe")->required();
  cmd->add_flag("--json", o->json, "Print the description as JSON on stdout");
  return [o]() { return run_info(*o); };
}};

}  // namespace
