// Video I/O: encode -> probe -> decode round trips, images, PNG, errors, real files.
#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include <png.h>

#include "core/error.hpp"
#include "io/audio/audio.hpp"
#include "io/video/video.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace pv::video;

namespace {

// Frame i of a synthetic clip: a smooth colour gradient, a bright square that moves 4 px per
// frame and a frame-dependent tint, so that neighbouring frames are clearly different.
std::vector<std::uint8_t> pattern(int w, int h, int i) {
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * h * 3);
  const int sx = 20 + 4 * i, sy = h / 2 - 20;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = &rgb[(static_cast<std::size_t>(y) * w + x) * 3];
      const bool square = x >= sx && x < sx + 40 && y >= sy && y < sy + 40;
      p[0] = square ? 240 : static_cast<std::uint8_t>(40 + 150 * x / w);
      p[1] = square ? 240 : static_cast<std::uint8_t>(40 + 150 * y / h);
      p[2] = static_cast<std::uint8_t>(30 + (37 * i) % 200);
    }
  return rgb;
}

double mean_abs_diff(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  double acc = 0;
  for (std::size_t i = 0; i < a.size(); ++i) acc += std::abs(int(a[i]) - int(b[i]));
  return acc / static_cast<double>(a.size());
}

std::vector<float> sine(int rate, double freq, double seconds) {
  std::vector<float> s(static_cast<std::size_t>(std::llround(rate * seconds)));
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = 0.5f * static_cast<float>(std::sin(2 * std::numbers::pi * freq * static_cast<double>(i) / rate));
  return s;
}

fs::path make_clip(const fs::path& file, int w, int h, int frames, pv::Rational fps, const std::vector<float>* audio,
                   int rate) {
  EncoderOptions opt;
  opt.width = w;
  opt.height = h;
  opt.fps = fps;
  opt.crf = 18;
  opt.audio = audio;
  opt.audio_rate = rate;
  Encoder enc(file, opt);
  for (int i = 0; i < frames; ++i) enc.add_frame(pattern(w, h, i).data());
  enc.finish();
  return file;
}

std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

}  // namespace

TEST(VideoRoundTrip, EncodeProbeDecodeWithAudio) {
  const auto dir = pvtest::temp_dir();
  const auto audio = sine(44100, 440.0, 2.0);
  const fs::path f = make_clip(dir / "clip.mp4", 320, 240, 60, {30, 1}, &audio, 44100);
  EXPECT_EQ(files_in(dir), 1u) << "only the finished file, no temp files";

  const VideoInfo info = probe(f);
  EXPECT_EQ(info.width, 320);
  EXPECT_EQ(info.height, 240);
  EXPECT_EQ(info.fps, (pv::Rational{30, 1}));
  EXPECT_EQ(info.frame_count, 60);
  EXPECT_TRUE(info.has_audio);
  EXPECT_NEAR(info.duration, 2.0, 1e-6);
  EXPECT_DOUBLE_EQ(info.start_time, 0.0);
  EXPECT_TRUE(info.codec == "h264" || info.codec == "mpeg4") << info.codec;

  Decoder dec(f);
  EXPECT_EQ(dec.info().frame_count, 60);
  Frame fr;
  int n = 0;
  while (dec.next(fr)) {
    ASSERT_EQ(fr.index, n);
    ASSERT_EQ(fr.width, 320);
    ASSERT_EQ(fr.height, 240);
    EXPECT_NEAR(fr.time, n / 30.0, 1e-9) << "frame " << n;
    EXPECT_NEAR(fr.time, info.time_base().frame_start(n), 1e-9);
    // Close to what was encoded, and clearly closer to its own source frame than to the neighbours.
    const double own = mean_abs_diff(fr.rgb, pattern(320, 240, n));
    EXPECT_LT(own, 3.0) << "frame " << n;
    if (n > 0) {
      EXPECT_LT(own * 2, mean_abs_diff(fr.rgb, pattern(320, 240, n - 1))) << "frame " << n;
    }
    if (n < 59) {
      EXPECT_LT(own * 2, mean_abs_diff(fr.rgb, pattern(320, 240, n + 1))) << "frame " << n;
    }
    ++n;
  }
  EXPECT_EQ(n, 60);
  EXPECT_FALSE(dec.next(fr)) << "end stays the end";

  // The audio track gives the sine back, at the right length and without a delay.
  const pv::audio::AudioInfo ai = pv::audio::probe(f);
  EXPECT_EQ(ai.codec, "aac");
  EXPECT_EQ(ai.sample_rate, 44100);
  const pv::audio::Signal s = pv::audio::read_mono(f);
  EXPECT_EQ(s.sample_rate, 44100);
  EXPECT_EQ(s.samples.size(), 88200u);
  double dot = 0, ss = 0, aa = 0;
  for (std::size_t i = 4410; i < 83790; ++i) {
    dot += double(s.samples[i]) * audio[i];
    ss += double(s.samples[i]) * s.samples[i];
    aa += double(audio[i]) * audio[i];
  }
  EXPECT_GT(dot / std::sqrt(ss * aa), 0.99) << "decoded audio is aligned with the original sine";
}

