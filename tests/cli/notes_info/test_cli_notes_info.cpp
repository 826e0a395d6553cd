// CLI tests for `pianovam notes` and `pianovam info`: outputs, JSON summaries and exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "core/atomic_file.hpp"
#include "core/pedal_rule.hpp"
#include "io/audio/audio.hpp"
#include "io/json/metadata.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"
#include "io/video/video.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A small performance with sustain (CC64), soft (CC67) and a repeated pitch under the pedal.
pv::Performance demo_performance() {
  pv::Performance p;
  auto add = [&](int pitch, double on, double off, int vel) {
    pv::Note n;
    n.pitch = pitch;
    n.onset = on;
    n.key_offset = n.sound_offset = off;
    n.velocity = vel;
    p.notes.push_back(n);
  };
  add(60, 0.0, 0.5, 80);
  add(64, 0.25, 0.75, 70);
  add(60, 1.0, 1.25, 90);  // re-strikes 60 while the first is still sustained
  add(67, 2.0, 2.5, 60);
  add(72, 3.0, 3.5, 100);
  p.pedals = {{0.1, 64, 100, 0}, {0.2, 67, 127, 0}, {1.5, 64, 0, 0}, {2.2, 64, 80, 0}, {2.8, 64, 0, 0},
              {3.9, 67, 0, 0}};
  return p;
}

std::string q(const fs::path& p) { return "\"" + p.string() + "\""; }

}  // namespace

TEST(CliNotes, WritesPedalExtendedTsv) {
  auto dir = pvtest::temp_dir();
  pv::midi::write(dir / "in.mid", demo_performance());
  auto r = pvtest::run_cli("notes " + q(dir / "in.mid") + " -o " + q(dir / "out" / "notes.tsv"));
  ASSERT_EQ(r.rc, 0) << r.out;
  auto notes = pv::tsv::read_notes(dir / "out" / "notes.tsv");
  ASSERT_EQ(notes.size(), 5u);
  const double expect_frame[] = {1.0, 1.5, 1.5, 2.8, 3.5};  // cut at re-strike; pedal release; none
  for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(notes[i].sound_offset, expect_frame[i], 1.1e-3) << i;
  EXPECT_NEAR(notes[0].key_offset, 0.5, 1.1e-3);
  EXPECT_EQ(notes[2].velocity, 90);
  const std::string text = pv::read_file(dir / "out" / "notes.tsv");
  EXPECT_EQ(text.rfind("# onset\tkey_offset\tframe_offset\tnote\tvelocity\n", 0), 0u);
}

TEST(CliNotes, JsonSummary) {
  auto dir = pvtest::temp_dir();
  pv::midi::write(dir / "in.mid", demo_performance());
  auto r = pvtest::run_cli("notes " + q(dir / "in.mid") + " -o " + q(dir / "n.tsv") + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["notes"], 5);
  EXPECT_EQ(j["pedal_extended_notes"], 4);
  EXPECT_EQ(j["output"], (dir / "n.tsv").string());
}

TEST(CliNotes, RealPerformanceMatchesLibraryAndPedalRule) {
  PV_REQUIRE_SHARED("performance-midi/chopin_etude-op10no3_SunMeiting08.mid");
  auto dir = pvtest::temp_dir();
  const auto in = pvtest::shared_data() / "performance-midi" / "chopin_etude-op10no3_SunMeiting08.mid";
  auto r = pvtest::run_cli("notes " + q(in) + " -o " + q(dir / "n.tsv"));
  ASSERT_EQ(r.rc, 0) << r.out;
  auto perf = pv::midi::read(in);
  pv::PedalRule{}.apply(perf);
  auto notes = pv::tsv::read_notes(dir / "n.tsv");
  ASSERT_EQ(notes.size(), perf.notes.size());
  ASSERT_EQ(notes.size(), 1931u);
  for (std::size_t i = 0; i < notes.size(); ++i) {
    ASSERT_EQ(notes[i].pitch, perf.notes[i].pitch);
    ASSERT_NEAR(notes[i].onset, perf.notes[i].onset, 1e-6);
    ASSERT_NEAR(notes[i].sound_offset, perf.notes[i].sound_offset, 1e-6);
  }
}

