// Audio I/O: WAV/FLAC/OGG round trips, mixdown, resampling, errors, real files.
#include <sndfile.h>
#include <soxr.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>

#include "core/error.hpp"
#include "io/audio/audio.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace pv::audio;

namespace {

std::vector<float> sine(int rate, double freq, double seconds, float amp = 0.5f) {
  std::vector<float> s(static_cast<std::size_t>(std::llround(rate * seconds)));
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = amp * static_cast<float>(std::sin(2 * std::numbers::pi * freq * static_cast<double>(i) / rate));
  return s;
}

// Frequency from upward zero crossings over the middle half (avoids edge effects).
double zero_crossing_freq(const std::vector<float>& s, int rate) {
  const std::size_t a = s.size() / 4, b = 3 * s.size() / 4;
  double first = -1, last = -1;
  int crossings = 0;
  for (std::size_t i = a; i + 1 < b; ++i) {
    if (s[i] < 0 && s[i + 1] >= 0) {
      const double t = static_cast<double>(i) + s[i] / (s[i] - s[i + 1]);
      if (first < 0) first = t;
      last = t;
      ++crossings;
    }
  }
  return crossings > 1 ? (crossings - 1) * rate / (last - first) : 0.0;
}

double rms(const std::vector<float>& s, std::size_t a, std::size_t b) {
  double acc = 0;
  for (std::size_t i = a; i < b; ++i) acc += double(s[i]) * s[i];
  return std::sqrt(acc / static_cast<double>(b - a));
}

std::vector<float> noise(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> s(n);
  for (auto& v : s) v = u(rng);
  return s;
}

std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

}  // namespace

TEST(AudioWav, Pcm16RoundTripWithinQuantisation) {
  const auto dir = pvtest::temp_dir();
  Signal s{44100, noise(44100, 1)};
  s.samples[0] = 1.0f;  // full scale clips to 32767
  s.samples[1] = -1.0f;
  write_wav(dir / "a.wav", s);
  const AudioInfo info = probe(dir / "a.wav");
  EXPECT_EQ(info.sample_rate, 44100);
  EXPECT_EQ(info.channels, 1);
  EXPECT_EQ(info.frames, 44100);
  EXPECT_DOUBLE_EQ(info.duration, 1.0);
  EXPECT_EQ(info.codec, "pcm_s16le");
  EXPECT_EQ(info.container, "wav");
  const Signal r = read_mono(dir / "a.wav");
  ASSERT_EQ(r.sample_rate, 44100);
  ASSERT_EQ(r.samples.size(), s.samples.size());
  for (std::size_t i = 2; i < s.samples.size(); ++i)
    ASSERT_NEAR(r.samples[i], s.samples[i], 0.5 / 32768 + 1e-7) << "sample " << i;
  EXPECT_NEAR(r.samples[0], 32767.0 / 32768, 1e-7);
  EXPECT_FLOAT_EQ(r.samples[1], -1.0f);
  EXPECT_EQ(files_in(dir), 1u) << "no temp files left behind";
}

TEST(AudioWav, Pcm24AndFloatRoundTrips) {
  const auto dir = pvtest::temp_dir();
  Signal s{48000, noise(4800, 2)};
  write_wav(dir / "p24.wav", s, WavFormat::Pcm24);
  write_wav(dir / "f32.wav", s, WavFormat::Float32);
  EXPECT_EQ(probe(dir / "p24.wav").codec, "pcm_s24le");
  EXPECT_EQ(probe(dir / "f32.wav").codec, "pcm_f32le");
  const Signal a = read_mono(dir / "p24.wav"), b = read_mono(dir / "f32.wav");
  ASSERT_EQ(a.samples.size(), s.samples.size());
  ASSERT_EQ(b.samples.size(), s.samples.size());
  for (std::size_t i = 0; i < s.samples.size(); ++i) {
    ASSERT_NEAR(a.samples[i], s.samples[i], 0.5 / 8388608 + 1e-8);
    ASSERT_EQ(b.samples[i], s.samples[i]);
  }
}