TEST(VideoRoundTrip, NtscRateAndNoAudio) {
  const auto dir = pvtest::temp_dir();
  const fs::path f = make_clip(dir / "ntsc.mp4", 96, 64, 30, {30000, 1001}, nullptr, 0);
  const VideoInfo info = probe(f);
  EXPECT_EQ(info.fps, (pv::Rational{30000, 1001}));
  EXPECT_EQ(info.frame_count, 30);
  EXPECT_FALSE(info.has_audio);
  Decoder dec(f);
  Frame fr;
  int n = 0;
  while (dec.next(fr)) {
    EXPECT_NEAR(fr.time, n * 1001.0 / 30000.0, 1e-9);
    ++n;
  }
  EXPECT_EQ(n, 30);
  try {
    pv::audio::read_mono(f);
    ADD_FAILURE() << "a video without audio must not read as audio";
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no audio stream"), std::string::npos) << e.what();
  }
}

TEST(VideoEncoder, Mpeg4Fallback) {
  const auto dir = pvtest::temp_dir();
  EncoderOptions opt;
  opt.width = 160;
  opt.height = 120;
  opt.fps = {25, 1};
  opt.codec = "mpeg4";
  {
    Encoder enc(dir / "m4.mp4", opt);
    EXPECT_EQ(enc.codec(), "mpeg4");
    for (int i = 0; i < 25; ++i) enc.add_frame(pattern(160, 120, i).data());
    enc.finish();
  }
  const VideoInfo info = probe(dir / "m4.mp4");
  EXPECT_EQ(info.codec, "mpeg4");
  EXPECT_EQ(info.frame_count, 25);
  EXPECT_EQ(info.fps, (pv::Rational{25, 1}));
  Decoder dec(dir / "m4.mp4");
  Frame fr;
  int n = 0;
  while (dec.next(fr)) {
    EXPECT_NEAR(fr.time, n / 25.0, 1e-9);
    EXPECT_LT(mean_abs_diff(fr.rgb, pattern(160, 120, n)), 4.0) << "frame " << n;
    ++n;
  }
  EXPECT_EQ(n, 25);
  opt.codec = "prores";
  EXPECT_THROW(Encoder(dir / "x.mp4", opt), pv::Error);
}

TEST(VideoEncoder, UnfinishedEncoderLeavesNothingAndBadOptionsThrow) {
  const auto dir = pvtest::temp_dir();
  {
    EncoderOptions opt;
    opt.width = 64;
    opt.height = 48;
    Encoder enc(dir / "half.mp4", opt);
    enc.add_frame(pattern(64, 48, 0).data());
  }
  EXPECT_EQ(files_in(dir), 0u);
  EncoderOptions odd;
  odd.width = 63;
  odd.height = 48;
  EXPECT_THROW(Encoder(dir / "odd.mp4", odd), pv::Error);
  EncoderOptions nofps;
  nofps.fps = {0, 1};
  EXPECT_THROW(Encoder(dir / "nofps.mp4", nofps), pv::Error);
  EXPECT_EQ(files_in(dir), 0u);
}

TEST(VideoImage, PngWriteReadIsLossless) {
  const auto dir = pvtest::temp_dir();
  const auto rgb = pattern(77, 31, 3);  // odd sizes are fine for images
  write_png(dir / "a.png", 77, 31, rgb.data());
  const Frame f = read_image(dir / "a.png");
  ASSERT_EQ(f.width, 77);
  ASSERT_EQ(f.height, 31);
  EXPECT_EQ(f.rgb, rgb);
  const VideoInfo info = probe(dir / "a.png");
  EXPECT_EQ(info.frame_count, 1);
  EXPECT_EQ(info.codec, "png");
  // Also readable without a telling extension (content probing).
  fs::copy_file(dir / "a.png", dir / "noext");
  EXPECT_EQ(read_image(dir / "noext").rgb, rgb);
}

