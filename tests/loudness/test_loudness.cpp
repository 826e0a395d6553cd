// Loudness: BS.1770-4 measurement (vs FFmpeg's ebur128 filter), gain application, normalization plan
// and the dataset procedure.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <fstream>

#include "align/synth.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/audio/audio.hpp"
#include "io/json/metadata.hpp"
#include "io/midi/midi.hpp"
#include "loudness/loudness.hpp"
#include "loudness/normalize.hpp"
#include "loudness_util.hpp"
#include "test_util.hpp"

namespace {
namespace fs = std::filesystem;
using namespace pv::loudness;

void write_sf(const fs::path& f, const std::vector<float>& interleaved, int channels, int rate, int format) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* s = sf_open(f.c_str(), SFM_WRITE, &info);
  ASSERT_NE(s, nullptr) << sf_strerror(nullptr);
  sf_writef_float(s, interleaved.data(), static_cast<sf_count_t>(interleaved.size() / channels));
  sf_close(s);
}

std::vector<float> sine(double freq, double amp, double seconds, int rate) {
  std::vector<float> v(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(amp * std::sin(2 * M_PI * freq * i / rate));
  return v;
}

TEST(Loudness, SineAtKnownLevel) {
  // BS.1770: a 997 Hz full-scale sine in one channel reads -3.01 LUFS.
  const auto m = measure(sine(997.0, 0.1, 10.0, 48000), 1, 48000);
  EXPECT_NEAR(m.integrated_lufs, -23.01, 0.05);
  EXPECT_NEAR(m.true_peak_dbtp, -20.0, 0.1);
  EXPECT_NEAR(m.range_lu, 0.0, 0.1);
  EXPECT_FALSE(m.silent());
}

TEST(Loudness, AgreesWithFfmpegEbur128) {
  if (!ltest::have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  const auto dir = pvtest::temp_dir();
  struct Case {
    std::string name;
    int channels, rate, format;
    double level, seconds;
  };
  const Case cases[] = {{"mono44_pcm16.wav", 1, 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 0.3, 60.0},
                        {"stereo48_pcm24.wav", 2, 48000, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 0.2, 30.0},
                        {"mono48_quiet.flac", 1, 48000, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 0.01, 60.0},
                        {"stereo44_float.wav", 2, 44100, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0.6, 30.0}};
  unsigned seed = 1;
  for (const auto& c : cases) {
    std::vector<float> inter;
    const auto a = ltest::dynamic_tones(c.seconds, c.rate, seed++, c.level);
    const auto b = ltest::dynamic_tones(c.seconds, c.rate, seed++, c.level * 0.5);
    for (std::size_t i = 0; i < a.size(); ++i) {
      inter.push_back(a[i]);
      if (c.channels == 2) inter.push_back(b[i]);
    }
    const fs::path f = dir / c.name;
    write_sf(f, inter, c.channels, c.rate, c.format);
    const auto ours = measure_file(f);
    const auto ref = ltest::ffmpeg_ebur128(f);
    ASSERT_TRUE(ref) << "could not parse ffmpeg's ebur128 summary for " << f;
    // FFmpeg prints one decimal: up to 0.05 of the difference is its rounding.
    EXPECT_NEAR(ours.integrated_lufs, ref->integrated, 0.1) << c.name;
    // Loudness range from short-term loudness every 100 ms, as FFmpeg's filter (libebur128's own
    // LRA, one 3 s block per second, differed by up to 1.8 LU on 30 s files). From 60 s on the two
    // agree within FFmpeg's rounding; shorter files leave few values in the 10th percentile.
    EXPECT_NEAR(ours.range_lu, ref->range, c.seconds >= 60.0 ? 0.1 : 0.5) << c.name;
    std::printf("%-20s I ours %.2f ffmpeg %.1f | LRA ours %.2f ffmpeg %.1f | TP ours %.2f ffmpeg %.1f\n",
                c.name.c_str(), ours.integrated_lufs, ref->integrated, ours.range_lu, ref->range,
                ours.true_peak_dbtp, ref->true_peak);
    EXPECT_NEAR(ours.true_peak_dbtp, ref->true_peak, 0.1) << c.name;
    EXPECT_EQ(ours.channels, c.channels);
    EXPECT_EQ(ours.sample_rate, c.rate);
  }
}

TEST(Loudness, SilenceAndBadFiles) {
  const auto dir = pvtest::temp_dir();
  write_sf(dir / "silent.wav", std::vector<float>(48000 * 3, 0.0f), 1, 48000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const auto m = measure_file(dir / "silent.wav");
  EXPECT_TRUE(m.silent());
  EXPECT_EQ(format_db(m.integrated_lufs), "-inf");
  EXPECT_THROW(measure_file(dir / "missing.wav"), pv::InputError);
  std::ofstream(dir / "junk.wav") << "this is not audio";
  EXPECT_THROW(measure_file(dir / "junk.wav"), pv::InputError);
  EXPECT_THROW(measure(std::vector<float>(100), 1, 0), pv::Error);
  EXPECT_THROW(measure(std::vector<float>(101), 2, 48000), pv::Error);
}

TEST(Loudness, ApplyGainIsExactAndAtomic) {
  const auto dir = pvtest::temp_dir();
  write_sf(dir / "in.wav", ltest::dynamic_tones(20.0, 44100, 5, 0.05), 1, 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const auto before = measure_file(dir / "in.wav");
  const auto after = apply_gain(dir / "in.wav", dir / "out" / "x.wav", 6.0);
  EXPECT_NEAR(after.integrated_lufs - before.integrated_lufs, 6.0, 0.02);
  EXPECT_NEAR(after.true_peak_dbtp - before.true_peak_dbtp, 6.0, 0.05);
  for (const auto& e : fs::directory_iterator(dir / "out"))
    EXPECT_EQ(e.path().filename(), "x.wav") << "leftover temp file";
  EXPECT_THROW(apply_gain(dir / "missing.wav", dir / "y.wav", 1.0), pv::InputError);
  EXPECT_FALSE(fs::exists(dir / "y.wav"));
}

TEST(LoudnessPlan, AnchorsTheRenderMeanAndGuardsTruePeak) {
  NormalizeOptions opt;
  const std::vector<SessionLevels> levels = {
      {"a", -20.0, -30.0, -12.0},  // render 2 LU above the mean -> target -21, gain +9
      {"b", -24.0, -18.0, -3.0},   // render 2 LU below -> target -25, gain -7
      {"c", -22.0, -40.0, -8.0},   // target -23, gain +17 would put the peak at +9 dBTP -> limited
  };
  const Plan p = plan(levels, opt);
  EXPECT_DOUBLE_EQ(p.render_mean_lufs, -22.0);
  EXPECT_DOUBLE_EQ(p.sessions[0].target_lufs, -21.0);
  EXPECT_DOUBLE_EQ(p.sessions[0].gain_db, 9.0);
  EXPECT_FALSE(p.sessions[0].limited);
  EXPECT_DOUBLE_EQ(p.sessions[1].gain_db, -7.0);
  EXPECT_TRUE(p.sessions[2].limited);
  EXPECT_NEAR(p.sessions[2].true_peak_dbtp + p.sessions[2].gain_db, -1.0 - opt.guard_margin_db, 1e-12);
  // The mean of the targets is the anchor.
  EXPECT_NEAR((p.sessions[0].target_lufs + p.sessions[1].target_lufs + p.sessions[2].target_lufs) / 3, -23.0, 1e-12);
  const auto j = to_json(p);
  EXPECT_EQ(j["sessions"].size(), 3u);
  EXPECT_EQ(j["limited_sessions"], 1);
  EXPECT_THROW(plan({}, opt), pv::Error);
  EXPECT_THROW(plan({{"s", -INFINITY, -20, -3}}, opt), pv::Error);
  EXPECT_THROW(plan({{"s", -20, -INFINITY, -3}}, opt), pv::Error);
}

// A small dataset: sessions whose recordings are their own renders at arbitrary levels (one with a
// click so loud that the true-peak guard must limit it).
struct Dataset {
  fs::path root;
  std::vector<std::string> ids;
};

pv::Performance scale_piece(int base_pitch, int velocity, double seconds) {
  pv::Performance perf;
  for (double t = 0.2; t < seconds - 1.0; t += 0.25) {
    const int k = static_cast<int>(t * 4) % 8;
    perf.notes.push_back({base_pitch + k, t, t + 0.4, t + 0.4, velocity});
  }
  perf.sort();
  return perf;
}

Dataset make_dataset(const fs::path& root, const std::vector<double>& gains_db, bool click_in_last) {
  Dataset d{root, {}};
  pv::meta::Metadata md;
  for (std::size_t i = 0; i < gains_db.size(); ++i) {
    pv::SessionMetadata rec;
    rec.record_time = "2024-01-0" + std::to_string(i + 1) + "_10-00-00";
    rec.split = "train";
    md.records.push_back({std::to_string(i), rec});
    d.ids.push_back(rec.record_time);
    const auto perf = scale_piece(48 + 7 * static_cast<int>(i), 30 + 25 * static_cast<int>(i), 8.0);
    fs::create_directories(root / "MIDI");
    fs::create_directories(root / "Audio");
    pv::midi::write(root / "MIDI" / (rec.record_time + ".mid"), perf);
    pv::audio::Signal s;
    s.sample_rate = 44100;
    s.samples = pv::synth::render(perf, 44100);
    const auto g = static_cast<float>(std::pow(10.0, gains_db[i] / 20.0));
    for (float& v : s.samples) v *= g;
    if (click_in_last && i + 1 == gains_db.size()) s.samples[44100] = 0.7f;
    pv::audio::write_wav(root / "Audio" / (rec.record_time + ".wav"), s);
  }
  pv::meta::write(root / "metadata.json", md);
  return d;
}

TEST(LoudnessNormalize, DatasetHitsTargetsAndNeverExceedsMinus1dBTP) {
  const auto dir = pvtest::temp_dir();
  const Dataset d = make_dataset(dir / "ds", {-6.0, -15.0, 3.0, -20.0}, true);
  const Plan p = normalize_dataset(d.root, dir / "out");
  ASSERT_EQ(p.sessions.size(), 4u);
  int limited = 0;
  for (const auto& s : p.sessions) {
    const auto m = measure_file(dir / "out" / "Audio" / (s.id + ".wav"));
    EXPECT_NEAR(m.integrated_lufs, s.output_lufs, 1e-9);
    EXPECT_LE(m.true_peak_dbtp, -1.0) << s.id;
    if (s.limited) {
      ++limited;
      EXPECT_LT(m.integrated_lufs, s.target_lufs);
    } else {
      EXPECT_NEAR(m.integrated_lufs, s.target_lufs, 0.1) << s.id;
    }
  }
  EXPECT_EQ(limited, 1);  // the session with the click
  EXPECT_TRUE(p.sessions.back().limited);
  // The targets keep the renders' spread around the -23 LUFS anchor.
  double mean_target = 0;
  for (const auto& s : p.sessions) mean_target += s.target_lufs / 4.0;
  EXPECT_NEAR(mean_target, -23.0, 1e-9);
  const auto report = nlohmann::json::parse(pv::read_file(dir / "out" / "loudness.json"));
  EXPECT_EQ(report["sessions"].size(), 4u);
  EXPECT_EQ(report["anchor_lufs"], -23.0);
}

TEST(LoudnessNormalize, BadSessionsNameTheFile) {
  const auto dir = pvtest::temp_dir();
  const Dataset d = make_dataset(dir / "ds", {-6.0, -10.0}, false);
  // Silent recording.
  pv::audio::Signal silent;
  silent.sample_rate = 44100;
  silent.samples.assign(44100 * 5, 0.0f);
  pv::audio::write_wav(d.root / "Audio" / (d.ids[1] + ".wav"), silent);
  try {
    normalize_dataset(d.root, dir / "out");
    ADD_FAILURE() << "no error for a silent recording";
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(d.ids[1] + ".wav"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("silent"), std::string::npos) << e.what();
  }
  // MIDI without notes.
  pv::midi::write(d.root / "MIDI" / (d.ids[0] + ".mid"), pv::Performance{});
  try {
    normalize_dataset(d.root, dir / "out2");
    ADD_FAILURE() << "no error for a MIDI without notes";
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(d.ids[0] + ".mid"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "out2" / "loudness.json"));
  // Missing audio.
  fs::remove(d.root / "Audio" / (d.ids[0] + ".wav"));
  EXPECT_THROW(normalize_dataset(d.root, dir / "out3"), pv::InputError);
}

}  // namespace
