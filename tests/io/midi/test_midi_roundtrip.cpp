// MIDI write -> read is an identity to 1 tick (notes, velocities, channels, pedals).
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "core/error.hpp"
#include "io/midi/midi.hpp"
#include "random_performance.hpp"
#include "test_util.hpp"

namespace {

using NoteKey = std::tuple<long long, long long, int, int, int>;  // on tick, off tick, pitch, channel, velocity

std::vector<NoteKey> note_keys(const pv::Performance& p, double tps) {
  std::vector<NoteKey> v;
  for (const auto& n : p.notes)
    v.emplace_back(std::llround(n.onset * tps), std::llround(n.key_offset * tps), n.pitch, n.channel, n.velocity);
  std::sort(v.begin(), v.end());
  return v;
}

void check_round_trip(const pv::Performance& in, const pv::midi::WriteOptions& opt) {
  const double tps = opt.division * 1e6 / opt.us_per_quarter;
  const std::string bytes = pv::midi::serialize(in, opt);
  pv::midi::MidiInfo info;
  const pv::Performance out = pv::midi::parse(bytes, "roundtrip.mid", &info);
  EXPECT_EQ(info.format, 1);
  EXPECT_EQ(info.division, opt.division);
  EXPECT_EQ(info.unmatched_note_offs, 0);
  EXPECT_EQ(info.unterminated_notes, 0);
  ASSERT_EQ(out.notes.size(), in.notes.size());
  EXPECT_EQ(note_keys(out, tps), note_keys(in, tps));
  // Every time within one tick of the original, and sound_offset == key_offset before the pedal rule.
  const double tick = 1.0 / tps;
  auto a = in.notes, b = out.notes;
  auto by_key = [&](const pv::Note& x, const pv::Note& y) {
    return std::make_tuple(std::llround(x.onset * tps), x.pitch, x.channel, std::llround(x.key_offset * tps)) <
           std::make_tuple(std::llround(y.onset * tps), y.pitch, y.channel, std::llround(y.key_offset * tps));
  };
  std::stable_sort(a.begin(), a.end(), by_key);
  std::stable_sort(b.begin(), b.end(), by_key);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_LE(std::abs(a[i].onset - b[i].onset), tick);
    EXPECT_LE(std::abs(a[i].key_offset - b[i].key_offset), tick);
    EXPECT_EQ(b[i].sound_offset, b[i].key_offset);
  }
  ASSERT_EQ(out.pedals.size(), in.pedals.size());
  for (std::size_t i = 0; i < in.pedals.size(); ++i) {
    EXPECT_EQ(std::llround(out.pedals[i].time * tps), std::llround(in.pedals[i].time * tps)) << i;
    EXPECT_LE(std::abs(out.pedals[i].time - in.pedals[i].time), tick);
    EXPECT_EQ(out.pedals[i].controller, in.pedals[i].controller);
    EXPECT_EQ(out.pedals[i].value, in.pedals[i].value);
    EXPECT_EQ(out.pedals[i].channel, in.pedals[i].channel);
  }
  // Reading what was written and writing it again gives the same performance.
  const pv::Performance again = pv::midi::parse(pv::midi::serialize(out, opt), "again.mid");
  EXPECT_EQ(note_keys(again, tps), note_keys(out, tps));
}

}  // namespace

TEST(MidiRoundTrip, RandomPerformances) {
  const pv::midi::WriteOptions opts[] = {{480, 500000}, {960, 600000}, {96, 1000000}, {384, 500000}};
  for (std::uint32_t seed = 1; seed <= 24; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto perf = smftest::random_performance(seed, 50 + static_cast<int>(seed) * 40, 30 + static_cast<int>(seed) * 10);
    check_round_trip(perf, opts[seed % 4]);
  }
}

TEST(MidiRoundTrip, EmptyPerformance) {
  auto p = pv::midi::parse(pv::midi::serialize({}), "empty.mid");
  EXPECT_TRUE(p.notes.empty());
  EXPECT_TRUE(p.pedals.empty());
}

TEST(MidiRoundTrip, WriteIsAtomicFileAndReadable) {
  auto dir = pvtest::temp_dir();
  auto perf = smftest::random_performance(99, 300, 100);
  pv::midi::write(dir / "out.mid", perf);
  auto back = pv::midi::read(dir / "out.mid");
  EXPECT_EQ(back.notes.size(), perf.notes.size());
  std::size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);  // no temp file left behind
}

TEST(MidiRoundTrip, WriterRejectsUnwritableValues) {
  pv::Performance p;
  p.notes.push_back({});
  p.notes[0].velocity = 0;
  EXPECT_THROW(pv::midi::serialize(p), pv::Error);
  p.notes[0].velocity = 64;
  p.notes[0].pitch = 128;
  EXPECT_THROW(pv::midi::serialize(p), pv::Error);
  p.notes[0].pitch = 60;
  p.notes[0].onset = 2.0;
  p.notes[0].key_offset = 1.0;
  EXPECT_THROW(pv::midi::serialize(p), pv::Error);
  p.notes[0].onset = -1.0;
  EXPECT_THROW(pv::midi::serialize(p), pv::Error);
}