// Other PNG layouts (grey, RGBA, 16-bit) written with libpng's simplified API read as RGB24.
TEST(VideoImage, GreyAlphaAnd16BitPngs) {
  const auto dir = pvtest::temp_dir();
  const int w = 33, h = 17;
  auto write = [&](const fs::path& p, png_uint_32 format, const void* data) {
    png_image img{};
    img.version = PNG_IMAGE_VERSION;
    img.width = w;
    img.height = h;
    img.format = format;
    ASSERT_NE(png_image_write_to_file(&img, p.c_str(), 0, data, 0, nullptr), 0) << img.message;
  };
  std::vector<std::uint8_t> grey(w * h), rgba(w * h * 4);
  std::vector<std::uint16_t> rgb16(w * h * 3);
  for (int i = 0; i < w * h; ++i) {
    grey[i] = static_cast<std::uint8_t>(i * 3);
    for (int c = 0; c < 4; ++c) rgba[i * 4 + c] = static_cast<std::uint8_t>(c == 3 ? 255 : i * (c + 1));
    for (int c = 0; c < 3; ++c) rgb16[i * 3 + c] = static_cast<std::uint16_t>((i * 97 + c * 5000) & 0xFFFF);
  }
  write(dir / "grey.png", PNG_FORMAT_GRAY, grey.data());
  write(dir / "rgba.png", PNG_FORMAT_RGBA, rgba.data());
  // 16-bit: the simplified API writes linear data with the sRGB curve; only check size and order.
  write(dir / "rgb16.png", PNG_FORMAT_LINEAR_RGB, rgb16.data());
  const Frame g = read_image(dir / "grey.png");
  ASSERT_EQ(g.rgb.size(), std::size_t(w * h * 3));
  for (int i = 0; i < w * h; ++i)
    for (int c = 0; c < 3; ++c) ASSERT_EQ(g.rgb[i * 3 + c], grey[i]) << i;
  const Frame a = read_image(dir / "rgba.png");
  ASSERT_EQ(a.rgb.size(), std::size_t(w * h * 3));
  for (int i = 0; i < w * h; ++i)
    for (int c = 0; c < 3; ++c) ASSERT_EQ(a.rgb[i * 3 + c], rgba[i * 4 + c]) << i;
  const Frame d = read_image(dir / "rgb16.png");
  EXPECT_EQ(d.width, w);
  EXPECT_EQ(d.height, h);
  EXPECT_EQ(d.rgb.size(), std::size_t(w * h * 3));
}

