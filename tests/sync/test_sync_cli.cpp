// pianovam sync end to end: WAV/MP4 files from two "rooms" with a planted offset.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <nlohmann/json.hpp>

#include "sync_signals.hpp"
#include "test_util.hpp"

namespace {
namespace fs = std::filesystem;

void write_wav(const fs::path& f, const std::vector<float>& v, int rate) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* s = sf_open(f.c_str(), SFM_WRITE, &info);
  ASSERT_NE(s, nullptr);
  sf_writef_float(s, v.data(), static_cast<sf_count_t>(v.size()));
  sf_close(s);
}

struct Files {
  fs::path ref, tgt;
  double truth;
};

Files make_files(const fs::path& dir, double offset) {
  const int rate = 44100;
  const auto dry = synctest::piano_like(40.0, rate, 3);
  auto ref = synctest::convolve(dry, synctest::synthetic_ir(rate, 0.5, 1));
  synctest::add_noise(ref, 30.0, 1);
  std::vector<float> tgt;
  const double truth = synctest::plant(synctest::convolve(dry, synctest::synthetic_ir(rate, 1.0, 2)), rate, offset, 0.0,
                                       48000, tgt);
  synctest::add_noise(tgt, 25.0, 2);
  Files f{dir / "daw.wav", dir / "camera.wav", truth};
  write_wav(f.ref, ref, rate);
  write_wav(f.tgt, tgt, 48000);
  return f;
}

TEST(SyncCli, JsonAndPlainOutput) {
  const auto dir = pvtest::temp_dir();
  const Files f = make_files(dir, 0.4321);
  auto r = pvtest::run_cli("sync --reference " + f.ref.string() + " --target " + f.tgt.string() + " --json --windows");
  ASSERT_EQ(r.rc, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["offset_s"].get<double>(), f.truth, 1e-3);
  EXPECT_LT(std::abs(j["drift_ppm"].get<double>()), 20.0);
  EXPECT_GT(j["confidence"].get<double>(), 0.3);
  EXPECT_GT(j["windows"].size(), 5u);
  r = pvtest::run_cli("-q sync -r " + f.ref.string() + " -t " + f.tgt.string());
  ASSERT_EQ(r.rc, 0);
  EXPECT_NEAR(std::stod(r.out), f.truth, 1e-3);
}

TEST(SyncCli, CameraTrackInAnMp4) {
  if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) GTEST_SKIP() << "ffmpeg not installed";
  const auto dir = pvtest::temp_dir();
  const Files f = make_files(dir, -0.25);
  const fs::path mp4 = dir / "camera.mp4";
  // A camera file: black video + AAC audio (the encoder's priming delay is in the edit list).
  const std::string cmd = "ffmpeg -hide_banner -loglevel error -f lavfi -i color=black:s=64x64:r=30 -i " +
                          f.tgt.string() + " -shortest -c:v libx264 -c:a aac -b:a 128k " + mp4.string();
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "ffmpeg could not encode H.264/AAC here";
  const auto r = pvtest::run_cli("sync --reference " + f.ref.string() + " --target " + mp4.string() + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NEAR(nlohmann::json::parse(r.out)["offset_s"].get<double>(), f.truth, 1e-3);
}

TEST(SyncCli, BadInputs) {
  const auto dir = pvtest::temp_dir();
  const Files f = make_files(dir, 0.1);
  write_wav(dir / "silent.wav", std::vector<float>(44100 * 10, 0.0f), 44100);
  auto r = pvtest::run_cli("sync --reference " + (dir / "silent.wav").string() + " --target " + f.tgt.string(), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("silent"), std::string::npos) << r.out;
  r = pvtest::run_cli("sync --reference " + (dir / "missing.wav").string() + " --target " + f.tgt.string(), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("missing.wav"), std::string::npos) << r.out;
  r = pvtest::run_cli("sync --reference " + f.ref.string(), true);
  EXPECT_EQ(r.rc, 2);
  r = pvtest::run_cli("sync --reference " + f.ref.string() + " --target " + f.tgt.string() + " --window 0.1", true);
  EXPECT_EQ(r.rc, 2);
  r = pvtest::run_cli("sync --help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("target_time = ref_time + offset"), std::string::npos);
}

}  // namespace
