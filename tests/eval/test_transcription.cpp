// mir_eval-exact transcription metrics: regression fixtures of mir_eval (../shared/data/mir_eval)
// and hand-checked cases, including the matching's tie rules.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "eval/note_text.hpp"
#include "eval/transcription.hpp"
#include "test_util.hpp"

using namespace pv::eval;

namespace {

void expect_scores(const Scores& got, const nlohmann::json& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (auto& [k, v] : want.items()) {
    double g = score(got, k);
    EXPECT_NEAR(g, v.get<double>(), 1e-12) << what << " " << k;
  }
}

NoteList notes(std::initializer_list<std::array<double, 4>> rows) {
  NoteList n;
  for (auto& r : rows) n.add(r[0], r[1], r[2], r[3]);
  return n;
}

}  // namespace

TEST(MirEvalFixtures, Transcription) {
  PV_REQUIRE_SHARED("mir_eval/transcription");
  auto dir = pvtest::shared_data() / "mir_eval/transcription";
  for (int i = 0; i < 10; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "%02d", i);
    NoteList ref = read_note_text(dir / ("ref" + std::string(id) + ".txt"));
    NoteList est = read_note_text(dir / ("est" + std::string(id) + ".txt"));
    auto want = nlohmann::json::parse(pv::read_file(dir / ("output" + std::string(id) + ".json")));
    expect_scores(evaluate_transcription(ref, est), want, "transcription " + std::string(id));
  }
}

TEST(MirEvalFixtures, TranscriptionVelocity) {
  PV_REQUIRE_SHARED("mir_eval/transcription_velocity");
  auto dir = pvtest::shared_data() / "mir_eval/transcription_velocity";
  for (int i = 0; i < 10; ++i) {
    std::string id = std::to_string(i);
    // The fixtures pass MIDI numbers as "Hz": keep the raw pitch column.
    NoteList ref = read_note_text(dir / ("ref" + id + ".txt"), 4);
    NoteList est = read_note_text(dir / ("est" + id + ".txt"), 4);
    auto want = nlohmann::json::parse(pv::read_file(dir / ("output" + id + ".json")));
    expect_scores(evaluate_velocity(ref, est), want, "velocity " + id);
  }
}

TEST(Transcription, OnsetToleranceIsInclusiveAfterRounding) {
  // |0.55 - 0.5| = 0.05000000000000004 in doubles; rounded to 4 decimals it is 0.05 -> a hit.
  NoteList ref = notes({{0.5, 1.0, 440, 0}}), est = notes({{0.55, 1.0, 440, 0}});
  EXPECT_EQ(match_note_onsets(ref, est).size(), 1u);
  NoteParams strict;
  strict.strict = true;
  EXPECT_EQ(match_note_onsets(ref, est, strict).size(), 0u);
  NoteList far = notes({{0.5502, 1.0, 440, 0}});
  EXPECT_EQ(match_note_onsets(ref, far).size(), 0u);
}

TEST(Transcription, PitchToleranceInCents) {
  NoteList ref = notes({{0.0, 1.0, 440, 0}});
  EXPECT_EQ(match_notes(ref, notes({{0.0, 1.0, 440 * std::pow(2.0, 49.0 / 1200), 0}})).size(), 1u);
  EXPECT_EQ(match_notes(ref, notes({{0.0, 1.0, 440 * std::pow(2.0, 51.0 / 1200), 0}})).size(), 0u);
}

TEST(Transcription, OffsetToleranceIsMaxOfRatioAndMinimum) {
  // duration 2 s -> tolerance 0.4 s; duration 0.1 s -> 0.05 s.
  NoteList ref = notes({{0.0, 2.0, 440, 0}});
  EXPECT_EQ(match_notes(ref, notes({{0.0, 2.39, 440, 0}})).size(), 1u);
  EXPECT_EQ(match_notes(ref, notes({{0.0, 2.41, 440, 0}})).size(), 0u);
  NoteList short_ref = notes({{0.0, 0.1, 440, 0}});
  EXPECT_EQ(match_notes(short_ref, notes({{0.0, 0.149, 440, 0}})).size(), 1u);
  EXPECT_EQ(match_notes(short_ref, notes({{0.0, 0.151, 440, 0}})).size(), 0u);
}

TEST(Transcription, MaximumMatchingBeatsGreedy) {
  // est0 hits ref0 and ref1, est1 hits only ref0: greedy would take (ref0, est0) and stop at 1.
  NoteList ref = notes({{1.00, 2.0, 440, 0}, {1.04, 2.0, 440, 0}});
  NoteList est = notes({{1.03, 2.0, 440, 0}, {0.96, 2.0, 440, 0}});
  Matching m = match_notes(ref, est);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], std::make_pair(0, 1));
  EXPECT_EQ(m[1], std::make_pair(1, 0));
}

