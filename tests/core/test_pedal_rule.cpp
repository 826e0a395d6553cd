#include <gtest/gtest.h>

#include "core/pedal_rule.hpp"

using pv::Note;
using pv::PedalEvent;
using pv::Performance;

namespace {
Note note(int pitch, double on, double off) {
  Note n;
  n.pitch = pitch;
  n.onset = on;
  n.key_offset = off;
  n.sound_offset = off;
  return n;
}
}  // namespace

TEST(PedalRule, NoPedalKeepsKeyOffset) {
  Performance p;
  p.notes = {note(60, 0.0, 1.0)};
  pv::PedalRule{}.apply(p);
  EXPECT_DOUBLE_EQ(p.notes[0].sound_offset, 1.0);
}

TEST(PedalRule, ExtendsToPedalRelease) {
  Performance p;
  p.notes = {note(60, 0.0, 1.0), note(64, 2.0, 2.5)};
  p.pedals = {{0.5, 64, 127, 0}, {3.0, 64, 0, 0}};
  pv::PedalRule{}.apply(p);
  EXPECT_DOUBLE_EQ(p.notes[0].sound_offset, 3.0);
  EXPECT_DOUBLE_EQ(p.notes[1].sound_offset, 3.0);
}

TEST(PedalRule, ThresholdIs64) {
  Performance p;
  p.notes = {note(60, 0.0, 1.0), note(62, 0.0, 3.0)};
  p.pedals = {{0.5, 64, 63, 0}, {2.0, 64, 64, 0}, {4.0, 64, 10, 0}};
  pv::PedalRule{}.apply(p);
  EXPECT_DOUBLE_EQ(p.notes[0].sound_offset, 1.0);  // 63 is up
  EXPECT_DOUBLE_EQ(p.notes[1].sound_offset, 4.0);  // 64 is down
}

TEST(PedalRule, CutAtNextOnsetOfSamePitch) {
  Performance p;
  p.notes = {note(60, 0.0, 0.5), note(60, 1.0, 1.5), note(61, 0.2, 0.4)};
  p.pedals = {{0.1, 64, 100, 0}, {5.0, 64, 0, 0}};
  pv::PedalRule{}.apply(p);
  EXPECT_DOUBLE_EQ(p.notes[0].sound_offset, 1.0);
  EXPECT_DOUBLE_EQ(p.notes[1].sound_offset, 5.0);
  EXPECT_DOUBLE_EQ(p.notes[2].sound_offset, 5.0);
}

TEST(PedalRule, PedalPressedAfterReleaseDoesNotExtend) {
  Performance p;
  p.notes = {note(60, 0.0, 1.0)};
  p.pedals = {{1.2, 64, 127, 0}, {2.0, 64, 0, 0}};
  pv::PedalRule{}.apply(p);
  EXPECT_DOUBLE_EQ(p.notes[0].sound_offset, 1.0);
}

TEST(PedalRule, OtherControllersIgnored) {
  Performance p;
  p.notes = {note(60, 0.0, 1.0)};
  p.pedals = {{0.5, 67, 127, 0}, {0.6, 66, 127, 0}, {2.0, 67, 0, 0}};
  pv::PedalRule{}.apply(p);
  EXPECT_DOUBLE_EQ(p.notes[0].sound_offset, 1.0);
}

TEST(PedalRule, PedalNeverReleasedEndsAtPerformanceEnd) {
  Performance p;
  p.notes = {note(60, 0.0, 1.0), note(62, 0.0, 4.0)};
  p.pedals = {{0.5, 64, 127, 0}};
  pv::PedalRule{}.apply(p);
  EXPECT_DOUBLE_EQ(p.notes[0].sound_offset, 4.0);
}
