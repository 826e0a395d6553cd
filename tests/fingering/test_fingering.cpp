#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "fingering/assign.hpp"
#include "fingering/evaluate.hpp"
#include "fingering/floating.hpp"
#include "fingering/pianoroll.hpp"
#include "fingering/pig.hpp"
#include "fingering/simulate.hpp"
#include "io/video/video.hpp"
#include "test_util.hpp"

using namespace pv;
using namespace pv::fing;

namespace {

const KeyboardCorners kBox{{0.1, 0.4}, {0.9, 0.4}, {0.9, 0.5}, {0.1, 0.5}};
const kb::Keyboard88& board() {
  static const kb::Keyboard88 k(kBox);
  return k;
}
// Frame point at keyboard-plane (u, v).
Point2 at(double u, double v) { return board().from_plane({u, v}); }
Point2 white_centre(int pitch) { return at(kb::white_index(pitch) + 0.5, board().depth() * 0.8); }

// A hand resting below the keyboard (no fingertip near any key), fixed wrist/MCP triangle around x0.
HandObservation idle_hand(double x0) {
  HandObservation o;
  for (int i = 0; i < 21; ++i) o.points[i] = {float(x0), 0.8f, 0.0f};
  o.points[0] = {float(x0), 0.75f, 0};
  o.points[5] = {float(x0 - 0.02), 0.65f, 0};
  o.points[9] = {float(x0), 0.64f, 0};
  o.points[13] = {float(x0 + 0.015), 0.65f, 0};
  o.points[17] = {float(x0 + 0.03), 0.66f, 0};
  for (int f = 1; f <= 5; ++f) {  // tips + DIPs well below the keyboard
    o.points[4 * f] = {float(x0 + 0.01 * (f - 3)), 0.6f, 0};
    o.points[4 * f - 1] = {float(x0 + 0.01 * (f - 3)), 0.61f, 0};
  }
  return o;
}
void put_finger(HandObservation& o, int finger, Point2 p) {
  o.points[4 * finger] = {float(p.x), float(p.y), 0};
  o.points[4 * finger - 1] = {float(p.x), float(p.y), 0};
}

Note note(int pitch, double on, double off) {
  Note n;
  n.pitch = pitch;
  n.onset = on;
  n.key_offset = n.sound_offset = off;
  return n;
}

// fps 10: a note from 1.0 to 2.0 s spans frames 10..19.
std::vector<HandFrame> frames_with(int n) {
  std::vector<HandFrame> f(n);
  for (auto& x : f) {
    x.left = idle_hand(0.3);
    x.right = idle_hand(0.7);
  }
  return f;
}

Config ref_cfg() { return Config::reference(); }

}  // namespace

TEST(Reference, OneFingerOnKeyIsLabelled) {
  auto fr = frames_with(30);
  for (int k = 10; k < 20; ++k) put_finger(*fr[k].right, 2, white_centre(60));
  Summary s;
  auto out = assign({note(60, 1.0, 2.0)}, fr, 10, board(), ref_cfg(), &s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, Status::Auto);
  EXPECT_EQ(out[0].hand, Hand::Right);
  EXPECT_EQ(out[0].finger, 2);
  EXPECT_EQ(out[0].frames, 10);
  ASSERT_EQ(out[0].candidates.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].candidates[0].score, 1.0);
  EXPECT_EQ(s.auto_, 1);
  EXPECT_EQ(s.floating_hand_frames, 0);
}

TEST(Reference, SingleCandidateAtSixtyPercent) {
  auto fr = frames_with(30);
  for (int k = 10; k < 16; ++k) put_finger(*fr[k].left, 3, white_centre(48));
  auto out = assign({note(48, 1.0, 2.0)}, fr, 10, board(), ref_cfg());
  EXPECT_EQ(out[0].status, Status::Auto);
  EXPECT_EQ(out[0].hand, Hand::Left);
  EXPECT_EQ(out[0].finger, 3);
  EXPECT_NEAR(out[0].candidates[0].score, 0.6, 1e-12);
}

