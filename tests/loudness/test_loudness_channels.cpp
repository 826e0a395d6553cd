// Loudness of multichannel files read through FFmpeg (every channel filtered and weighted per
// BS.1770, not a mono mixdown) and the loudness range on files >= 60 s, both against FFmpeg's
// ebur128 filter run by the ffmpeg CLI on the same files (skipped without ffmpeg).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "io/audio/audio.hpp"
#include "loudness/loudness.hpp"
#include "loudness_util.hpp"
#include "test_util.hpp"

namespace {
namespace fs = std::filesystem;
using namespace pv::loudness;

// Stereo with different material left and right (the right quieter).
pv::audio::Signal stereo(double seconds, int rate, unsigned seed) {
  const auto a = ltest::dynamic_tones(seconds, rate, seed, 0.3);
  const auto b = ltest::dynamic_tones(seconds, rate, seed + 1, 0.12);
  pv::audio::Signal s;
  s.sample_rate = rate;
  s.channels = 2;
  for (std::size_t i = 0; i < a.size(); ++i) {
    s.samples.push_back(a[i]);
    s.samples.push_back(b[i]);
  }
  return s;
}

bool run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

TEST(LoudnessChannels, StereoContainersAgreeWithFfmpegPerChannel) {
  if (!ltest::have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  const auto dir = pvtest::temp_dir();
  const fs::path wav = dir / "stereo.wav";
  pv::audio::write_wav(wav, stereo(60.0, 48000, 5), pv::audio::WavFormat::Float32);
  // The same sound as the audio track of an MP4 (AAC) and as an M4A (ALAC, lossless).
  const fs::path mp4 = dir / "stereo.mp4", m4a = dir / "stereo.m4a";
  ASSERT_TRUE(run("ffmpeg -y -hide_banner -f lavfi -i color=c=black:s=64x64:r=10 -i \"" + wav.string() +
                  "\" -shortest -c:v mpeg4 -c:a aac -b:a 256k \"" + mp4.string() + "\""));
  ASSERT_TRUE(run("ffmpeg -y -hide_banner -i \"" + wav.string() + "\" -c:a alac \"" + m4a.string() + "\""));
  for (const fs::path& f : {wav, mp4, m4a}) {
    const Measurement ours = measure_file(f);
    const auto ref = ltest::ffmpeg_ebur128(f);
    ASSERT_TRUE(ref) << f;
    std::printf("%-11s I ours %.2f ffmpeg %.1f | LRA ours %.2f ffmpeg %.1f | TP ours %.2f ffmpeg %.1f\n",
                f.filename().c_str(), ours.integrated_lufs, ref->integrated, ours.range_lu, ref->range,
                ours.true_peak_dbtp, ref->true_peak);
    EXPECT_EQ(ours.channels, 2) << f;
    // FFmpeg prints one decimal (0.05 of rounding).
    EXPECT_NEAR(ours.integrated_lufs, ref->integrated, 0.1) << f;
    EXPECT_NEAR(ours.true_peak_dbtp, ref->true_peak, 0.1) << f;
    EXPECT_NEAR(ours.range_lu, ref->range, 0.1) << f;
  }
}

TEST(LoudnessChannels, OneSidedStereoIsNotAMixdown) {
  if (!ltest::have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  const auto dir = pvtest::temp_dir();
  // Left: tones; right: silence. Per BS.1770 the loudness is the left channel's; a mono mixdown
  // (the mean of the channels) would read 6 dB lower.
  const auto a = ltest::dynamic_tones(20.0, 44100, 9, 0.3);
  pv::audio::Signal s{44100, {}, 2};
  for (float v : a) s.samples.insert(s.samples.end(), {v, 0.0f});
  const fs::path wav = dir / "left.wav", mka = dir / "left.mka";
  pv::audio::write_wav(wav, s, pv::audio::WavFormat::Float32);
  ASSERT_TRUE(run("ffmpeg -y -hide_banner -i \"" + wav.string() + "\" -c:a pcm_f32le \"" + mka.string() + "\""));
  const double left_only = measure(a, 1, 44100).integrated_lufs;
  const Measurement m = measure_file(mka);  // Matroska: read through FFmpeg
  EXPECT_EQ(m.channels, 2);
  EXPECT_NEAR(m.integrated_lufs, left_only, 0.05);
  EXPECT_NEAR(m.integrated_lufs, measure_file(wav).integrated_lufs, 0.05);
}

TEST(LoudnessChannels, ReadChannelsKeepsLayoutAndSamples) {
  if (!ltest::have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  const auto dir = pvtest::temp_dir();
  const fs::path wav = dir / "st.wav", mka = dir / "st.mka";
  const auto s = stereo(3.0, 32000, 3);
  pv::audio::write_wav(wav, s, pv::audio::WavFormat::Float32);
  ASSERT_TRUE(run("ffmpeg -y -hide_banner -i \"" + wav.string() + "\" -c:a pcm_f32le \"" + mka.string() + "\""));
  for (const fs::path& f : {wav, mka}) {
    const auto c = pv::audio::read_channels(f);
    ASSERT_EQ(c.signal.channels, 2) << f;
    ASSERT_EQ(c.roles.size(), 2u);
    EXPECT_EQ(c.roles[0], pv::audio::ChannelRole::Left) << f;
    EXPECT_EQ(c.roles[1], pv::audio::ChannelRole::Right) << f;
    ASSERT_EQ(c.signal.samples.size(), s.samples.size()) << f;
    for (std::size_t i = 0; i < s.samples.size(); i += 997) ASSERT_FLOAT_EQ(c.signal.samples[i], s.samples[i]) << f << " " << i;
  }
}

TEST(LoudnessChannels, VideoWithoutAudioNamesTheFile) {
  if (!ltest::have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  const auto dir = pvtest::temp_dir();
  const fs::path mp4 = dir / "mute.mp4";
  ASSERT_TRUE(run("ffmpeg -y -hide_banner -f lavfi -i color=c=black:s=64x64:r=10:d=1 -c:v mpeg4 \"" + mp4.string() + "\""));
  try {
    measure_file(mp4);
    FAIL() << "no error";
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("mute.mp4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no audio"), std::string::npos) << e.what();
  }
}

}  // namespace