TEST(CliNotes, ExitCodes) {
  auto dir = pvtest::temp_dir();
  // Missing input file: 1, and the message names the file.
  auto r = pvtest::run_cli("notes " + q(dir / "none.mid") + " -o " + q(dir / "n.tsv"), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("none.mid"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "n.tsv"));
  // Bad usage: 2.
  pv::midi::write(dir / "in.mid", demo_performance());
  EXPECT_EQ(pvtest::run_cli("notes " + q(dir / "in.mid")).rc, 2);  // no -o
  EXPECT_EQ(pvtest::run_cli("notes").rc, 2);
  EXPECT_EQ(pvtest::run_cli("notes " + q(dir / "in.mid") + " -o x.tsv --bogus").rc, 2);
  // Corrupt MIDI: 1, the message names the file and the byte offset; nothing written.
  std::string bytes = pv::read_file(dir / "in.mid");
  pv::write_file_atomic(dir / "cut.mid", bytes.substr(0, bytes.size() - 10));
  r = pvtest::run_cli("notes " + q(dir / "cut.mid") + " -o " + q(dir / "cut.tsv"), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("cut.mid: byte "), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "cut.tsv"));
  // --help: 0.
  r = pvtest::run_cli("notes --help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("--output"), std::string::npos);
}

TEST(CliInfo, MidiJson) {
  auto dir = pvtest::temp_dir();
  pv::midi::write(dir / "in.mid", demo_performance(), {480, 600000});
  auto r = pvtest::run_cli("info " + q(dir / "in.mid") + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["type"], "midi");
  EXPECT_EQ(j["format"], 1);
  EXPECT_EQ(j["tracks"], 2);
  EXPECT_EQ(j["division"], 480);
  EXPECT_EQ(j["notes"], 5);
  EXPECT_NEAR(j["duration"].get<double>(), 3.9, 2e-3);
  EXPECT_EQ(j["pedal_events"]["64"], 4);
  EXPECT_EQ(j["pedal_events"]["66"], 0);
  EXPECT_EQ(j["pedal_events"]["67"], 2);
  EXPECT_EQ(j["tempo_changes"], 1);
  EXPECT_NEAR(j["tempos"][0]["bpm"].get<double>(), 100.0, 1e-9);
  EXPECT_EQ(j["pitch_range"], json::array({60, 72}));
}

