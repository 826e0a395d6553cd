// Evaluation file adapters: note loading, pairing by stem, result CSVs.
#include <gtest/gtest.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "eval/files.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"
#include "test_util.hpp"

using namespace pv::eval;

namespace {
pv::Note note(int pitch, double on, double off) {
  pv::Note n;
  n.pitch = pitch, n.onset = on, n.key_offset = n.sound_offset = off;
  return n;
}
}  // namespace

TEST(EvalFiles, MidiGetsThePedalRuleTsvKeepsFrameOffset) {
  auto dir = pvtest::temp_dir();
  pv::Performance perf;
  perf.notes = {note(60, 0.0, 0.5)};
  perf.pedals = {{.time = 0.25, .controller = 64, .value = 127}, {.time = 1.5, .controller = 64, .value = 0}};
  pv::midi::write(dir / "a.mid", perf);
  auto notes = load_notes(dir / "a.mid");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NEAR(notes[0].sound_offset, 1.5, 1e-3);
  LoadOptions key;
  key.pedal_offsets = false;
  EXPECT_NEAR(load_notes(dir / "a.mid", key)[0].sound_offset, 0.5, 1e-3);

  pv::Note t = note(62, 1.0, 1.2);
  t.sound_offset = 2.0;
  pv::tsv::write_notes(dir / "b.tsv", {t});
  EXPECT_NEAR(load_notes(dir / "b.tsv")[0].sound_offset, 2.0, 1e-6);
}

TEST(EvalFiles, ZeroLengthNotesFailOrAreDropped) {
  auto dir = pvtest::temp_dir();
  pv::tsv::write_notes(dir / "z.tsv", {note(60, 1.0, 1.0), note(61, 1.0, 2.0)});
  EXPECT_THROW(load_notes(dir / "z.tsv"), pv::InputError);
  LoadOptions drop;
  drop.drop_zero_length = true;
  int dropped = 0;
  EXPECT_EQ(load_notes(dir / "z.tsv", drop, &dropped).size(), 1u);
  EXPECT_EQ(dropped, 1);
  pv::write_file_atomic(dir / "x.wav", "RIFF");
  EXPECT_THROW(load_notes(dir / "x.wav"), pv::InputError);
}

TEST(EvalFiles, PairsByStemAndReportsUnpaired) {
  auto dir = pvtest::temp_dir();
  std::filesystem::create_directories(dir / "ref");
  std::filesystem::create_directories(dir / "est");
  for (auto f : {"ref/a.tsv", "ref/b.mid", "est/a.mid", "est/c.tsv", "est/notes.txt"})
    pv::write_file_atomic(dir / f, "x");
  std::vector<std::filesystem::path> unpaired;
  auto pairs = pair_by_stem(dir / "ref", dir / "est", &unpaired);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].stem, "a");
  EXPECT_EQ(unpaired.size(), 2u);
  EXPECT_THROW(pair_by_stem(dir / "nope", dir / "est", nullptr), pv::InputError);
}

TEST(EvalFiles, CsvRoundTripSkipsMeanRow) {
  ResultTable t;
  t.columns = {"note_f1", "frame_f1"};
  t.keys = {"x", "y"};
  t.rows = {{0.1, 0.2}, {1.0 / 3, 0.4}};
  std::vector<double> mean = {0.5, 0.5};
  ResultTable back = parse_csv(format_csv(t, &mean), "t.csv");
  EXPECT_EQ(back.keys, t.keys);
  EXPECT_EQ(back.column("note_f1", "t.csv")[1], 1.0 / 3);
  EXPECT_THROW(back.column("nope", "t.csv"), pv::InputError);
  EXPECT_THROW(parse_csv("file,a\nx,1\nx,2\n", "d.csv"), pv::InputError);
  EXPECT_THROW(parse_csv("file,a\nx,abc\n", "n.csv"), pv::InputError);
  EXPECT_THROW(parse_csv("file,a\nx,1,2\n", "w.csv"), pv::InputError);
}
