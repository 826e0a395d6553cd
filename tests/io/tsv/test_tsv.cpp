// PianoVAM note TSV and Fingering TSV: format, round trips, tolerant parsing, errors with line numbers.
#include <gtest/gtest.h>

#include <random>

#include "core/error.hpp"
#include "io/tsv/tsv.hpp"
#include "test_util.hpp"

using pv::Hand;
using pv::Note;

namespace {

std::vector<Note> random_notes(std::uint32_t seed, int n, bool fingering) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Note> v;
  for (int i = 0; i < n; ++i) {
    Note x;
    x.onset = u(rng) * (i % 10 == 0 ? 10000.0 : 300.0);
    x.key_offset = x.onset + (i % 17 == 0 ? 0.0 : u(rng) * 4);
    x.sound_offset = x.key_offset + (i % 3 == 0 ? 0.0 : u(rng) * 6);
    x.pitch = static_cast<int>(u(rng) * 128);
    x.velocity = static_cast<int>(u(rng) * 128);
    if (fingering) {
      const Hand hands[] = {Hand::Left, Hand::Right, Hand::Noinfo};
      x.hand = hands[i % 3];
      x.finger = static_cast<int>(u(rng) * 6);  // 0 = Noinfo
    }
    v.push_back(x);
  }
  return v;
}

void expect_same(const std::vector<Note>& a, const std::vector<Note>& b, bool fingering) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i].onset, b[i].onset, 5e-7) << i;
    EXPECT_NEAR(a[i].key_offset, b[i].key_offset, 5e-7) << i;
    EXPECT_NEAR(a[i].sound_offset, b[i].sound_offset, 5e-7) << i;
    EXPECT_EQ(a[i].pitch, b[i].pitch) << i;
    EXPECT_EQ(a[i].velocity, b[i].velocity) << i;
    if (fingering) {
      EXPECT_EQ(a[i].hand, b[i].hand) << i;
      EXPECT_EQ(a[i].finger, b[i].finger) << i;
    }
  }
}

std::string error_of(const std::string& text, bool fingering = false) {
  try {
    fingering ? pv::tsv::parse_fingering(text, "t.tsv") : pv::tsv::parse_notes(text, "t.tsv");
  } catch (const pv::InputError& e) {
    EXPECT_EQ(e.file().string(), "t.tsv");
    return e.what();
  }
  ADD_FAILURE() << "no InputError for: " << text;
  return {};
}

}  // namespace

TEST(NoteTsv, FormatIsPianoVamLayout) {
  Note n;
  n.onset = 1.5;
  n.key_offset = 2.25;
  n.sound_offset = 3.0;
  n.pitch = 60;
  n.velocity = 77;
  EXPECT_EQ(pv::tsv::format_notes({n}),
            "# onset\tkey_offset\tframe_offset\tnote\tvelocity\n1.500000\t2.250000\t3.000000\t60\t77\n");
}

TEST(NoteTsv, RoundTripIsIdentity) {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    auto notes = random_notes(seed, 500, false);
    const std::string text = pv::tsv::format_notes(notes);
    auto back = pv::tsv::parse_notes(text, "x.tsv");
    expect_same(notes, back, false);
    // read -> write -> read: the text is reproduced exactly.
    EXPECT_EQ(pv::tsv::format_notes(back), text);
  }
}

TEST(NoteTsv, ToleratesCrlfWhitespaceCommentsAndNumpyFloats) {
  const std::string text =
      "# onset\tkey_offset\tframe_offset\tnote\tvelocity\r\n"
      "  0.5\t1.0\t 2.0\t60\t100  \r\n"
      "\r\n"
      "# a comment\n"
      "1.000000 1.500000   1.500000 61.000000 90.000000\n"
      "2\t3\t4\t62\t0";  // no final newline
  auto notes = pv::tsv::parse_notes(text, "x.tsv");
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_DOUBLE_EQ(notes[0].onset, 0.5);
  EXPECT_DOUBLE_EQ(notes[0].sound_offset, 2.0);
  EXPECT_EQ(notes[0].velocity, 100);
  EXPECT_EQ(notes[1].pitch, 61);
  EXPECT_EQ(notes[1].velocity, 90);
  EXPECT_EQ(notes[2].pitch, 62);
  EXPECT_DOUBLE_EQ(notes[2].key_offset, 3.0);
}