TEST(Reference, SeveralCandidatesExactlyOneStrong) {
  auto fr = frames_with(30);
  for (int k = 10; k < 20; ++k) put_finger(*fr[k].right, 2, white_centre(60));  // 1.0 strong
  for (int k = 10; k < 16; ++k) put_finger(*fr[k].left, 5, white_centre(60));   // 0.6 candidate
  auto out = assign({note(60, 1.0, 2.0)}, fr, 10, board(), ref_cfg());
  EXPECT_EQ(out[0].status, Status::Auto);
  EXPECT_EQ(out[0].hand, Hand::Right);
  EXPECT_EQ(out[0].finger, 2);
  EXPECT_EQ(out[0].candidates.size(), 2u);
}

TEST(Reference, TwoStrongCandidatesAreUndecided) {
  auto fr = frames_with(30);
  for (int k = 10; k < 20; ++k) put_finger(*fr[k].right, 2, white_centre(60));  // 1.0
  for (int k = 10; k < 19; ++k) put_finger(*fr[k].right, 3, white_centre(60));  // 0.9
  auto out = assign({note(60, 1.0, 2.0)}, fr, 10, board(), ref_cfg());
  EXPECT_EQ(out[0].status, Status::Undecided);
  EXPECT_EQ(out[0].hand, Hand::Noinfo);
  EXPECT_EQ(out[0].finger, 0);
  EXPECT_EQ(out[0].candidates.size(), 2u);
}

TEST(Reference, TwoWeakCandidatesAreUndecided) {
  auto fr = frames_with(30);
  for (int k = 10; k < 17; ++k) put_finger(*fr[k].right, 2, white_centre(60));  // 0.7
  for (int k = 13; k < 19; ++k) put_finger(*fr[k].right, 3, white_centre(60));  // 0.6
  auto out = assign({note(60, 1.0, 2.0)}, fr, 10, board(), ref_cfg());
  EXPECT_EQ(out[0].status, Status::Undecided);
}

TEST(Reference, NoCandidateIsNoinfo) {
  auto fr = frames_with(30);
  for (int k = 10; k < 14; ++k) put_finger(*fr[k].right, 2, white_centre(60));  // 0.4
  auto out = assign({note(60, 1.0, 2.0)}, fr, 10, board(), ref_cfg());
  EXPECT_EQ(out[0].status, Status::Noinfo);
  EXPECT_TRUE(out[0].candidates.empty());
}

TEST(Reference, NearKeyScoreIsSquaredFalloff) {
  auto fr = frames_with(30);
  // 0.1 white keys right of C4's right edge (C4/D4 boundary has a black key only in the back part).
  Point2 p = at(kb::white_index(60) + 1.1, board().depth() * 0.9);
  for (int k = 10; k < 20; ++k) put_finger(*fr[k].right, 1, p);
  auto out = assign({note(60, 1.0, 2.0)}, fr, 10, board(), ref_cfg());
  ASSERT_EQ(out[0].status, Status::Auto);
  EXPECT_NEAR(out[0].candidates[0].score, (1 - 0.1 / 0.5) * (1 - 0.1 / 0.5), 1e-5);  // float landmarks
  // Beyond h = half a white key: nothing.
  Point2 far = at(kb::white_index(60) + 1.6, board().depth() * 0.9);
  for (int k = 10; k < 20; ++k) put_finger(*fr[k].right, 1, far);
  EXPECT_EQ(assign({note(60, 1.0, 2.0)}, fr, 10, board(), ref_cfg())[0].status, Status::Noinfo);
}

