// Mutation test: truncated, bit-flipped and header-corrupted WAV files either read or throw
// pv::InputError; nothing else (no crash, no other exception, no absurd output).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <fstream>
#include <random>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/audio/audio.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace pv::audio;

namespace {

struct Variant {
  std::string name;
  std::string bytes;
};

void put_u32(std::string& b, std::size_t at, std::uint32_t v) {
  if (at + 4 > b.size()) return;
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_u16(std::string& b, std::size_t at, std::uint16_t v) {
  if (at + 2 > b.size()) return;
  b[at] = static_cast<char>(v & 0xFF);
  b[at + 1] = static_cast<char>(v >> 8);
}

std::vector<Variant> mutate(const std::string& base, const std::string& tag, unsigned seed) {
  std::vector<Variant> out;
  std::mt19937 rng(seed);
  // Truncations: every header byte boundary, then spread over the data.
  for (std::size_t n : {0, 1, 4, 8, 11, 12, 16, 20, 24, 30, 36, 40, 43, 44, 45, 46, 47, 48})
    if (n < base.size()) out.push_back({tag + " truncated to " + std::to_string(n), base.substr(0, n)});
  for (int i = 0; i < 12; ++i) {
    const std::size_t n = std::uniform_int_distribution<std::size_t>(48, base.size() - 1)(rng);
    out.push_back({tag + " truncated to " + std::to_string(n), base.substr(0, n)});
  }
  // Bit flips: 1-4 bits, two thirds of them in the 44-byte header.
  for (int i = 0; i < 45; ++i) {
    std::string b = base;
    const int bits = 1 + i % 4;
    std::string name = tag + " flipped";
    for (int k = 0; k < bits; ++k) {
      const std::size_t limit = i % 3 == 2 ? b.size() : 44;
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, limit - 1)(rng);
      const int bit = std::uniform_int_distribution<int>(0, 7)(rng);
      b[at] = static_cast<char>(b[at] ^ (1 << bit));
      name += " " + std::to_string(at) + ":" + std::to_string(bit);
    }
    out.push_back({name, b});
  }
  // Header fields set to extreme values (canonical 44-byte layout).
  struct Field {
    const char* name;
    std::size_t at;
    int width;
  };
  const Field fields[] = {{"riff size", 4, 4},    {"fmt size", 16, 4},    {"format tag", 20, 2},
                          {"channels", 22, 2},    {"sample rate", 24, 4}, {"byte rate", 28, 4},
                          {"block align", 32, 2}, {"bits", 34, 2},        {"data size", 40, 4}};
  for (const Field& f : fields)
    for (std::uint32_t v : {0u, 1u, 3u, 0xFFFFu, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
      if (f.width == 2 && v > 0xFFFF) continue;
      std::string b = base;
      if (f.width == 4)
        put_u32(b, f.at, v);
      else
        put_u16(b, f.at, static_cast<std::uint16_t>(v));
      out.push_back({tag + " " + f.name + "=" + std::to_string(v), b});
    }
  return out;
}

// Reads a variant every way the library offers; returns true if it was accepted.
bool read_every_way(const fs::path& p, const std::string& name) {
  bool ok = true;
  try {
    const AudioInfo info = probe(p);
    EXPECT_GT(info.sample_rate, 0) << name;
    EXPECT_GT(info.channels, 0) << name;
    EXPECT_GE(info.frames, 0) << name;
  } catch (const pv::InputError& e) {
    EXPECT_EQ(e.file(), p) << name;
    if (std::getenv("PV_MUTATION_VERBOSE")) std::cout << name << ": " << e.what() << "\n";
    ok = false;
  }
  for (int rate : {0, 16000}) {
    try {
      const Signal s = read_mono(p, rate);
      EXPECT_GT(s.sample_rate, 0) << name;
      EXPECT_EQ(s.channels, 1) << name;
      EXPECT_TRUE(std::all_of(s.samples.begin(), s.samples.end(), [](float v) { return std::isfinite(v); })) << name;
    } catch (const pv::InputError& e) {
      EXPECT_EQ(e.file(), p) << name;
      ok = false;
    }
  }
  return ok;
}

}  // namespace

TEST(AudioMutation, CorruptWavFilesReadOrThrowInputError) {
  const auto dir = pvtest::temp_dir();
  std::vector<Variant> variants;
  {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-0.9f, 0.9f);
    const Signal stereo{22050, std::vector<float>(2 * 4410), 2};
    Signal st = stereo;
    for (auto& v : st.samples) v = u(rng);
    Signal mono{16000, std::vector<float>(3200)};
    for (auto& v : mono.samples) v = u(rng);
    write_wav(dir / "base16.wav", st, WavFormat::Pcm16);
    write_wav(dir / "base24.wav", mono, WavFormat::Pcm24);
    write_wav(dir / "basef.wav", mono, WavFormat::Float32);
    unsigned seed = 1;
    for (const char* b : {"base16.wav", "base24.wav", "basef.wav"})
      for (auto& v : mutate(pv::read_file(dir / b), b, seed++)) variants.push_back(std::move(v));
  }
  ASSERT_GE(variants.size(), 150u);
  int accepted = 0, rejected = 0;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const fs::path p = dir / ("v" + std::to_string(i) + ".wav");
    std::ofstream(p, std::ios::binary) << variants[i].bytes;
    try {
      (read_every_way(p, variants[i].name) ? accepted : rejected)++;
    } catch (const std::exception& e) {
      ADD_FAILURE() << variants[i].name << ": unexpected exception type: " << e.what();
    }
    fs::remove(p);
  }
  std::cout << "[ info ] " << variants.size() << " WAV variants: " << accepted << " read, " << rejected
            << " rejected with InputError\n";
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}