TEST(VideoErrors, BadFilesGiveInputErrorsNamingTheFile) {
  const auto dir = pvtest::temp_dir();
  auto expect_input_error = [](const fs::path& p, const std::string& what) {
    try {
      probe(p);
      ADD_FAILURE() << "no error for " << p;
    } catch (const pv::InputError& e) {
      EXPECT_EQ(e.file(), p);
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
    EXPECT_THROW(Decoder{p}, pv::InputError);
    EXPECT_THROW(read_image(p), pv::InputError);
  };
  expect_input_error(dir / "missing.mp4", "not found");
  std::ofstream(dir / "text.mp4") << "hello, not a video\n";
  expect_input_error(dir / "text.mp4", "text.mp4");
  std::ofstream(dir / "empty.mp4").close();
  expect_input_error(dir / "empty.mp4", "empty.mp4");
  pv::audio::write_wav(dir / "sound.wav", pv::audio::Signal{8000, std::vector<float>(800, 0.1f)});
  expect_input_error(dir / "sound.wav", "no video stream");
}

// ---- real data -------------------------------------------------------------------------------

TEST(VideoReal, HandVideoProbesAndDecodesAllFrames) {
  PV_REQUIRE_SHARED("hand-video/9.senfoni_righthand_sena.mp4");
  const fs::path f = pvtest::shared_data() / "hand-video/9.senfoni_righthand_sena.mp4";
  const VideoInfo info = probe(f);
  EXPECT_EQ(info.width, 848);
  EXPECT_EQ(info.height, 480);
  EXPECT_EQ(info.fps, (pv::Rational{30, 1}));
  EXPECT_EQ(info.frame_count, 334);
  EXPECT_TRUE(info.has_audio);
  EXPECT_EQ(info.codec, "h264");
  EXPECT_NEAR(info.duration, 11.13, 0.02);
  Decoder dec(f);
  Frame fr;
  int n = 0;
  double prev = -1;
  double luma = 0;
  while (dec.next(fr)) {
    ASSERT_EQ(fr.index, n);
    ASSERT_EQ(fr.width, 848);
    ASSERT_EQ(fr.height, 480);
    ASSERT_EQ(fr.rgb.size(), 848u * 480 * 3);
    ASSERT_GT(fr.time, prev) << "timestamps increase, frame " << n;
    EXPECT_NEAR(fr.time, n / 30.0, 0.05) << "roughly on the 30 fps grid, frame " << n;
    prev = fr.time;
    if (n == 90)
      for (auto v : fr.rgb) luma += v;
    ++n;
  }
  EXPECT_EQ(n, 334);
  EXPECT_DOUBLE_EQ(dec.info().start_time, 0.0);
  EXPECT_GT(luma / (848.0 * 480 * 3), 20.0) << "frame 90 is a real picture, not black";
}

TEST(VideoReal, HandImagesHaveTheirIndexedSizes) {
  PV_REQUIRE_SHARED("hand-images/index.csv");
  const fs::path dir = pvtest::shared_data() / "hand-images";
  std::ifstream idx(dir / "index.csv");
  std::string line;
  std::getline(idx, line);
  int n = 0;
  while (std::getline(idx, line)) {
    std::istringstream in(line);
    std::string file, cls, w, h;
    std::getline(in, file, ',');
    std::getline(in, cls, ',');
    std::getline(in, w, ',');
    std::getline(in, h, ',');
    const Frame f = read_image(dir / file);
    EXPECT_EQ(f.width, std::stoi(w)) << file;
    EXPECT_EQ(f.height, std::stoi(h)) << file;
    ASSERT_EQ(f.rgb.size(), static_cast<std::size_t>(f.width) * f.height * 3);
    const VideoInfo info = probe(dir / file);
    EXPECT_EQ(info.frame_count, 1) << file;
    EXPECT_EQ(info.codec, "mjpeg") << file;
    ++n;
  }
  EXPECT_EQ(n, 40);
}

// ---- other containers (remuxed with libavformat, no re-encoding) -----------------------------
extern "C" {
#include <libavformat/avformat.h>
}

static void remux(const fs::path& in, const fs::path& out, const char* format) {
  AVFormatContext* ic = nullptr;
  ASSERT_EQ(avformat_open_input(&ic, in.c_str(), nullptr, nullptr), 0);
  ASSERT_GE(avformat_find_stream_info(ic, nullptr), 0);
  AVFormatContext* oc = nullptr;
  ASSERT_GE(avformat_alloc_output_context2(&oc, nullptr, format, out.c_str()), 0);
  for (unsigned i = 0; i < ic->nb_streams; ++i) {
    AVStream* st = avformat_new_stream(oc, nullptr);
    ASSERT_GE(avcodec_parameters_copy(st->codecpar, ic->streams[i]->codecpar), 0);
    st->codecpar->codec_tag = 0;
    st->time_base = ic->streams[i]->time_base;
  }
  ASSERT_GE(avio_open(&oc->pb, out.c_str(), AVIO_FLAG_WRITE), 0);
  ASSERT_GE(avformat_write_header(oc, nullptr), 0);
  AVPacket* pkt = av_packet_alloc();
  while (av_read_frame(ic, pkt) >= 0) {
    av_packet_rescale_ts(pkt, ic->streams[pkt->stream_index]->time_base, oc->streams[pkt->stream_index]->time_base);
    pkt->pos = -1;
    ASSERT_GE(av_interleaved_write_frame(oc, pkt), 0);
  }
  av_packet_free(&pkt);
  ASSERT_GE(av_write_trailer(oc), 0);
  avio_closep(&oc->pb);
  avformat_free_context(oc);
  avformat_close_input(&ic);
}

TEST(VideoContainers, MatroskaAndMovCountFramesAndCarryAudio) {
  const auto dir = pvtest::temp_dir();
  const auto audio = sine(48000, 440.0, 2.0);
  const fs::path mp4 = make_clip(dir / "clip.mp4", 160, 120, 60, {30, 1}, &audio, 48000);
  remux(mp4, dir / "clip.mkv", "matroska");
  remux(mp4, dir / "clip.mov", "mov");
  for (const char* name : {"clip.mkv", "clip.mov"}) {
    const fs::path f = dir / name;
    const VideoInfo info = probe(f);
    EXPECT_EQ(info.frame_count, 60) << name;  // Matroska stores no frame count: counted from packets
    EXPECT_EQ(info.fps, (pv::Rational{30, 1})) << name;
    EXPECT_TRUE(info.has_audio) << name;
    Decoder dec(f);
    Frame fr;
    int n = 0;
    while (dec.next(fr)) {
      // Matroska: millisecond timestamps, shifted so that the AAC priming is not negative.
      EXPECT_NEAR(fr.time, info.start_time + n / 30.0, 1e-3) << name << " frame " << n;
      EXPECT_LT(mean_abs_diff(fr.rgb, pattern(160, 120, n)), 3.0) << name << " frame " << n;
      ++n;
    }
    EXPECT_EQ(n, 60) << name;
    const pv::audio::AudioInfo ai = pv::audio::probe(f);
    EXPECT_EQ(ai.codec, "aac") << name;
    EXPECT_EQ(ai.container, std::string(name).substr(5) == "mkv" ? "matroska" : "mov") << name;
    const pv::audio::Signal s = pv::audio::read_mono(f, 16000);
    EXPECT_EQ(s.sample_rate, 16000);
    EXPECT_NEAR(s.duration(), 2.0, 0.03) << name;
  }
}