TEST(Reference, TipPointIsNinetyTenTipDip) {
  auto fr = frames_with(30);
  // TIP on the key, DIP far below: point = 0.9 TIP + 0.1 DIP lies 0.1 of the way toward the DIP.
  Point2 tip = white_centre(60);
  for (int k = 10; k < 20; ++k) {
    fr[k].right->points[8] = {float(tip.x), float(tip.y), 0};
    fr[k].right->points[7] = {float(tip.x), float(tip.y + 0.3), 0};  // point y = tip + 0.03: off the key
  }
  auto out = assign({note(60, 1.0, 2.0)}, fr, 10, board(), ref_cfg());
  EXPECT_EQ(out[0].status, Status::Noinfo);  // 0.03 of the frame is > h below the key
  Config c = ref_cfg();
  c.tip_weight = 1.0;
  EXPECT_EQ(assign({note(60, 1.0, 2.0)}, fr, 10, board(), c)[0].status, Status::Auto);
}

TEST(Reference, DividesByAllFramesEvenWithoutHands) {
  auto fr = frames_with(30);
  for (int k = 10; k < 15; ++k) put_finger(*fr[k].right, 2, white_centre(60));
  for (int k = 15; k < 20; ++k) fr[k] = HandFrame{};  // no hands for half the note
  auto ref = assign({note(60, 1.0, 2.0)}, fr, 10, board(), ref_cfg());
  EXPECT_EQ(ref[0].status, Status::Auto);
  EXPECT_NEAR(ref[0].candidates[0].score, 0.5, 1e-12);
  EXPECT_EQ(ref[0].seen_frames, 5);
  Config imp;
  imp.fill_gap_frames = 0;
  auto better = assign({note(60, 1.0, 2.0)}, fr, 10, board(), imp);
  EXPECT_NEAR(better[0].candidates[0].score, 1.0, 1e-12);  // normalised by seen frames
}

TEST(Reference, FloatingHandIsExcluded) {
  auto fr = frames_with(200);
  // Frames 100..129: the right hand appears 1.5x larger (lifted toward the camera; its wrist angle differs
  // a little from the resting hand's, so the resting hand is the reference skeleton), finger over the key.
  for (int k = 100; k < 130; ++k) {
    auto& o = *fr[k].right;
    for (int i : {0, 5, 9, 13, 17}) {
      o.points[i].x = float(0.5 + (o.points[i].x - 0.5) * 1.5);
      o.points[i].y = float(0.5 + (o.points[i].y - 0.5) * 1.5);
    }
    o.points[5].x += 0.005f;
    put_finger(o, 2, white_centre(60));
  }
  auto fl = detect_floating(fr, FloatingConfig{});
  EXPECT_NEAR(fl.depth[50][1], 1.0, 1e-6);  // a hand like the model: depth 1
  EXPECT_TRUE(fl.floating[115][1]);
  EXPECT_FALSE(fl.floating[115][0]);
  EXPECT_FALSE(fl.floating[50][1]);
  auto out = assign({note(60, 11.0, 12.0)}, fr, 10, board(), ref_cfg());
  EXPECT_EQ(out[0].status, Status::Noinfo);
  Config off = ref_cfg();
  off.apply_floating = false;  // the reference's actual behaviour (flag computed, never applied)
  EXPECT_EQ(assign({note(60, 11.0, 12.0)}, fr, 10, board(), off)[0].status, Status::Auto);
}

TEST(Depth, ScaledTriangleGivesInverseDepth) {
  HandLandmarks h{};
  h[0] = {0.5f, 0.6f, 0};
  h[5] = {0.48f, 0.5f, 0};
  h[13] = {0.515f, 0.5f, 0};
  Skeleton m = model_skeleton({&h}, 16.0 / 9);
  ASSERT_TRUE(m.valid());
  EXPECT_NEAR(hand_depth(h, m, 16.0 / 9), 1.0, 1e-9);
  HandLandmarks big = h;
  for (int i : {0, 5, 13}) {
    big[i].x = float(0.5 + (h[i].x - 0.5) * 1.25);
    big[i].y = float(0.5 + (h[i].y - 0.5) * 1.25);
  }
  EXPECT_NEAR(hand_depth(big, m, 16.0 / 9), 0.8, 0.01);
}