TEST(AudioWav, StereoIsMixedToTheChannelMean) {
  const auto dir = pvtest::temp_dir();
  Signal st{22050, {}, 2};
  const auto l = noise(1000, 3), r = noise(1000, 4);
  for (std::size_t i = 0; i < l.size(); ++i) {
    st.samples.push_back(l[i]);
    st.samples.push_back(r[i]);
  }
  write_wav(dir / "st.wav", st, WavFormat::Float32);
  EXPECT_EQ(probe(dir / "st.wav").channels, 2);
  const Signal m = read_mono(dir / "st.wav");
  EXPECT_EQ(m.channels, 1);
  ASSERT_EQ(m.samples.size(), l.size());
  for (std::size_t i = 0; i < l.size(); ++i) ASSERT_NEAR(m.samples[i], 0.5f * (l[i] + r[i]), 1e-6);
}

TEST(AudioWav, OverwritesAtomicallyAndRejectsBadSignals) {
  const auto dir = pvtest::temp_dir();
  write_wav(dir / "x.wav", Signal{8000, std::vector<float>(80, 0.25f)});
  write_wav(dir / "x.wav", Signal{8000, std::vector<float>(160, 0.5f)});
  EXPECT_EQ(read_mono(dir / "x.wav").samples.size(), 160u);
  Signal bad{8000, {0.0f, std::nanf(""), 0.0f}};
  EXPECT_THROW(write_wav(dir / "x.wav", bad), pv::Error);
  EXPECT_THROW(write_wav(dir / "y.wav", Signal{0, {0.0f}}), pv::Error);
  EXPECT_EQ(read_mono(dir / "x.wav").samples.size(), 160u) << "failed write must keep the old file";
  EXPECT_EQ(files_in(dir), 1u);
}

TEST(AudioResample, HalvingRatePreservesFrequencyAndLength) {
  const Signal in{44100, sine(44100, 1000.0, 2.0)};
  const Signal out = resample(in, 22050);
  EXPECT_EQ(out.sample_rate, 22050);
  EXPECT_EQ(out.samples.size(), 44100u);
  EXPECT_NEAR(out.duration(), in.duration(), 1e-9);
  EXPECT_NEAR(zero_crossing_freq(out.samples, 22050), 1000.0, 0.05);
  EXPECT_NEAR(rms(out.samples, 2000, 42000), 0.5 / std::sqrt(2.0), 1e-3);
  // Phase is kept (no delay): compare with the ideal sine at the new rate.
  const auto ideal = sine(22050, 1000.0, 2.0);
  for (std::size_t i = 1000; i < 43000; i += 97) ASSERT_NEAR(out.samples[i], ideal[i], 2e-3) << i;
}

TEST(AudioResample, UpAndNonIntegerRatios) {
  const Signal in{48000, sine(48000, 440.0, 1.0)};
  const Signal down = resample(in, 44100);
  EXPECT_EQ(down.samples.size(), 44100u);
  EXPECT_NEAR(zero_crossing_freq(down.samples, 44100), 440.0, 0.05);
  const Signal up = resample(down, 96000);
  EXPECT_EQ(up.samples.size(), 96000u);
  EXPECT_NEAR(zero_crossing_freq(up.samples, 96000), 440.0, 0.05);
  EXPECT_EQ(resample(Signal{8000, {}}, 16000).samples.size(), 0u);
  EXPECT_THROW(resample(in, 0), pv::Error);
  EXPECT_THROW(resample(Signal{0, {1.0f}}, 8000), pv::Error);
}

TEST(AudioRead, ResamplesOnRead) {
  const auto dir = pvtest::temp_dir();
  write_wav(dir / "s.wav", Signal{44100, sine(44100, 1000.0, 2.0)}, WavFormat::Float32);
  const Signal r = read_mono(dir / "s.wav", 22050);
  EXPECT_EQ(r.sample_rate, 22050);
  EXPECT_EQ(r.samples.size(), 44100u);
  EXPECT_NEAR(zero_crossing_freq(r.samples, 22050), 1000.0, 0.05);
}

// Reference: one soxr_oneshot call (VHQ) over the whole signal, padded/cut to round(n * rate / in_rate).
static std::vector<float> oneshot(const Signal& in, int rate) {
  const std::size_t frames = in.samples.size() / in.channels;
  const auto want = static_cast<std::size_t>(std::llround(double(frames) * rate / in.sample_rate));
  std::vector<float> out(want * in.channels);
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
  std::size_t done = 0;
  EXPECT_EQ(soxr_oneshot(in.sample_rate, rate, in.channels, in.samples.data(), frames, nullptr, out.data(), want,
                         &done, &io, &q, nullptr),
            nullptr);
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(done * in.channels), out.end(), 0.0f);
  return out;
}

