// Hand-built SMF byte fixtures: each checks one feature of the reader.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "io/midi/midi.hpp"
#include "smf_bytes.hpp"

using namespace smftest;
using pv::midi::MidiInfo;
using pv::midi::parse;

namespace {
constexpr double kTol = 1e-9;

std::string expect_error(const std::string& bytes, const std::string& name = "fixture.mid") {
  try {
    parse(bytes, name);
  } catch (const pv::InputError& e) {
    EXPECT_EQ(e.file().string(), name);
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return {};
}
}  // namespace

TEST(MidiFixtures, RunningStatusAndVelocityZeroNoteOff) {
  // div 480, default tempo 120 bpm: 960 ticks/s.
  std::string body = bytes({0x00, 0x90, 60, 100}) +  // on 60 @0
                     bytes({0x00, 64, 90}) +          // running status: on 64 @0
                     vlq(480) + bytes({60, 0}) +      // running status, vel 0 = off 60 @0.5
                     vlq(480) + bytes({64, 0}) +      // off 64 @1.0
                     end_of_track();
  MidiInfo info;
  auto perf = parse(header(0, 1, 480) + track(body), "rs.mid", &info);
  ASSERT_EQ(perf.notes.size(), 2u);
  EXPECT_EQ(perf.notes[0].pitch, 60);
  EXPECT_EQ(perf.notes[0].velocity, 100);
  EXPECT_NEAR(perf.notes[0].key_offset, 0.5, kTol);
  EXPECT_EQ(perf.notes[1].pitch, 64);
  EXPECT_EQ(perf.notes[1].velocity, 90);
  EXPECT_NEAR(perf.notes[1].key_offset, 1.0, kTol);
  EXPECT_EQ(perf.notes[1].sound_offset, perf.notes[1].key_offset);
  EXPECT_EQ(info.format, 0);
  EXPECT_EQ(info.tracks, 1);
  EXPECT_EQ(info.division, 480);
  EXPECT_EQ(info.tempo_changes, 0);
}

TEST(MidiFixtures, NoteOffStatusWithRunningStatus) {
  std::string body = bytes({0x00, 0x91, 50, 70, 0x00, 51, 71}) + vlq(96) +
                     bytes({0x81, 50, 64}) + vlq(96) + bytes({51, 0}) + end_of_track();
  auto perf = parse(header(0, 1, 96) + track(body), "off.mid");
  ASSERT_EQ(perf.notes.size(), 2u);
  EXPECT_EQ(perf.notes[0].channel, 1);
  EXPECT_NEAR(perf.notes[0].key_offset, 0.5, kTol);
  EXPECT_NEAR(perf.notes[1].key_offset, 1.0, kTol);
}

TEST(MidiFixtures, SmpteDivision) {
  // -25 fps, 40 ticks per frame = 1000 ticks per second; tempo events do not apply.
  const std::uint16_t div = static_cast<std::uint16_t>((0xE7 << 8) | 40);
  std::string body = tempo(0, 1000000) + vlq(250) + bytes({0x90, 69, 80}) + vlq(500) + bytes({0x80, 69, 0}) +
                     end_of_track();
  MidiInfo info;
  auto perf = parse(header(0, 1, div) + track(body), "smpte.mid", &info);
  ASSERT_EQ(perf.notes.size(), 1u);
  EXPECT_NEAR(perf.notes[0].onset, 0.25, kTol);
  EXPECT_NEAR(perf.notes[0].key_offset, 0.75, kTol);
  EXPECT_EQ(info.smpte_fps, 25);
  EXPECT_EQ(info.ticks_per_frame, 40);
  EXPECT_LT(info.division, 0);
}

TEST(MidiFixtures, SmpteDropFrameIs2997) {
  const std::uint16_t div = static_cast<std::uint16_t>((0xE3 << 8) | 100);  // -29: 30000/1001 fps
  std::string body = vlq(2997) + bytes({0x90, 60, 80}) + vlq(1) + bytes({60, 0}) + end_of_track();
  auto perf = parse(header(0, 1, div) + track(body), "df.mid");
  ASSERT_EQ(perf.notes.size(), 1u);
  EXPECT_NEAR(perf.notes[0].onset, 2997.0 / (100 * 30000.0 / 1001.0), 1e-9);
}

TEST(MidiFixtures, TempoMapMergedFromAllTracksInFormat1) {
  // Track 0: 120 bpm, then 240 bpm at tick 960 (1.0 s). Track 2 holds a further change at tick 1920.
  std::string t0 = tempo(0, 500000) + tempo(960, 250000) + end_of_track();
  std::string t1 = vlq(480) + bytes({0x90, 60, 100}) + vlq(960) + bytes({0x80, 60, 0}) +  // 0.5 s .. 1.25 s
                   vlq(960) + bytes({0x90, 62, 100}) + vlq(480) + bytes({62, 0}) +        // 1.75 s .. 2.25 s
                   end_of_track();
  std::string t2 = tempo(1920, 1000000) + end_of_track();  // 60 bpm from tick 1920 (1.5 s)
  MidiInfo info;
  auto perf = parse(header(1, 3, 480) + track(t0) + track(t1) + track(t2), "tempo.mid", &info);
  ASSERT_EQ(perf.notes.size(), 2u);
  EXPECT_NEAR(perf.notes[0].onset, 0.5, kTol);
  EXPECT_NEAR(perf.notes[0].key_offset, 1.25, kTol);
  // Tick 2400: 1.5 s + 480 ticks at 1 s/quarter = 2.5 s; tick 2880: 3.5 s.
  EXPECT_NEAR(perf.notes[1].onset, 2.5, kTol);
  EXPECT_NEAR(perf.notes[1].key_offset, 3.5, kTol);
  EXPECT_EQ(info.tempo_changes, 3);
  ASSERT_EQ(perf.tempos.size(), 3u);
  EXPECT_NEAR(perf.tempos[2].time, 1.5, kTol);
  EXPECT_EQ(perf.tempos[2].tick, 1920);
  EXPECT_NEAR(perf.tempos[1].bpm(), 240.0, 1e-9);
}

TEST(MidiFixtures, ManyTempoChanges) {
  // A "smart tempo" style map: a change every 10 ticks.
  std::string t0;
  for (int i = 0; i < 500; ++i) t0 += tempo(i == 0 ? 0 : 10, 400000 + 1000 * i);
  t0 += end_of_track();
  std::string t1 = vlq(4995) + bytes({0x90, 60, 100}) + vlq(5) + bytes({60, 0}) + end_of_track();
  auto perf = parse(header(1, 2, 100) + track(t0) + track(t1), "smart.mid");
  double expect = 0;
  for (int i = 0; i < 499; ++i) expect += 10 * (400000 + 1000 * i) / 1e6 / 100;
  expect += 5 * (400000 + 1000 * 499) / 1e6 / 100;  // tick 4995 is 5 ticks into the last segment
  ASSERT_EQ(perf.notes.size(), 1u);
  EXPECT_NEAR(perf.notes[0].onset, expect, 1e-9);
  EXPECT_EQ(perf.tempos.size(), 500u);
}

TEST(MidiFixtures, OverlappingSamePitchPairsFifo) {
  std::string body = bytes({0x00, 0x90, 60, 10}) + vlq(100) + bytes({60, 20}) +  // two ons of 60
                     bytes({0x00, 0x91, 60, 30}) +                               // same pitch, channel 1
                     vlq(100) + bytes({0x80, 60, 0}) +                           // first off -> first on
                     vlq(100) + bytes({0x90, 60, 0}) +                           // second off
                     vlq(100) + bytes({0x81, 60, 0}) + end_of_track();
  auto perf = parse(header(0, 1, 100) + track(body), "overlap.mid");  // 200 ticks/s
  ASSERT_EQ(perf.notes.size(), 3u);
  EXPECT_EQ(perf.notes[0].velocity, 10);
  EXPECT_NEAR(perf.notes[0].onset, 0.0, kTol);
  EXPECT_NEAR(perf.notes[0].key_offset, 1.0, kTol);
  EXPECT_EQ(perf.notes[1].velocity, 20);
  EXPECT_NEAR(perf.notes[1].onset, 0.5, kTol);
  EXPECT_NEAR(perf.notes[1].key_offset, 1.5, kTol);
  EXPECT_EQ(perf.notes[2].channel, 1);
  EXPECT_NEAR(perf.notes[2].key_offset, 2.0, kTol);
}

TEST(MidiFixtures, SysexAndUnknownMetaSkipped) {
  std::string body = bytes({0x00, 0xF0, 0x05, 0x7E, 0x7F, 0x09, 0x01, 0xF7}) +      // sysex
                     bytes({0x00, 0xFF, 0x03, 0x04, 'P', 'i', 'a', 'n'}) +          // track name
                     bytes({0x00, 0xFF, 0x54, 0x05, 0x60, 0, 0, 0, 0}) +            // SMPTE offset
                     bytes({0x00, 0xFF, 0x7F, 0x03, 0x43, 0x71, 0x00}) +            // sequencer-specific
                     bytes({0x00, 0xFF, 0x60}) + vlq(200) + std::string(200, '\x90') +  // unknown meta type
                     bytes({0x00, 0x90, 60, 100}) +
                     bytes({0x00, 0xF7, 0x02, 0xF3, 0x01}) +                        // escape sequence
                     bytes({0x00, 0xB0, 7, 100}) +                                  // CC7: not a pedal
                     vlq(48) + bytes({0x90, 60, 0}) + end_of_track() +
                     std::string("trailing bytes after end of track");
  auto bytes_all = header(0, 1, 96) + track(body) + chunk("XFIH", "unknown chunk after the tracks");
  MidiInfo info;
  auto perf = parse(bytes_all, "meta.mid", &info);
  ASSERT_EQ(perf.notes.size(), 1u);
  EXPECT_NEAR(perf.notes[0].key_offset, 0.25, kTol);
  EXPECT_TRUE(perf.pedals.empty());
}

TEST(MidiFixtures, UnknownChunkBetweenTracksSkipped) {
  std::string t0 = tempo(0, 1000000) + end_of_track();
  std::string t1 = bytes({0x00, 0x90, 40, 1}) + vlq(100) + bytes({40, 0}) + end_of_track();
  auto perf = parse(header(1, 2, 100) + track(t0) + chunk("JUNK", std::string(17, 'x')) + track(t1), "chunk.mid");
  ASSERT_EQ(perf.notes.size(), 1u);
  EXPECT_NEAR(perf.notes[0].key_offset, 1.0, kTol);
}

TEST(MidiFixtures, PedalsFromCc646667) {
  std::string body = bytes({0x00, 0xB0, 64, 127, 0x00, 67, 100}) + vlq(96) + bytes({66, 90}) +
                     bytes({0x00, 0xB2, 64, 0}) + bytes({0x00, 0xB0, 1, 5}) + end_of_track();
  auto perf = parse(header(0, 1, 96) + track(body), "pedal.mid");
  ASSERT_EQ(perf.pedals.size(), 4u);
  EXPECT_EQ(perf.pedals[0].controller, 64);
  EXPECT_EQ(perf.pedals[0].value, 127);
  EXPECT_EQ(perf.pedals[1].controller, 67);
  EXPECT_EQ(perf.pedals[2].controller, 66);
  EXPECT_NEAR(perf.pedals[2].time, 0.5, kTol);
  EXPECT_EQ(perf.pedals[3].channel, 2);
  EXPECT_EQ(perf.pedals[3].value, 0);
}

TEST(MidiFixtures, UnmatchedOffsAndUnterminatedNotesCounted) {
  std::string body = bytes({0x00, 0x80, 61, 0}) +                      // off without on
                     bytes({0x00, 0x90, 62, 50}) + vlq(96) + bytes({0xFF, 0x2F, 0x00});  // never released
  MidiInfo info;
  auto perf = parse(header(0, 1, 96) + track(body), "open.mid", &info);
  ASSERT_EQ(perf.notes.size(), 1u);
  EXPECT_NEAR(perf.notes[0].key_offset, 0.5, kTol);  // closed at end of track
  EXPECT_EQ(info.unmatched_note_offs, 1);
  EXPECT_EQ(info.unterminated_notes, 1);
}

TEST(MidiFixtures, RmidWrapper) {
  std::string smf = header(0, 1, 96) + track(bytes({0x00, 0x90, 60, 1}) + vlq(96) + bytes({60, 0}) + end_of_track());
  std::string rmid = "RIFF" + std::string(4, '\0') + "RMID" + "data" + std::string(4, '\0') + smf;
  EXPECT_EQ(parse(rmid, "x.rmi").notes.size(), 1u);
}

TEST(MidiFixtures, ErrorsNameFileAndByteOffset) {
  const std::string good = header(0, 1, 96) + track(bytes({0x00, 0x90, 60, 1}) + vlq(96) + bytes({60, 0}) + end_of_track());
  EXPECT_NE(expect_error("RIFF....", "a.mid").find("a.mid: byte 0: not a Standard MIDI File"), std::string::npos);
  // Truncated inside the track chunk: the chunk header at byte 14 declares more than remains.
  std::string msg = expect_error(good.substr(0, good.size() - 3), "cut.mid");
  EXPECT_NE(msg.find("cut.mid: byte 14:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  // Header only.
  msg = expect_error(good.substr(0, 14));
  EXPECT_NE(msg.find("byte 14:"), std::string::npos) << msg;
  // Format 2, zero division, bad SMPTE rate.
  EXPECT_NE(expect_error(header(2, 1, 96)).find("format 2"), std::string::npos);
  EXPECT_NE(expect_error(header(0, 1, 0) + track(end_of_track())).find("division"), std::string::npos);
  EXPECT_NE(expect_error(header(0, 1, 0xE000 | 10) + track(end_of_track())).find("SMPTE"), std::string::npos);
  // Data byte without running status at byte 22 (14 header + 8 chunk header: delta at 22, data at 23).
  msg = expect_error(header(0, 1, 96) + track(bytes({0x00, 0x3C, 0x40}) + end_of_track()));
  EXPECT_NE(msg.find("byte 23: data byte without a running status"), std::string::npos) << msg;
  // Tempo with wrong length; system common status inside a track; delta VLQ too long.
  EXPECT_NE(expect_error(header(0, 1, 96) + track(bytes({0x00, 0xFF, 0x51, 0x02, 1, 2}) + end_of_track()))
                .find("tempo"),
            std::string::npos);
  EXPECT_NE(expect_error(header(0, 1, 96) + track(bytes({0x00, 0xF2, 1, 2}) + end_of_track())).find("0xF2"),
            std::string::npos);
  EXPECT_NE(expect_error(header(0, 1, 96) + track(bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}))).find("longer than 4"),
            std::string::npos);
  // Channel message cut by the end of its chunk; data byte >= 0x80.
  EXPECT_NE(expect_error(header(0, 1, 96) + track(bytes({0x00, 0x90, 60}))).find("truncated"), std::string::npos);
  EXPECT_NE(expect_error(header(0, 1, 96) + track(bytes({0x00, 0x90, 60, 0xC0}))).find("data byte"),
            std::string::npos);
  // Fewer tracks than declared.
  EXPECT_NE(expect_error(header(1, 3, 96) + track(end_of_track())).find("1 of 3"), std::string::npos);
}

TEST(MidiFixtures, ReadMissingFileIsInputError) {
  EXPECT_THROW(pv::midi::read("/nonexistent/dir/none.mid"), pv::InputError);
}