TEST(NoteTsv, HeaderWithoutHash) {
  auto notes = pv::tsv::parse_notes("onset\tkey_offset\tframe_offset\tnote\tvelocity\n0\t1\t2\t60\t64\n", "h.tsv");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].pitch, 60);
}

TEST(NoteTsv, BadRowsNameFileAndLine) {
  const std::string head = "# onset\tkey_offset\tframe_offset\tnote\tvelocity\n";
  EXPECT_NE(error_of(head + "0\t1\t1\t60\n").find("t.tsv: line 2: expected 5 columns"), std::string::npos);
  EXPECT_NE(error_of(head + "0\t1\t1\t60\t64\n0\tx\t1\t60\t64\n").find("line 3: key_offset is not a number"),
            std::string::npos);
  EXPECT_NE(error_of(head + "0\t1\t1\t128\t64\n").find("line 2: note must be an integer in 0..127"),
            std::string::npos);
  EXPECT_NE(error_of(head + "0\t1\t1\t60.5\t64\n").find("note must be an integer"), std::string::npos);
  EXPECT_NE(error_of(head + "0\t1\t1\t60\t-1\n").find("velocity"), std::string::npos);
  EXPECT_NE(error_of(head + "-1\t1\t1\t60\t64\n").find("onset is negative"), std::string::npos);
  EXPECT_NE(error_of(head + "2\t1\t3\t60\t64\n").find("key_offset is before onset"), std::string::npos);
  EXPECT_NE(error_of(head + "2\t3\t1\t60\t64\n").find("frame_offset is before onset"), std::string::npos);
  EXPECT_NE(error_of(head + "nan\t1\t1\t60\t64\n").find("onset is not a number"), std::string::npos);
  EXPECT_NE(error_of(head + "0\t1\t1\t60\t64\t7\n").find("found 6"), std::string::npos);
}

TEST(NoteTsv, FilesAreWrittenAtomicallyAndReadBack) {
  auto dir = pvtest::temp_dir();
  auto notes = random_notes(3, 50, false);
  pv::tsv::write_notes(dir / "sub" / "a.tsv", notes);
  expect_same(notes, pv::tsv::read_notes(dir / "sub" / "a.tsv"), false);
  std::size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir / "sub")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
  EXPECT_THROW(pv::tsv::read_notes(dir / "missing.tsv"), pv::InputError);
}

TEST(FingeringTsv, FormatAndRoundTrip) {
  Note n;
  n.onset = 0.25;
  n.key_offset = n.sound_offset = 0.5;
  n.pitch = 64;
  n.velocity = 50;
  n.hand = Hand::Right;
  n.finger = 3;
  Note m = n;
  m.hand = Hand::Noinfo;
  m.finger = 0;
  EXPECT_EQ(pv::tsv::format_fingering({n, m}),
            "# onset\tkey_offset\tframe_offset\tnote\tvelocity\thand\tfinger\n"
            "0.250000\t0.500000\t0.500000\t64\t50\tR\t3\n"
            "0.250000\t0.500000\t0.500000\t64\t50\tNoinfo\tNoinfo\n");
  for (std::uint32_t seed = 1; seed <= 5; ++seed) {
    auto notes = random_notes(seed, 300, true);
    const std::string text = pv::tsv::format_fingering(notes);
    auto back = pv::tsv::parse_fingering(text, "f.tsv");
    expect_same(notes, back, true);
    EXPECT_EQ(pv::tsv::format_fingering(back), text);
  }
  auto dir = pvtest::temp_dir();
  auto notes = random_notes(9, 40, true);
  pv::tsv::write_fingering(dir / "f.tsv", notes);
  expect_same(notes, pv::tsv::read_fingering(dir / "f.tsv"), true);
}

TEST(FingeringTsv, BadRows) {
  const std::string head = "# onset\tkey_offset\tframe_offset\tnote\tvelocity\thand\tfinger\n";
  EXPECT_NE(error_of(head + "0\t1\t1\t60\t64\tX\t1\n", true).find("line 2: hand must be L, R or Noinfo"),
            std::string::npos);
  EXPECT_NE(error_of(head + "0\t1\t1\t60\t64\tL\t6\n", true).find("finger must be 1..5 or Noinfo"),
            std::string::npos);
  EXPECT_NE(error_of(head + "0\t1\t1\t60\t64\tL\n", true).find("expected 7 columns"), std::string::npos);
  // A note TSV is not a fingering TSV and vice versa.
  EXPECT_NE(error_of("0\t1\t1\t60\t64\tL\t1\n").find("expected 5 columns"), std::string::npos);
}
