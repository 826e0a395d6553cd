// Mutated SMF files (truncated, bit-flipped, bytes inserted/deleted, chunk lengths changed): parsing each
// either succeeds or throws pv::InputError naming the file. Run under the sanitizer build as well.
#include <gtest/gtest.h>

#include <random>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/midi/midi.hpp"
#include "random_performance.hpp"
#include "smf_bytes.hpp"
#include "test_util.hpp"

namespace {

using namespace smftest;

std::vector<std::string> seeds() {
  std::vector<std::string> s;
  s.push_back(pv::midi::serialize(random_performance(7, 120, 60), {480, 500000}));
  s.push_back(pv::midi::serialize(random_performance(8, 40, 20), {96, 700000}));
  // Hand-built: running status, sysex, metas, SMPTE division, several tempo changes, two note tracks.
  std::string t0 = tempo(0, 500000) + tempo(100, 300000) + bytes({0x00, 0xFF, 0x58, 0x04, 4, 2, 24, 8}) +
                   tempo(200, 700000) + end_of_track();
  std::string t1 = bytes({0x00, 0xF0, 0x03, 1, 2, 0xF7, 0x00, 0x90, 60, 80, 0x10, 64, 70, 0x10, 60, 0}) +
                   bytes({0x00, 0xB0, 64, 127, 0x20, 0x90, 64, 0, 0x00, 0xFF, 0x7F, 0x02, 1, 2}) +
                   bytes({0x05, 0xB0, 64, 0}) + end_of_track();
  std::string t2 = bytes({0x00, 0x95, 30, 1, 0x40, 0x85, 30, 0}) + end_of_track();
  s.push_back(header(1, 3, 120) + track(t0) + track(t1) + track(t2));
  s.push_back(header(0, 1, static_cast<std::uint16_t>(0xE2 << 8 | 80)) + track(t1));
  // Real performances when the shared data is present.
  const auto dir = pvtest::shared_data() / "performance-midi";
  for (const char* f : {"schubert_moment-musical-no3_Tetzloff09M.mid", "bach_wtc2-prelude-bwv885_JeonH01M.mid",
                        "chopin_etude-op10no3_SunMeiting08.mid"})
    if (std::filesystem::exists(dir / f)) s.push_back(pv::read_file(dir / f));
  return s;
}

}  // namespace

TEST(MidiMutation, MutantsParseOrThrowInputErrorNamingTheFile) {
  const auto originals = seeds();
  for (const auto& o : originals) ASSERT_NO_THROW(pv::midi::parse(o, "original.mid"));
  std::mt19937 rng(20261125);
  int variants = 0, errors = 0;
  for (std::size_t s = 0; s < originals.size(); ++s) {
    const std::string& o = originals[s];
    auto pos = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    for (int k = 0; k < 100; ++k) {
      std::string m = o;
      switch (k % 5) {
        case 0:  // truncate
          m.resize(pos(o.size()));
          break;
        case 1:  // flip 1-4 bits, biased to the first bytes (headers) half of the time
          for (int b = 0, nb = 1 + k % 4; b < nb; ++b) {
            std::size_t i = (k & 8) ? pos(std::min<std::size_t>(o.size(), 64)) : pos(o.size());
            m[i] = static_cast<char>(m[i] ^ (1 << (pos(8))));
          }
          break;
        case 2:  // insert 1-3 random bytes
          for (int b = 0, nb = 1 + k % 3; b < nb; ++b) m.insert(m.begin() + pos(m.size()), static_cast<char>(pos(256)));
          break;
        case 3:  // delete a short run
          m.erase(pos(m.size()), 1 + pos(4));
          break;
        case 4: {  // overwrite a random 4-byte word (hits chunk lengths and VLQs)
          std::size_t i = pos(o.size() - 4);
          for (int b = 0; b < 4; ++b) m[i + b] = static_cast<char>(pos(256));
          break;
        }
      }
      const std::string name = "mutant-" + std::to_string(s) + "-" + std::to_string(k) + ".mid";
      ++variants;
      try {
        pv::midi::MidiInfo info;
        auto perf = pv::midi::parse(m, name, &info);
        for (const auto& n : perf.notes) {
          ASSERT_TRUE(n.pitch >= 0 && n.pitch < 128) << name;
          ASSERT_TRUE(std::isfinite(n.onset) && n.key_offset >= n.onset) << name;
        }
      } catch (const pv::InputError& e) {
        ++errors;
        EXPECT_EQ(e.file().string(), name);
        EXPECT_EQ(std::string(e.what()).rfind(name + ": byte ", 0), 0u) << e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << name << ": unexpected exception type: " << e.what();
      }
    }
  }
  EXPECT_GE(variants, 300);
  EXPECT_GT(errors, variants / 10);  // the mutations do reach the error paths
  std::printf("%d mutants, %d rejected with InputError\n", variants, errors);
}
