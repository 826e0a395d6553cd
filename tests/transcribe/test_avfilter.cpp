// Audio-visual post-filter on a synthetic keyboard scene (hands placed on known keys).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "keyboard/keyboard.hpp"
#include "transcribe/avfilter.hpp"

using namespace pv::transcribe;

namespace {

const pv::KeyboardCorners kCorners{{0.1, 0.5}, {0.9, 0.5}, {0.9, 0.6}, {0.1, 0.6}};

// A hand whose 21 landmarks all sit at keyboard-plane point (u, v·depth).
pv::HandObservation hand_at(double u, double v) {
  pv::kb::Keyboard88 kb(kCorners);
  pv::Point2 p = kb.from_plane({u, v * kb.depth()});
  pv::HandObservation h;
  for (auto& l : h.points) l.x = static_cast<float>(p.x), l.y = static_cast<float>(p.y);
  return h;
}

pv::Note note(int pitch, double onset) {
  pv::Note n;
  n.pitch = pitch, n.onset = onset, n.key_offset = n.sound_offset = onset + 0.3;
  return n;
}

std::vector<int> pitches(const std::vector<pv::Note>& v) {
  std::vector<int> p;
  for (const auto& n : v) p.push_back(n.pitch);
  return p;
}

}  // namespace

TEST(AvFilter, DefaultKeepsNotesNearFingertipsIncludingBlackKeys) {
  std::vector<pv::HandFrame> frames(120);
  frames[60].right = hand_at(23.5, 0.5);  // on C4 (white key 23), halfway up the key
  // C4, C#4, D4, B3 near; E4, C5 far; all at t = 1.0 s (frame 60 at 60 fps).
  auto r = av_filter({note(60, 1.0), note(61, 1.0), note(62, 1.0), note(59, 1.0), note(64, 1.0), note(72, 1.0)},
                     frames, kCorners);
  EXPECT_EQ(pitches(r.kept), (std::vector<int>{60, 61, 62, 59}));
  ASSERT_EQ(r.removed.size(), 2u);
  EXPECT_EQ(r.removed[0].note.pitch, 64);
  EXPECT_FALSE(r.removed[0].candidates.empty());
  EXPECT_EQ(r.no_evidence, 0);
  EXPECT_NE(format_removals(r.removed).find("\t72\t"), std::string::npos);
}

TEST(AvFilter, NoHandsMeansNoEvidenceAndTheNoteStays) {
  std::vector<pv::HandFrame> frames(120);
  auto r = av_filter({note(60, 1.0), note(30, 1.5)}, frames, kCorners);
  EXPECT_EQ(r.kept.size(), 2u);
  EXPECT_EQ(r.no_evidence, 2);
}

TEST(AvFilter, ReferenceNeedsBothHandsAndUsesWhiteKeysPlusMinusTwo) {
  std::vector<pv::HandFrame> frames(120);
  frames[60].right = hand_at(23.5, 0.9);  // white key 23 (C4) -> candidates white 21..25 = A3..E4 (57..64)
  AvFilterOptions ref;
  ref.reference = true;
  auto one = av_filter({note(72, 1.0)}, frames, kCorners, ref);
  EXPECT_EQ(one.kept.size(), 1u) << "one hand only: the reference keeps everything";
  frames[60].left = hand_at(9.5, 0.9);  // white key 9 (C2): candidates white 7..11 = A1..E2 (33..40)
  auto two = av_filter({note(57, 1.0), note(64, 1.0), note(65, 1.0), note(72, 1.0), note(33, 1.0), note(41, 1.0)},
                       frames, kCorners, ref);
  EXPECT_EQ(pitches(two.kept), (std::vector<int>{57, 64, 33}));
  EXPECT_EQ(two.removed.size(), 3u);
}

TEST(AvFilter, FrameChoice) {
  std::vector<pv::HandFrame> frames(120);
  frames[60].right = hand_at(23.5, 0.5);
  frames[60].left = hand_at(9.5, 0.5);
  AvFilterOptions ref;
  ref.reference = true;
  // Onset 0.99 s lies in frame 59 (no hands): the reference has no evidence; our window reaches 60.
  EXPECT_EQ(av_filter({note(72, 0.99)}, frames, kCorners, ref).kept.size(), 1u);
  EXPECT_EQ(av_filter({note(72, 0.99)}, frames, kCorners).kept.size(), 0u);
  AvFilterOptions bad;
  bad.fps = 0;
  EXPECT_THROW(av_filter({}, frames, kCorners, bad), pv::Error);
}