TEST(CliInfo, RealMidiHumanReadable) {
  PV_REQUIRE_SHARED("performance-midi/bach_wtc1-prelude-bwv846_Shi05M.mid");
  auto r = pvtest::run_cli("info " + q(pvtest::shared_data() / "performance-midi" / "bach_wtc1-prelude-bwv846_Shi05M.mid"));
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("format 1, 2 track(s), 384 ticks/quarter"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("notes: 548"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("duration: 139.12"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sustain (CC64) 2235"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("soft (CC67) 140"), std::string::npos) << r.out;
}

TEST(CliInfo, NoteAndFingeringTsv) {
  auto dir = pvtest::temp_dir();
  auto notes = demo_performance().notes;
  pv::tsv::write_notes(dir / "n.tsv", notes);
  auto r = pvtest::run_cli("info " + q(dir / "n.tsv") + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["type"], "note_tsv");
  EXPECT_EQ(j["notes"], 5);
  notes[0].hand = pv::Hand::Left;
  notes[0].finger = 2;
  pv::tsv::write_fingering(dir / "f.tsv", notes);
  j = json::parse(pvtest::run_cli("info " + q(dir / "f.tsv") + " --json").out);
  EXPECT_EQ(j["type"], "fingering_tsv");
  EXPECT_EQ(j["labelled_notes"], 1);
}

TEST(CliInfo, ExitCodes) {
  auto dir = pvtest::temp_dir();
  auto r = pvtest::run_cli("info " + q(dir / "missing.mid"), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("missing.mid"), std::string::npos) << r.out;
  EXPECT_EQ(pvtest::run_cli("info").rc, 2);
  EXPECT_EQ(pvtest::run_cli("info a b").rc, 2);
  pv::write_file_atomic(dir / "thing.xyz", "hello");
  r = pvtest::run_cli("info " + q(dir / "thing.xyz"), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("unsupported file type"), std::string::npos) << r.out;
  pv::write_file_atomic(dir / "bad.mid", std::string("MThd\0\0\0\x06\0\x01\0\x02\x01", 13));
  r = pvtest::run_cli("info " + q(dir / "bad.mid"), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("bad.mid: byte 0"), std::string::npos) << r.out;
  EXPECT_EQ(pvtest::run_cli("info --help").rc, 0);
}

namespace {
pv::audio::Signal tone(double seconds, int rate = 22050) {
  pv::audio::Signal s;
  s.sample_rate = rate;
  s.samples.resize(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < s.samples.size(); ++i) s.samples[i] = 0.1f * static_cast<float>(std::sin(0.05 * i));
  return s;
}
void tiny_video(const fs::path& file, int frames) {
  pv::video::EncoderOptions opt;
  opt.width = 64;
  opt.height = 48;
  opt.fps = {10, 1};
  pv::video::Encoder enc(file, opt);
  std::vector<std::uint8_t> rgb(64 * 48 * 3);
  for (int f = 0; f < frames; ++f) {
    std::fill(rgb.begin(), rgb.end(), static_cast<std::uint8_t>(20 * f));
    enc.add_frame(rgb.data());
  }
  enc.finish();
}
}  // namespace

TEST(CliInfo, AudioAndVideo) {
  auto dir = pvtest::temp_dir();
  pv::audio::write_wav(dir / "a.wav", tone(1.5));
  auto r = pvtest::run_cli("info " + q(dir / "a.wav") + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["type"], "audio");
  EXPECT_EQ(j["sample_rate"], 22050);
  EXPECT_EQ(j["channels"], 1);
  EXPECT_NEAR(j["duration"].get<double>(), 1.5, 1e-3);

  tiny_video(dir / "v.mp4", 12);
  r = pvtest::run_cli("info " + q(dir / "v.mp4") + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  j = json::parse(r.out);
  EXPECT_EQ(j["type"], "video");
  EXPECT_EQ(j["width"], 64);
  EXPECT_EQ(j["height"], 48);
  EXPECT_EQ(j["fps"], "10/1");
  EXPECT_EQ(j["frame_count"], 12);
  EXPECT_EQ(j["has_audio"], false);
  r = pvtest::run_cli("info " + q(dir / "v.mp4"));
  EXPECT_NE(r.out.find("64x48"), std::string::npos) << r.out;

  // A corrupt audio file: exit 1, message names the file.
  pv::write_file_atomic(dir / "bad.wav", "RIFF\x10\x00\x00\x00WAVEjunkjunk");
  r = pvtest::run_cli("info " + q(dir / "bad.wav"), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("bad.wav"), std::string::npos) << r.out;
}

TEST(CliInfo, DatasetRootListsSessionsAndModalities) {
  auto root = pvtest::temp_dir();
  pv::meta::Metadata m;
  pv::SessionMetadata rec;
  rec.record_time = "2024-05-06_07-08-09";
  rec.split = "test";
  rec.composer = "Nobody";
  rec.piece = "Study";
  rec.duration = 2.0;
  m.records.push_back({"0", rec});
  pv::meta::write(root / "metadata.json", m);
  const std::string id = rec.record_time;
  pv::midi::write(root / "MIDI" / (id + ".mid"), demo_performance());
  pv::audio::write_wav(root / "Audio" / (id + ".wav"), tone(2.0));
  auto r = pvtest::run_cli("info " + q(root) + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["type"], "dataset");
  ASSERT_EQ(j["sessions"].size(), 1u);
  const auto& s = j["sessions"][0];
  EXPECT_EQ(s["id"], id);
  EXPECT_EQ(s["split"], "test");
  EXPECT_EQ(s["files"]["MIDI"], true);
  EXPECT_EQ(s["files"]["Audio"], true);
  EXPECT_EQ(s["files"]["Video"], false);
  EXPECT_NEAR(s["durations"]["MIDI"].get<double>(), 3.9, 2e-3);
  EXPECT_NEAR(s["durations"]["Audio"].get<double>(), 2.0, 1e-3);
  EXPECT_FALSE(s["durations"].contains("Video"));
  r = pvtest::run_cli("info " + q(root));
  EXPECT_EQ(r.rc, 0);
  const auto miss = r.out.find("missing: ");
  ASSERT_NE(miss, std::string::npos) << r.out;
  const std::string missing = r.out.substr(miss, r.out.find("  ", miss) - miss);
  EXPECT_NE(missing.find("Video"), std::string::npos) << missing;
  EXPECT_EQ(missing.find("MIDI"), std::string::npos) << missing;
  // metadata.json itself.
  j = json::parse(pvtest::run_cli("info " + q(root / "metadata.json") + " --json").out);
  EXPECT_EQ(j["type"], "metadata");
  EXPECT_EQ(j["records"], 1);
  // A directory that is not a dataset root: exit 1.
  r = pvtest::run_cli("info " + q(root / "MIDI"), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("not a PianoVAM dataset root"), std::string::npos) << r.out;
}