TEST(AudioResample, BlockwiseEqualsOneShotConversion) {
  // Long enough for several soxr blocks; stereo and a non-integer ratio.
  Signal in{48000, noise(2 * 300007, 3), 2};
  for (int rate : {44100, 22050, 96000}) {
    const Signal out = resample(in, rate);
    const auto ref = oneshot(in, rate);
    ASSERT_EQ(out.samples.size(), ref.size()) << rate;
    EXPECT_TRUE(out.samples == ref) << "differs from soxr_oneshot at " << rate << " Hz";
  }
}

// Interleaved float samples written with libsndfile directly (write_wav refuses NaN and overflow).
static void write_sndfile(const fs::path& p, int format, const std::vector<float>& s, int rate, int channels = 1) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(p.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  const auto frames = static_cast<sf_count_t>(s.size() / channels);
  ASSERT_EQ(sf_writef_float(f, s.data(), frames), frames);
  sf_close(f);
}

TEST(AudioRead, StreamedResamplingEqualsReadThenResample) {
  // Stereo float WAV longer than one read block (2^20 samples): mixdown + resampling block by block
  // must give exactly the whole-signal result.
  const auto dir = pvtest::temp_dir();
  Signal st{44100, noise(2 * 700001, 4), 2};
  for (auto& v : st.samples) v *= 0.5f;
  write_wav(dir / "st.wav", st, WavFormat::Float32);
  const Signal native = read_mono(dir / "st.wav");
  ASSERT_EQ(native.samples.size(), 700001u);
  for (int rate : {22050, 48000}) {
    const Signal direct = read_mono(dir / "st.wav", rate);
    const Signal after = resample(native, rate);
    EXPECT_EQ(direct.sample_rate, rate);
    ASSERT_EQ(direct.samples.size(), after.samples.size()) << rate;
    EXPECT_TRUE(direct.samples == after.samples) << rate;
  }
  // A NaN in a later block is still found, with or without resampling.
  Signal bad{44100, std::vector<float>(1'500'000, 0.25f)};
  bad.samples[1'400'000] = std::nanf("");
  write_sndfile(dir / "nan.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, bad.samples, 44100);
  // Stereo samples near FLT_MAX whose channel sum overflows: the mixdown is infinite.
  write_sndfile(dir / "huge.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, std::vector<float>(2 * 1000, 3e38f), 44100, 2);
  for (const char* name : {"nan.wav", "huge.wav"})
    for (int rate : {0, 22050}) {
      try {
        read_mono(dir / name, rate);
        ADD_FAILURE() << name << " accepted at rate " << rate;
      } catch (const pv::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
      }
    }
}

// FLAC and Ogg Vorbis written with libsndfile directly, read back through pv::audio.
TEST(AudioRead, FlacAndOgg) {
  const auto dir = pvtest::temp_dir();
  const auto s = sine(44100, 440.0, 1.0);
  write_sndfile(dir / "a.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, s, 44100);
  write_sndfile(dir / "a.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, s, 44100);
  const AudioInfo fi = probe(dir / "a.flac");
  EXPECT_EQ(fi.container, "flac");
  EXPECT_EQ(fi.codec, "flac");
  const Signal f = read_mono(dir / "a.flac");
  ASSERT_EQ(f.samples.size(), s.size());
  for (std::size_t i = 0; i < s.size(); ++i) ASSERT_NEAR(f.samples[i], s[i], 1.0 / 32768 + 1e-6);
  const AudioInfo oi = probe(dir / "a.ogg");
  EXPECT_EQ(oi.container, "ogg");
  EXPECT_EQ(oi.codec, "vorbis");
  const Signal o = read_mono(dir / "a.ogg");
  EXPECT_EQ(o.sample_rate, 44100);
  EXPECT_NEAR(static_cast<double>(o.samples.size()), s.size(), 2048);
  EXPECT_NEAR(zero_crossing_freq(o.samples, 44100), 440.0, 0.5);
}

TEST(AudioErrors, MissingUnreadableAndEmptyFilesNameTheFile) {
  const auto dir = pvtest::temp_dir();
  auto expect_input_error = [](const fs::path& p) {
    try {
      read_mono(p);
      ADD_FAILURE() << "no error for " << p;
    } catch (const pv::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
      EXPECT_EQ(e.file(), p);
    }
    EXPECT_THROW(probe(p), pv::InputError);
  };
  expect_input_error(dir / "missing.wav");
  std::ofstream(dir / "text.wav") << "this is not audio\n";
  expect_input_error(dir / "text.wav");
  std::ofstream(dir / "empty.wav").close();
  expect_input_error(dir / "empty.wav");
  fs::create_directories(dir / "folder.wav");
  expect_input_error(dir / "folder.wav");
  EXPECT_THROW(read_mono(dir / "text.wav", -5), pv::UsageError);
}

// ---- real data -------------------------------------------------------------------------------

TEST(AudioReal, ImpulseResponsesMatchTheirIndex) {
  PV_REQUIRE_SHARED("impulse-responses");
  const fs::path dir = pvtest::shared_data() / "impulse-responses";
  std::ifstream idx(dir / "index.csv");
  std::string line;
  std::getline(idx, line);
  int checked = 0;
  while (std::getline(idx, line)) {
    // file,original_name,"room",...,sample_rate_hz,bits,channels,duration_s,...: split respecting quotes.
    std::vector<std::string> col;
    std::string cur;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) col.push_back(std::exchange(cur, {}));
      else cur += c;
    }
    col.push_back(cur);
    ASSERT_GE(col.size(), 9u) << line;
    const fs::path f = dir / col[0];
    const int rate = std::stoi(col[5]), channels = std::stoi(col[7]);
    const double duration = std::stod(col[8]);
    const AudioInfo info = probe(f);
    EXPECT_EQ(info.sample_rate, rate) << f;
    EXPECT_EQ(info.channels, channels) << f;
    EXPECT_NEAR(info.duration, duration, 1e-3) << f;
    EXPECT_EQ(info.codec, col[6] == "24" ? "pcm_s24le" : "pcm_s16le") << f;
    const Signal s = read_mono(f);
    ASSERT_EQ(s.sample_rate, rate);
    ASSERT_EQ(static_cast<std::int64_t>(s.samples.size()), info.frames);
    // A single direct-sound peak in the first 40 ms (index.csv / README).
    std::size_t peak = 0;
    for (std::size_t i = 0; i < s.samples.size(); ++i)
      if (std::abs(s.samples[i]) > std::abs(s.samples[peak])) peak = i;
    EXPECT_LT(static_cast<double>(peak) / rate, 0.040) << f;
    EXPECT_GT(std::abs(s.samples[peak]), 0.05f) << f;
    // Resampled to 44.1 kHz the duration is kept.
    const Signal r = read_mono(f, 44100);
    EXPECT_NEAR(r.duration(), info.duration, 1.0 / 44100) << f;
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST(AudioReal, VideoAudioTrackReadsAt48k) {
  PV_REQUIRE_SHARED("hand-video/9.senfoni_righthand_sena.mp4");
  const fs::path f = pvtest::shared_data() / "hand-video/9.senfoni_righthand_sena.mp4";
  const AudioInfo info = probe(f);
  EXPECT_EQ(info.sample_rate, 48000);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.codec, "aac");
  EXPECT_EQ(info.container, "mp4");
  EXPECT_NEAR(info.duration, 11.147, 0.01);
  const Signal s = read_mono(f);
  EXPECT_EQ(s.sample_rate, 48000);
  EXPECT_EQ(s.channels, 1);
  // Samples are placed at their packets' timestamps (this file has a 1978-sample gap after its first
  // AAC frame), so the signal spans exactly the stream's duration.
  EXPECT_NEAR(static_cast<double>(s.samples.size()), static_cast<double>(info.frames), 2.0);
  EXPECT_GT(rms(s.samples, 0, s.samples.size()), 1e-4) << "the recording is not silent";
}

TEST(AudioReal, StereoPianoRecording) {
  PV_REQUIRE_SHARED("real-audio/stereo_sample.wav");
  const fs::path f = pvtest::shared_data() / "real-audio/stereo_sample.wav";
  const AudioInfo info = probe(f);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.sample_rate, 44100);
  const Signal s = read_mono(f, 22050);
  EXPECT_EQ(s.sample_rate, 22050);
  EXPECT_NEAR(s.duration(), info.duration, 1.0 / 22050);
  EXPECT_NEAR(info.duration, 4.15, 0.01);
}