TEST(Transcription, HopcroftKarpChoosesMirEvalsMatching) {
  // Two ref notes, two est notes, all four pairs hit: mir_eval's greedy start pairs est0-ref0 and
  // est1-ref1 (first free neighbour in graph order).
  NoteList ref = notes({{1.00, 2.0, 440, 0}, {1.01, 2.0, 440, 0}});
  NoteList est = notes({{1.02, 2.0, 440, 0}, {1.00, 2.0, 440, 0}});
  Matching m = match_notes(ref, est);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], std::make_pair(0, 0));
  EXPECT_EQ(m[1], std::make_pair(1, 1));
}

TEST(Transcription, OverlapRatio) {
  NoteList ref = notes({{1.0, 2.0, 440, 0}}), est = notes({{1.0, 1.5, 440, 0}});
  PRF r = precision_recall_f1_overlap(ref, est, [] {
    NoteParams p;
    p.offset_ratio.reset();
    return p;
  }());
  EXPECT_DOUBLE_EQ(r.precision, 1.0);
  EXPECT_DOUBLE_EQ(r.overlap, 0.5);
}

TEST(Transcription, VelocityRescaling) {
  // Est velocities are ref/2 except one outlier, which drags the least-squares line so far that only
  // one pair stays within 0.1 (mir_eval 0.7 gives [(5, 5)] for this input).
  NoteList ref = notes({{0, 1, 440, 20}, {1, 2, 440, 60}, {2, 3, 440, 100}, {3, 4, 440, 100}, {4, 5, 440, 40},
                        {5, 6, 440, 80}});
  NoteList est = notes({{0, 1, 440, 10}, {1, 2, 440, 30}, {2, 3, 440, 50}, {3, 4, 440, 5}, {4, 5, 440, 20},
                        {5, 6, 440, 40}});
  NoteParams p;
  p.offset_ratio.reset();
  EXPECT_EQ(match_notes(ref, est, p).size(), 6u);
  Matching vel = match_notes_velocity(ref, est, p);
  ASSERT_EQ(vel.size(), 1u);
  EXPECT_EQ(vel[0], std::make_pair(5, 5));
  // Without the outlier all pairs agree exactly.
  est.velocity[3] = 50;
  EXPECT_EQ(match_notes_velocity(ref, est, p).size(), 6u);
}

TEST(Transcription, EmptyInputsScoreZero) {
  NoteList ref = notes({{0, 1, 440, 0}}), est;
  PRF r = precision_recall_f1_overlap(ref, est);
  EXPECT_EQ(r.precision, 0.0);
  EXPECT_EQ(r.f_measure, 0.0);
}

TEST(Transcription, BadNotesNameTheSource) {
  NoteList ref = notes({{1.0, 1.0, 440, 0}});
  ref.source = "ref.tsv";
  try {
    precision_recall_f1_overlap(ref, ref);
    FAIL() << "zero-length note accepted";
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ref.tsv"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("note 0"), std::string::npos);
  }
  NoteList neg = notes({{0.0, 1.0, -3, 0}});
  EXPECT_THROW(precision_recall_f1_overlap(neg, neg), pv::InputError);
}

TEST(NoteText, ParsesCommentsCrlfAndRejectsGarbage) {
  NoteList n = parse_note_text("# c\r\n0.1\t0.5\t440\r\n\r\n1 2 220\n", "x.txt");
  ASSERT_EQ(n.size(), 2u);
  EXPECT_DOUBLE_EQ(n.pitch[1], 220);
  EXPECT_THROW(parse_note_text("0.1 0.5\n", "x.txt"), pv::InputError);
  EXPECT_THROW(parse_note_text("0.1 0.5 abc\n", "x.txt"), pv::InputError);
}

TEST(Frames, PianoRollAndMultipitch) {
  std::vector<pv::Note> ref(2), est(2);
  ref[0] = {.pitch = 60, .onset = 0.0, .key_offset = 0.1, .sound_offset = 0.1};
  ref[1] = {.pitch = 64, .onset = 0.0, .key_offset = 0.1, .sound_offset = 0.1};
  est[0] = {.pitch = 60, .onset = 0.0, .key_offset = 0.1, .sound_offset = 0.1};
  est[1] = {.pitch = 76, .onset = 0.05, .key_offset = 0.1, .sound_offset = 0.1};  // octave error
  FrameRoll r = piano_roll(ref), e = piano_roll(est);
  ASSERT_EQ(r.frames.size(), 10u);
  Scores s = evaluate_frames(r, e);
  EXPECT_DOUBLE_EQ(score(s, "Precision"), 10.0 / 15.0);
  EXPECT_DOUBLE_EQ(score(s, "Recall"), 10.0 / 20.0);
  EXPECT_DOUBLE_EQ(score(s, "Chroma Precision"), 1.0);
  EXPECT_DOUBLE_EQ(score(s, "Miss Error"), 5.0 / 20.0);
}