TEST(Improved, SwappedLabelsAreCorrectedByPosition) {
  auto fr = frames_with(30);
  for (int k = 10; k < 20; ++k) {
    put_finger(*fr[k].right, 2, white_centre(72));
    std::swap(fr[k].left, fr[k].right);  // the hand at x 0.7 labelled Left
  }
  Summary s;
  auto out = assign({note(72, 1.0, 2.0)}, fr, 10, board(), Config{}, &s);
  EXPECT_EQ(out[0].status, Status::Auto);
  EXPECT_EQ(out[0].hand, Hand::Right);
  EXPECT_EQ(s.swapped_frames, 10);
  auto ref = assign({note(72, 1.0, 2.0)}, fr, 10, board(), ref_cfg());
  EXPECT_EQ(ref[0].hand, Hand::Left);  // the reference trusts the label
}

TEST(Improved, ChordFingersAreDistinct) {
  auto fr = frames_with(30);
  // R3 sits on C4, and between C4 and D4 well within reach of D4; R4 on D4 only half of the time.
  for (int k = 10; k < 20; ++k) put_finger(*fr[k].right, 3, white_centre(60));
  for (int k = 10; k < 15; ++k) put_finger(*fr[k].right, 4, white_centre(62));
  std::vector<Note> chord = {note(60, 1.0, 2.0), note(62, 1.0, 2.0)};
  Config c;
  c.near = 3.0;  // wide reach so R3 also scores on D4
  auto out = assign(chord, fr, 10, board(), c);
  ASSERT_EQ(out[0].status, Status::Auto);
  EXPECT_EQ(out[0].finger, 3);
  if (out[1].status == Status::Auto) {
    EXPECT_NE(out[1].finger, 3);
  }
}

TEST(Assign, BadInput) {
  EXPECT_THROW(assign({note(60, 1, 2)}, {}, 0.0, board(), Config{}), pv::Error);
  // Notes outside the 88 keys and notes after the video end are Noinfo, not a crash.
  auto out = assign({note(10, 1, 2), note(60, 100, 101)}, frames_with(30), 10, board(), Config{});
  EXPECT_EQ(out[0].status, Status::Noinfo);
  EXPECT_EQ(out[1].status, Status::Noinfo);
}

TEST(Pig, SpelledPitches) {
  EXPECT_EQ(parse_spelled_pitch("C4"), 60);
  EXPECT_EQ(parse_spelled_pitch("A0"), 21);
  EXPECT_EQ(parse_spelled_pitch("Bb3"), 58);
  EXPECT_EQ(parse_spelled_pitch("C##5"), 74);
  EXPECT_EQ(parse_spelled_pitch("Cb4"), 59);
  EXPECT_EQ(spelled_pitch(61), "C#4");
  EXPECT_THROW(parse_spelled_pitch("H4"), pv::Error);
  EXPECT_THROW(parse_spelled_pitch("C"), pv::Error);
  EXPECT_THROW(parse_spelled_pitch("C4x"), pv::Error);
}

TEST(Pig, ParseAndErrors) {
  auto n = parse_pig("//Version: PianoFingering_v170101\n0\t0\t0.5\tG4\t88\t80\t0\t2\n1\t0.5\t1\tG2\t70\t80\t1\t-5\n"
                     "2\t1\t1.5\tC4\t70\t80\t0\t3_1\n",
                     "x.txt");
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].pitch, 67);
  EXPECT_EQ(n[0].hand, Hand::Right);
  EXPECT_EQ(n[1].hand, Hand::Left);
  EXPECT_EQ(n[1].finger, 5);
  EXPECT_EQ(n[2].finger, 3);
  EXPECT_DOUBLE_EQ(n[1].key_offset, 1.0);
  EXPECT_THROW(parse_pig("0\t0\t0.5\tG4\t88\t80\t0\n", "short.txt"), pv::InputError);
  EXPECT_THROW(parse_pig("0\t0\t0.5\tG4\t88\t80\t1\t2\n", "sign.txt"), pv::InputError);
  EXPECT_THROW(parse_pig("0\t0\t0.5\tQ4\t88\t80\t0\t2\n", "pitch.txt"), pv::InputError);
  EXPECT_THROW(parse_pig("0\t1\t0.5\tG4\t88\t80\t0\t2\n", "order.txt"), pv::InputError);
  try {
    parse_pig("0\t0\t0.5\tG4\t88\t80\t0\t9\n", "nine.txt");
    FAIL();
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nine.txt"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos);
  }
}

