#pragma once
#include <unistd.h>
// Generates a small PianoVAM-layout dataset for the validate tests: real media made with the ffmpeg
// CLI (H.264 video with a sine AAC track, mono WAV), MIDI/TSV/Handskeleton written by the project's
// writers, and a metadata.json. Faults are planted by the tests afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <vector>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/atomic_file.hpp"
#include "io/json/handskeleton.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"

namespace dstest {
namespace fs = std::filesystem;

constexpr int kWidth = 320, kHeight = 240, kFps = 30;
constexpr double kSeconds = 3.0;

inline void sh(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  ASSERT_EQ(rc, 0) << cmd;
}

inline std::string id_of(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2024-03-%02d_10-15-%02d", 1 + i % 28, 30 + i % 30);
  return buf;
}

inline nlohmann::ordered_json record(const std::string& id) {
  return {{"record_time", id},       {"split", "train"},           {"composer", "Test"},
          {"piece", "Study"},        {"performance_method", "solo"}, {"performance_type", "practice"},
          {"P1_name", "P"},          {"P1_gender", "F"},           {"P1_age", 30},
          {"P1_skill", "Advanced"},  {"P1_musicmajor", "No"},      {"duration", kSeconds},
          {"Point_LT", "10, 150"},   {"Point_RT", "310, 150"},     {"Point_RB", "310, 200"},
          {"Point_LB", "10, 200"}};
}

// Media templates made once per directory: video.mp4, audio.wav, audio_long.wav.
inline void make_templates(const fs::path& dir) {
  fs::create_directories(dir);
  const std::string d = dir.string();
  sh("ffmpeg -y -v error -f lavfi -i testsrc=size=320x240:rate=30:duration=3 -f lavfi -i "
     "sine=frequency=440:sample_rate=44100:duration=3 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "
     "-shortest '" + d + "/video.mp4'");
  sh("ffmpeg -y -v error -f lavfi -i sine=frequency=440:sample_rate=44100:duration=3 -ac 1 '" + d + "/audio.wav'");
  sh("ffmpeg -y -v error -f lavfi -i sine=frequency=440:sample_rate=44100:duration=6 -ac 1 '" + d +
     "/audio_long.wav'");
  pv::Performance perf;
  for (int k = 0; k < 8; ++k) {
    pv::Note n;
    n.pitch = 60 + k;
    n.onset = 0.25 * k;
    n.key_offset = n.sound_offset = 0.25 * k + 0.4;
    n.velocity = 70;
    perf.notes.push_back(n);
  }
  perf.pedals.push_back({0.1, 64, 100, 0});
  perf.pedals.push_back({2.5, 64, 0, 0});
  pv::midi::write(dir / "perf.mid", perf);
  pv::tsv::write_notes(dir / "notes.tsv", perf.notes);
  pv::tsv::write_fingering(dir / "fingering.tsv", perf.notes);
  pv::hands_io::HandTrack t;
  t.frames.resize(kFps * 3);
  for (size_t i = 0; i < t.frames.size(); i += 2) {
    pv::HandObservation o;
    for (size_t k = 0; k < 21; ++k) o.points[k] = {0.3f + 0.01f * k, 0.7f, -0.02f};
    t.frames[i].right = o;
  }
  pv::hands_io::write_json(dir / "hands.json", t);
}

// A clean dataset of n records under root (files copied from the templates).
inline nlohmann::ordered_json make_dataset(const fs::path& root, const fs::path& templates, int n) {
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  for (const char* f : {"Audio", "Video", "MIDI", "TSV", "Handskeleton", "Fingering"}) fs::create_directories(root / f);
  for (int i = 0; i < n; ++i) {
    std::string id = id_of(i);
    meta[std::to_string(i)] = record(id);
    fs::copy_file(templates / "audio.wav", root / "Audio" / (id + ".wav"));
    fs::copy_file(templates / "video.mp4", root / "Video" / (id + ".mp4"));
    fs::copy_file(templates / "perf.mid", root / "MIDI" / (id + ".mid"));
    fs::copy_file(templates / "notes.tsv", root / "TSV" / (id + ".tsv"));
    fs::copy_file(templates / "hands.json", root / "Handskeleton" / (id + ".json"));
    if (i % 2 == 0) fs::copy_file(templates / "fingering.tsv", root / "Fingering" / (id + ".tsv"));
  }
  return meta;
}

inline void write_meta(const fs::path& root, const nlohmann::ordered_json& meta) {
  pv::write_file_atomic(root / "metadata.json", meta.dump(4));
}

// Templates shared by the tests of one process (made on first use). ctest runs each test in its own
// process, possibly in parallel, so the folder is per process.
inline fs::path templates(const std::string& name) {
  static fs::path dir;
  if (dir.empty()) {
    dir = fs::path(PV_TEST_TMP) / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    make_templates(dir);
  }
  return dir;
}

// Builds an 8-record dataset and plants one fault of each kind; returns the expected findings as
// "CODE <where>" (format_line up to the message).
inline std::vector<std::string> make_faulty_dataset(const fs::path& root, const fs::path& tpl) {
  auto meta = make_dataset(root, tpl, 8);
  std::vector<std::string> expect;
  auto rec_where = [](int k, const std::string& id) {
    return "metadata.json[\"" + std::to_string(k) + "\"] (" + id + ")";
  };
  // 1: missing file
  fs::remove(root / "Video" / (id_of(1) + ".mp4"));
  expect.push_back("E_MISSING_FILE Video/" + id_of(1) + ".mp4");
  // 2: corrupt (truncated) file
  {
    std::string text = pv::read_file(root / "Handskeleton" / (id_of(2) + ".json"));
    pv::write_file_atomic(root / "Handskeleton" / (id_of(2) + ".json"), text.substr(0, text.size() / 2));
  }
  expect.push_back("E_UNREADABLE_FILE Handskeleton/" + id_of(2) + ".json");
  // 3: audio 6 s against 3 s
  fs::copy_file(tpl / "audio_long.wav", root / "Audio" / (id_of(3) + ".wav"), fs::copy_options::overwrite_existing);
  expect.push_back("E_DURATION_MISMATCH Audio/" + id_of(3) + ".wav");
  // 4: right corners beyond the 320-pixel-wide frame
  meta["4"]["Point_RT"] = "400, 150";
  meta["4"]["Point_RB"] = "400, 200";
  expect.push_back("E_CORNER_OUTSIDE_FRAME " + rec_where(4, id_of(4)));
  // 5: same id as record 0 (its own files removed, so they are not orphans)
  meta["5"]["record_time"] = id_of(0);
  for (const char* f : {"Audio/.wav", "Video/.mp4", "MIDI/.mid", "TSV/.tsv", "Handskeleton/.json"}) {
    std::string rel = f;
    rel.insert(rel.find('/') + 1, id_of(5));
    fs::remove(root / rel);
  }
  expect.push_back("E_DUPLICATE_ID " + rec_where(5, id_of(0)));
  // 6: bad split
  meta["6"]["split"] = "training";
  expect.push_back("E_META_BAD_SPLIT " + rec_where(6, id_of(6)));
  // 7: missing key
  meta["7"].erase("composer");
  expect.push_back("E_META_MISSING_KEY " + rec_where(7, id_of(7)));
  // orphan
  fs::copy_file(tpl / "audio.wav", root / "Audio" / "2023-12-31_23-59-59.wav");
  expect.push_back("E_ORPHAN_FILE Audio/2023-12-31_23-59-59.wav");
  write_meta(root, meta);
  std::sort(expect.begin(), expect.end());
  return expect;
}

}  // namespace dstest
