// pianovam loudness measure / normalize end to end.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sndfile.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "align/synth.hpp"
#include "io/audio/audio.hpp"
#include "io/json/metadata.hpp"
#include "io/midi/midi.hpp"
#include "loudness/loudness.hpp"
#include "loudness_util.hpp"
#include "test_util.hpp"

namespace {
namespace fs = std::filesystem;

fs::path write_tones(const fs::path& f, double level) {
  pv::audio::Signal s;
  s.sample_rate = 44100;
  s.samples = ltest::dynamic_tones(15.0, 44100, 9, level);
  pv::audio::write_wav(f, s);
  return f;
}

TEST(LoudnessCli, MeasureJsonMatchesTheLibraryAndFfmpeg) {
  const auto dir = pvtest::temp_dir();
  const auto a = write_tones(dir / "a.wav", 0.2), b = write_tones(dir / "b.wav", 0.02);
  const auto r = pvtest::run_cli("loudness measure " + a.string() + " " + b.string() + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["files"].size(), 2u);
  const auto m = pv::loudness::measure_file(a);
  EXPECT_NEAR(j["files"][0]["integrated_lufs"].get<double>(), m.integrated_lufs, 0.006);
  EXPECT_NEAR(j["files"][0]["integrated_lufs"].get<double>() - j["files"][1]["integrated_lufs"].get<double>(), 20.0, 0.05);
  if (ltest::have_ffmpeg()) {
    const auto ref = ltest::ffmpeg_ebur128(a);
    ASSERT_TRUE(ref);
    EXPECT_NEAR(j["files"][0]["integrated_lufs"].get<double>(), ref->integrated, 0.1);
  }
}

TEST(LoudnessCli, MeasureReportsBadAndSilentFiles) {
  const auto dir = pvtest::temp_dir();
  const auto a = write_tones(dir / "a.wav", 0.2);
  pv::audio::Signal s;
  s.sample_rate = 44100;
  s.samples.assign(44100 * 2, 0.0f);
  pv::audio::write_wav(dir / "silent.wav", s);
  auto r = pvtest::run_cli("loudness measure " + (dir / "silent.wav").string() + " --json", true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("silent.wav: silent"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"silent\": true"), std::string::npos) << r.out;  // still listed in the JSON
  // A tone shorter than one 400 ms gating block is not "silent" but too short.
  pv::audio::Signal blip;
  blip.sample_rate = 44100;
  for (int i = 0; i < 13230; ++i) blip.samples.push_back(static_cast<float>(0.3 * std::sin(0.06 * i)));
  pv::audio::write_wav(dir / "blip.wav", blip);
  r = pvtest::run_cli("loudness measure " + (dir / "blip.wav").string(), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("blip.wav: too short"), std::string::npos) << r.out;
  // A video without an audio track, and a file that is not media at all.
  if (std::system("ffmpeg -version >/dev/null 2>&1") == 0) {
    const auto mp4 = dir / "mute.mp4";
    ASSERT_EQ(std::system(("ffmpeg -y -loglevel error -f lavfi -i color=c=black:s=64x64:r=10:d=1 -c:v mpeg4 \"" +
                           mp4.string() + "\"").c_str()), 0);
    r = pvtest::run_cli("loudness measure " + mp4.string(), true);
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.out.find("mute.mp4: no audio stream"), std::string::npos) << r.out;
  }
  {
    std::ofstream(dir / "junk.wav") << "not audio";
    r = pvtest::run_cli("loudness measure " + (dir / "junk.wav").string(), true);
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.out.find("junk.wav"), std::string::npos) << r.out;
  }
  r = pvtest::run_cli("loudness measure " + a.string() + " " + (dir / "nope.wav").string(), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("nope.wav"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LUFS"), std::string::npos) << r.out;  // the good file is still measured
  EXPECT_EQ(pvtest::run_cli("loudness").rc, 2);
  EXPECT_EQ(pvtest::run_cli("loudness measure --help").rc, 0);
}

TEST(LoudnessCli, NormalizeDataset) {
  const auto dir = pvtest::temp_dir();
  const fs::path root = dir / "ds";
  fs::create_directories(root / "MIDI");
  fs::create_directories(root / "Audio");
  pv::meta::Metadata md;
  const double gains[] = {-12.0, 2.0};
  for (int i = 0; i < 2; ++i) {
    pv::SessionMetadata rec;
    rec.record_time = "2024-02-0" + std::to_string(i + 1) + "_09-30-00";
    rec.split = "test";
    md.records.push_back({std::to_string(i), rec});
    pv::Performance perf;
    for (int k = 0; k < 20; ++k) perf.notes.push_back({60 + k % 12, 0.3 * k, 0.3 * k + 0.5, 0.3 * k + 0.5, 50 + 30 * i});
    pv::midi::write(root / "MIDI" / (rec.record_time + ".mid"), perf);
    pv::audio::Signal s;
    s.sample_rate = 44100;
    s.samples = pv::synth::render(perf, 44100);
    for (float& v : s.samples) v *= static_cast<float>(std::pow(10.0, gains[i] / 20.0));
    pv::audio::write_wav(root / "Audio" / (rec.record_time + ".wav"), s);
  }
  pv::meta::write(root / "metadata.json", md);
  const auto r = pvtest::run_cli("loudness normalize " + root.string() + " -o " + (dir / "out").string() + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["sessions"].size(), 2u);
  for (const auto& s : j["sessions"]) {
    const auto m = pv::loudness::measure_file(dir / "out" / "Audio" / (s["id"].get<std::string>() + ".wav"));
    EXPECT_LE(m.true_peak_dbtp, -1.0);
    if (!s["limited_by_true_peak"].get<bool>()) {
      EXPECT_NEAR(m.integrated_lufs, s["target_lufs"].get<double>(), 0.1);
    }
  }
  EXPECT_TRUE(fs::exists(dir / "out" / "loudness.json"));
  const auto bad = pvtest::run_cli("loudness normalize " + (dir / "none").string() + " -o " + (dir / "o2").string(), true);
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.out.find("metadata.json"), std::string::npos) << bad.out;
}

}  // namespace