TEST(Evaluate, CountsAndConfusion) {
  auto mk = [](int p, double on, Hand h, int f) {
    Note n = note(p, on, on + 0.5);
    n.hand = h;
    n.finger = f;
    return n;
  };
  std::vector<Note> gt = {mk(60, 0, Hand::Right, 1), mk(62, 0.5, Hand::Right, 2), mk(48, 0.5, Hand::Left, 5),
                          mk(64, 1.0, Hand::Right, 3)};
  std::vector<Note> pred = {mk(60, 0.01, Hand::Right, 1), mk(62, 0.5, Hand::Right, 3),
                            mk(48, 0.5, Hand::Right, 5), mk(64, 1.0, Hand::Noinfo, 0)};
  auto s = evaluate_fingering(pred, gt);
  EXPECT_EQ(s.gt_notes, 4);
  EXPECT_EQ(s.matched, 4);
  EXPECT_EQ(s.decided, 3);
  EXPECT_EQ(s.hand_finger_correct, 1);
  EXPECT_EQ(s.hand_correct, 2);
  EXPECT_NEAR(s.coverage(), 0.75, 1e-12);
  EXPECT_EQ(s.confusion[5][5], 1);   // R1 -> R1
  EXPECT_EQ(s.confusion[6][7], 1);   // R2 -> R3
  EXPECT_EQ(s.confusion[4][9], 1);   // L5 -> R5
  EXPECT_EQ(s.confusion[7][10], 1);  // R3 -> none
  // A prediction 0.2 s away is not a match.
  auto far = evaluate_fingering({mk(60, 0.2, Hand::Right, 1)}, {mk(60, 0, Hand::Right, 1)});
  EXPECT_EQ(far.matched, 0);
}

TEST(Simulator, NoiselessHandsPressTheirKeys) {
  std::vector<Note> gt;
  int fingers[] = {1, 2, 3, 1, 2, 3, 4, 5};
  int pitches[] = {60, 62, 64, 65, 67, 69, 71, 72};
  for (int i = 0; i < 8; ++i) {
    Note n = note(pitches[i], 0.5 + 0.4 * i, 0.85 + 0.4 * i);
    n.hand = Hand::Right;
    n.finger = fingers[i];
    gt.push_back(n);
    Note l = note(pitches[i] - 24, 0.5 + 0.4 * i, 0.85 + 0.4 * i);
    l.hand = Hand::Left;
    l.finger = 6 - fingers[i] > 5 ? 5 : 6 - fingers[i];
    gt.push_back(l);
  }
  SimConfig sim;
  sim.noise = sim.jitter = sim.drop_rate = sim.flip_rate = 0;
  SimStats st;
  auto fr = simulate_hands(gt, board(), sim, &st);
  EXPECT_EQ(st.dropped, 0);
  EXPECT_EQ(st.flipped, 0);
  ASSERT_GE(fr.size(), size_t(std::ceil(3.95 * 60)));
  // Mid-note frame of each note: the assigned fingertip is inside the key.
  for (const auto& n : gt) {
    long k = std::lround((n.onset + n.key_offset) / 2 * 60);
    const auto& o = n.hand == Hand::Left ? fr[k].left : fr[k].right;
    ASSERT_TRUE(o.has_value());
    const auto& t = o->points[4 * n.finger];
    EXPECT_EQ(board().key_at(Point2{t.x, t.y}), n.pitch - 21) << n.pitch;
  }
  // Labelling the noiseless simulation recovers everything.
  auto out = assign(gt, fr, 60, board(), Config{});
  for (size_t i = 0; i < gt.size(); ++i) {
    EXPECT_EQ(out[i].status, Status::Auto) << i;
    EXPECT_EQ(out[i].hand, gt[i].hand) << i;
    EXPECT_EQ(out[i].finger, gt[i].finger) << i;
  }
  // Same seed, same output.
  auto again = simulate_hands(gt, board(), sim);
  EXPECT_EQ(again.size(), fr.size());
  EXPECT_EQ(again[100].right->points[8].x, fr[100].right->points[8].x);
}

