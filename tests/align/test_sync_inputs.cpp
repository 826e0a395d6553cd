// `pianovam sync` on bad inputs: each gives an error naming the file and exit status 1, never a
// crash or an offset.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "io/audio/audio.hpp"
#include "test_util.hpp"

namespace {
namespace fs = std::filesystem;

fs::path tone(const fs::path& f, double seconds, double amp) {
  pv::audio::Signal s;
  s.sample_rate = 44100;
  for (long i = 0; i < static_cast<long>(seconds * 44100); ++i)
    s.samples.push_back(static_cast<float>(amp * std::sin(0.05 * i) * (i % 11025 < 2000 ? 1.0 : 0.2)));
  pv::audio::write_wav(f, s);
  return f;
}

void expect_error(const std::string& args, const std::string& names) {
  const auto r = pvtest::run_cli("sync " + args, true);
  EXPECT_EQ(r.rc, 1) << args << "\n" << r.out;
  EXPECT_NE(r.out.find(names), std::string::npos) << args << "\n" << r.out;
  EXPECT_EQ(r.out.find("offset"), std::string::npos) << "no offset may be printed\n" << r.out;
}

TEST(SyncInputs, BadFilesNameTheFileAndExit1) {
  const auto dir = pvtest::temp_dir();
  const auto good = tone(dir / "good.wav", 8.0, 0.3);
  const auto silent = tone(dir / "silent.wav", 8.0, 0.0);
  const auto brief = tone(dir / "brief.wav", 0.5, 0.3);
  std::ofstream(dir / "junk.wav") << "RIFF but not really";
  std::ofstream(dir / "empty.wav");
  const std::string g = " --target " + good.string();
  expect_error("--reference " + silent.string() + g, "silent.wav");
  expect_error("--reference " + good.string() + " --target " + silent.string(), "silent.wav");
  expect_error("--reference " + brief.string() + g, "brief.wav");
  expect_error("--reference " + (dir / "junk.wav").string() + g, "junk.wav");
  expect_error("--reference " + (dir / "empty.wav").string() + g, "empty.wav");
  expect_error("--reference " + (dir / "missing.wav").string() + g, "missing.wav");
  if (std::system("ffmpeg -version >/dev/null 2>&1") == 0) {
    const auto mp4 = dir / "mute.mp4";
    ASSERT_EQ(std::system(("ffmpeg -y -loglevel error -f lavfi -i color=c=black:s=64x64:r=10:d=2 -c:v mpeg4 \"" +
                           mp4.string() + "\"").c_str()), 0);
    expect_error("--reference " + good.string() + " --target " + mp4.string(), "mute.mp4: no audio stream");
  }
}

}  // namespace
