// Mutation test: truncated, bit-flipped and box-corrupted MP4 files either probe/decode or throw
// pv::InputError; nothing else (no crash, no other exception), and decoding stays bounded.
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <fstream>
#include <random>

extern "C" {
#include <libavutil/log.h>
}

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/audio/audio.hpp"
#include "io/video/video.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {

struct Variant {
  std::string name;
  std::string bytes;
};

std::uint32_t get_u32be(const std::string& b, std::size_t at) {
  return (std::uint32_t(std::uint8_t(b[at])) << 24) | (std::uint32_t(std::uint8_t(b[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(b[at + 2])) << 8) | std::uint32_t(std::uint8_t(b[at + 3]));
}
void put_u32be(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
}

struct Box {
  std::size_t at;
  std::uint32_t size;
  std::string type;
};

// ISO BMFF boxes, descending into the usual containers.
void walk(const std::string& b, std::size_t from, std::size_t to, std::vector<Box>& out) {
  static const std::string containers[] = {"moov", "trak", "mdia", "minf", "stbl", "edts", "dinf"};
  std::size_t at = from;
  while (at + 8 <= to) {
    const std::uint32_t size = get_u32be(b, at);
    if (size < 8 || at + size > to) break;
    Box box{at, size, b.substr(at + 4, 4)};
    out.push_back(box);
    for (const auto& c : containers)
      if (box.type == c) walk(b, at + 8, at + size, out);
    at += size;
  }
}

std::vector<Variant> mutate(const std::string& base, const std::string& tag, unsigned seed) {
  std::vector<Variant> out;
  std::mt19937 rng(seed);
  std::vector<Box> boxes;
  walk(base, 0, base.size(), boxes);
  // Truncations: at every box boundary (and just inside it), then spread over the file.
  for (const Box& box : boxes)
    for (std::size_t n : {box.at, box.at + 5, box.at + box.size / 2})
      if (n < base.size()) out.push_back({tag + " truncated to " + std::to_string(n), base.substr(0, n)});
  for (int i = 0; i < 20; ++i) {
    const std::size_t n = std::uniform_int_distribution<std::size_t>(1, base.size() - 1)(rng);
    out.push_back({tag + " truncated to " + std::to_string(n), base.substr(0, n)});
  }
  // Bit flips: 1-8 bits; two thirds of the variants hit the header region (moov comes first).
  const std::size_t header = std::min<std::size_t>(base.size(), 2048);
  for (int i = 0; i < 60; ++i) {
    std::string b = base;
    const int bits = 1 + i % 8;
    std::string name = tag + " flipped";
    for (int k = 0; k < bits; ++k) {
      const std::size_t limit = i % 3 == 2 ? b.size() : header;
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, limit - 1)(rng);
      const int bit = std::uniform_int_distribution<int>(0, 7)(rng);
      b[at] = static_cast<char>(b[at] ^ (1 << bit));
      name += " " + std::to_string(at) + ":" + std::to_string(bit);
    }
    out.push_back({name, b});
  }
  // Box sizes and table entry counts set to extreme values.
  for (const Box& box : boxes) {
    for (std::uint32_t v : {0u, 1u, 7u, box.size + 1000, 0xFFFFFFFFu}) {
      std::string b = base;
      put_u32be(b, box.at, v);
      out.push_back({tag + " " + box.type + "@" + std::to_string(box.at) + " size=" + std::to_string(v), b});
    }
    const bool table = box.type == "stts" || box.type == "stsc" || box.type == "stco" || box.type == "stss" ||
                       box.type == "ctts" || box.type == "stsz" || box.type == "elst";
    if (table && box.size >= 20)
      for (std::uint32_t v : {0u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
        std::string b = base;
        put_u32be(b, box.at + (box.type == "stsz" ? 16 : 12), v);
        out.push_back({tag + " " + box.type + " count=" + std::to_string(v), b});
        if (box.type == "stsz") {  // constant sample size with a huge count
          std::string c = base;
          put_u32be(c, box.at + 12, 1);
          put_u32be(c, box.at + 16, v);
          out.push_back({tag + " stsz constant size, count=" + std::to_string(v), c});
        }
      }
  }
  return out;
}

// Probes, decodes every frame and reads the audio; returns true if the video decoded.
bool read_every_way(const fs::path& p, const std::string& name) {
  bool ok = true;
  try {
    const pv::video::VideoInfo info = pv::video::probe(p);
    EXPECT_GT(info.width, 0) << name;
    EXPECT_GT(info.height, 0) << name;
  } catch (const pv::InputError& e) {
    EXPECT_EQ(e.file(), p) << name;
    if (std::getenv("PV_MUTATION_VERBOSE")) std::cout << name << ": " << e.what() << "\n";
    ok = false;
  }
  try {
    pv::video::Decoder dec(p);
    pv::video::Frame f;
    std::int64_t n = 0;
    while (dec.next(f)) {
      EXPECT_EQ(f.rgb.size(), static_cast<std::size_t>(f.width) * f.height * 3) << name;
      ++n;
    }
    EXPECT_LE(n, 10000) << name << ": decoding must stay bounded";
  } catch (const pv::InputError& e) {
    EXPECT_EQ(e.file(), p) << name;
    if (std::getenv("PV_MUTATION_VERBOSE")) std::cout << name << ": " << e.what() << "\n";
    ok = false;
  }
  try {
    pv::audio::read_mono(p);
  } catch (const pv::InputError& e) {
    EXPECT_EQ(e.file(), p) << name;
  }
  return ok;
}

std::vector<std::uint8_t> frame_rgb(int w, int h, int i) {
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        rgb[(static_cast<std::size_t>(y) * w + x) * 3 + c] = static_cast<std::uint8_t>((x * 3 + y * 5 + i * 7 + c * 50) & 0xFF);
  return rgb;
}

}  // namespace

TEST(VideoMutation, CorruptMp4FilesProbeDecodeOrThrowInputError) {
  const auto dir = pvtest::temp_dir();
  const int log_level = av_log_get_level();
  av_log_set_level(AV_LOG_QUIET);  // FFmpeg's own complaints about the corrupt files are expected
  std::vector<Variant> variants;
  {
    std::vector<float> audio(16000);
    for (std::size_t i = 0; i < audio.size(); ++i) audio[i] = 0.4f * static_cast<float>(std::sin(0.1 * static_cast<double>(i)));
    for (bool with_audio : {true, false}) {
      pv::video::EncoderOptions opt;
      opt.width = 64;
      opt.height = 48;
      opt.fps = {15, 1};
      opt.audio = with_audio ? &audio : nullptr;
      opt.audio_rate = 16000;
      const fs::path base = dir / (with_audio ? "av.mp4" : "v.mp4");
      pv::video::Encoder enc(base, opt);
      for (int i = 0; i < 15; ++i) enc.add_frame(frame_rgb(64, 48, i).data());
      enc.finish();
      for (auto& v : mutate(pv::read_file(base), base.filename().string(), with_audio ? 11 : 12))
        variants.push_back(std::move(v));
    }
  }
  ASSERT_GE(variants.size(), 150u);
  int accepted = 0, rejected = 0;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const fs::path p = dir / ("v" + std::to_string(i) + ".mp4");
    std::ofstream(p, std::ios::binary) << variants[i].bytes;
    try {
      (read_every_way(p, variants[i].name) ? accepted : rejected)++;
    } catch (const std::exception& e) {
      ADD_FAILURE() << variants[i].name << ": unexpected exception type: " << e.what();
    }
    fs::remove(p);
  }
  av_log_set_level(log_level);
  std::cout << "[ info ] " << variants.size() << " MP4 variants: " << accepted << " decoded, " << rejected
            << " rejected with InputError\n";
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}