TEST(PianoRoll, DrawsNotesByHandWithDigits) {
  Note r = note(60, 1.0, 2.0);
  r.hand = Hand::Right;
  r.finger = 1;
  Note l = note(48, 0.5, 1.5);
  l.hand = Hand::Left;
  l.finger = 5;
  Note u = note(72, 0.0, 0.3);  // no label
  RollOptions opt;
  auto im = render_piano_roll({r, l, u}, opt);
  EXPECT_EQ(im.height, 88 * 8 + 8);
  EXPECT_EQ(im.width, 200 + 8);
  auto px = [&](int x, int y) {
    const auto* p = &im.rgb[(size_t(y) * im.width + x) * 3];
    return std::array<int, 3>{p[0], p[1], p[2]};
  };
  auto row = [&](int pitch) { return 4 + (108 - pitch) * 8; };
  EXPECT_EQ(px(4 + 150, row(60) + 1), (std::array<int, 3>{215, 50, 40}));  // right hand: red body
  EXPECT_EQ(px(4 + 100, row(48) + 1), (std::array<int, 3>{40, 90, 210}));  // left hand: blue body
  EXPECT_EQ(px(4 + 10, row(72) + 3), (std::array<int, 3>{150, 150, 150}));  // unlabelled: grey
  // Digit "1" of the right-hand note: its middle column is lit in all five rows.
  int x0 = 4 + 100 + 1, y0 = row(60) + 1;
  for (int k = 0; k < 5; ++k) EXPECT_EQ(px(x0 + 1, y0 + k), (std::array<int, 3>{255, 255, 255})) << k;
  EXPECT_THROW(render_piano_roll({r}, RollOptions{.pixels_per_second = 0}), pv::Error);
  // Long performances are compressed to max_width.
  Note late = note(60, 1000, 1001);
  EXPECT_LE(render_piano_roll({late}).width, 16000);
}

TEST(PianoRoll, PngRoundTripsPixelExactAndRejectsBadImages) {
  Note r = note(60, 0.2, 0.9);
  r.hand = Hand::Right;
  r.finger = 3;
  const auto im = render_piano_roll({r, note(50, 0.5, 1.0)});
  const auto dir = pvtest::temp_dir();
  const auto file = dir / "sub" / "roll.png";  // parent directory created
  write_png(file, im);
  const auto back = video::read_image(file);
  ASSERT_EQ(back.width, im.width);
  ASSERT_EQ(back.height, im.height);
  EXPECT_TRUE(back.rgb == im.rgb);
  Image bad = im;
  bad.rgb.pop_back();
  EXPECT_THROW(write_png(dir / "bad.png", bad), pv::Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.png"));
}

TEST(Improved, BlackWhiteCheckDropsFingertipsOnBlackKeys) {
  auto fr = frames_with(30);
  // Fingertip on C#4, 0.1 white keys from C4's back part: near C4 but on a black key.
  Point2 p = at(kb::white_index(60) + 1 - 1.0 / 12 - 0.25 + 0.1, board().depth() * 0.3);
  ASSERT_EQ(board().key_at(p), 61 - 21);
  for (int k = 10; k < 20; ++k) put_finger(*fr[k].right, 2, p);
  Config c;
  auto without = assign({note(60, 1.0, 2.0)}, fr, 10, board(), c);
  ASSERT_FALSE(without[0].candidates.empty());
  EXPECT_NEAR(without[0].candidates[0].score, 0.64, 1e-4);
  c.black_white_check = true;
  auto with = assign({note(60, 1.0, 2.0)}, fr, 10, board(), c);
  EXPECT_EQ(with[0].status, Status::Noinfo);
  EXPECT_TRUE(with[0].candidates.empty());
}
