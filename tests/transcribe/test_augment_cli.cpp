// `pianovam augment` end to end: SNR after the WAV round trip, reverb with a real IR.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "io/audio/audio.hpp"
#include "test_util.hpp"
#include "transcribe/augment.hpp"

namespace {
pv::audio::Signal tone(int rate, double seconds) {
  pv::audio::Signal s;
  s.sample_rate = rate;
  for (int i = 0; i < static_cast<int>(rate * seconds); ++i)
    s.samples.push_back(static_cast<float>(0.4 * std::sin(2 * M_PI * 440.0 * i / rate) * std::exp(-1.5 * i / rate)));
  return s;
}
}  // namespace

TEST(AugmentCli, NoiseHitsTheRequestedSnrAfterWriting) {
  auto dir = pvtest::temp_dir();
  pv::audio::write_wav(dir / "in.wav", tone(22050, 2.0), pv::audio::WavFormat::Float32);
  for (double snr : {0.0, 10.0, 24.0}) {
    auto r = pvtest::run_cli("augment noise " + (dir / "in.wav").string() + " -o " + (dir / "out.wav").string() +
                             " --snr " + std::to_string(snr) + " --seed 4 --json");
    ASSERT_EQ(r.rc, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    auto in = pv::audio::read_mono(dir / "in.wav"), out = pv::audio::read_mono(dir / "out.wav");
    ASSERT_EQ(out.samples.size(), in.samples.size());
    EXPECT_NEAR(pv::transcribe::measured_snr_db(in.samples, out.samples), snr, 0.01);
    EXPECT_NEAR(j["measured_snr_db"].get<double>(), snr, 0.01);
  }
  // Same seed, same file.
  pvtest::run_cli("augment noise " + (dir / "in.wav").string() + " -o " + (dir / "a.wav").string() + " --snr 3 --seed 9");
  pvtest::run_cli("augment noise " + (dir / "in.wav").string() + " -o " + (dir / "b.wav").string() + " --snr 3 --seed 9");
  EXPECT_EQ(pv::audio::read_mono(dir / "a.wav").samples, pv::audio::read_mono(dir / "b.wav").samples);
}

TEST(AugmentCli, ReverbWithRealImpulseResponse) {
  PV_REQUIRE_SHARED("impulse-responses");
  auto dir = pvtest::temp_dir();
  pv::audio::Signal s;
  s.sample_rate = 44100;
  s.samples.assign(44100, 0.0f);
  s.samples[22050] = 0.5f;  // a click at 0.5 s
  pv::audio::write_wav(dir / "click.wav", s, pv::audio::WavFormat::Float32);
  auto ir = pvtest::shared_data() / "impulse-responses/openair_ir_arthur_s1r4_ch1.wav";  // 96 kHz: resampled
  auto r = pvtest::run_cli("augment reverb " + (dir / "click.wav").string() + " -o " + (dir / "wet.wav").string() +
                           " --ir " + ir.string() + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto wet = pv::audio::read_mono(dir / "wet.wav");
  ASSERT_EQ(wet.samples.size(), s.samples.size());
  std::size_t peak = 0;
  for (std::size_t i = 1; i < wet.samples.size(); ++i)
    if (std::abs(wet.samples[i]) > std::abs(wet.samples[peak])) peak = i;
  EXPECT_LE(std::abs(static_cast<long>(peak) - 22050), 44) << "direct sound within 1 ms of the click";
  EXPECT_NEAR(std::abs(wet.samples[peak]), 1.0f, 1e-6);
}

TEST(AugmentCli, UsageAndInputErrors) {
  auto dir = pvtest::temp_dir();
  pv::audio::write_wav(dir / "in.wav", tone(8000, 0.2));
  EXPECT_EQ(pvtest::run_cli("augment noise " + (dir / "in.wav").string() + " -o " + (dir / "o.wav").string()).rc, 2);
  EXPECT_EQ(pvtest::run_cli("augment reverb " + (dir / "in.wav").string() + " -o " + (dir / "o.wav").string()).rc, 2);
  EXPECT_EQ(pvtest::run_cli("augment echo " + (dir / "in.wav").string() + " -o " + (dir / "o.wav").string()).rc, 2);
  pv::audio::Signal silent;
  silent.sample_rate = 8000;
  silent.samples.assign(800, 0.0f);
  pv::audio::write_wav(dir / "silent.wav", silent);
  auto r = pvtest::run_cli("augment noise " + (dir / "silent.wav").string() + " -o " + (dir / "o.wav").string() +
                               " --snr 0",
                           true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("silent.wav"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "o.wav"));
  EXPECT_EQ(pvtest::run_cli("augment reverb " + (dir / "in.wav").string() + " -o " + (dir / "o.wav").string() +
                            " --ir " + (dir / "missing.wav").string())
                .rc,
            1);
}
