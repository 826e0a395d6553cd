#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <nlohmann/json.hpp>
#include <random>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/json/handskeleton.hpp"
#include "io/json/handskeleton_detail.hpp"
#include "test_util.hpp"

namespace {
using pv::hands_io::HandTrack;

bool same_obs(const pv::HandObservation& a, const pv::HandObservation& b, bool scores) {
  for (size_t i = 0; i < 21; ++i) {
    const auto &p = a.points[i], &q = b.points[i];
    if (std::bit_cast<std::uint32_t>(p.x) != std::bit_cast<std::uint32_t>(q.x) ||
        std::bit_cast<std::uint32_t>(p.y) != std::bit_cast<std::uint32_t>(q.y) ||
        std::bit_cast<std::uint32_t>(p.z) != std::bit_cast<std::uint32_t>(q.z))
      return false;
  }
  return !scores || (a.presence == b.presence && a.handedness == b.handedness);
}
bool same(const HandTrack& a, const HandTrack& b, bool scores = true) {
  if (a.frames.size() != b.frames.size()) return false;
  for (size_t i = 0; i < a.frames.size(); ++i) {
    const auto &f = a.frames[i], &g = b.frames[i];
    if (bool(f.left) != bool(g.left) || bool(f.right) != bool(g.right)) return false;
    if (f.left && !same_obs(*f.left, *g.left, scores)) return false;
    if (f.right && !same_obs(*f.right, *g.right, scores)) return false;
  }
  return true;
}

HandTrack random_track(int frames, unsigned seed, bool scores) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1), z(-0.2f, 0.2f);
  HandTrack t;
  t.frames.resize(static_cast<size_t>(frames));
  for (auto& f : t.frames) {
    for (auto* slot : {&f.left, &f.right}) {
      if (rng() % 4 == 0) continue;
      pv::HandObservation o;
      for (auto& p : o.points) p = {u(rng), u(rng), z(rng)};
      if (scores) {
        o.presence = u(rng);
        o.handedness = u(rng);
      }
      *slot = o;
    }
  }
  if (frames > 2) t.frames.back() = {};  // trailing empty frame must survive
  return t;
}

std::string one_frame(const std::string& frame_body) { return "{\"0\": " + frame_body + "}"; }
std::string hand_json(int n_landmarks, const std::string& point = "[0.5, 0.25, -0.125]") {
  std::string s = "[";
  for (int i = 0; i < n_landmarks; ++i) s += (i ? ", " : "") + point;
  return s + "]";
}
}  // namespace

TEST(Handskeleton, JsonRoundTripIsIdentity) {
  for (bool scores : {false, true}) {
    HandTrack t = random_track(300, 11, scores);
    std::string text = pv::hands_io::to_json(t, scores);
    HandTrack back = pv::hands_io::parse_json(text, "h.json");
    EXPECT_TRUE(same(t, back, true));
    EXPECT_EQ(pv::hands_io::to_json(back, scores), text);
  }
}

TEST(Handskeleton, FastAndDomAgree) {
  HandTrack t = random_track(120, 5, true);
  std::string text = pv::hands_io::to_json(t, true);
  HandTrack fast = pv::hands_io::detail::parse_json_fast(text, "h");
  HandTrack dom = pv::hands_io::detail::parse_json_dom(text, "h");
  EXPECT_TRUE(same(fast, dom, true));
  EXPECT_TRUE(same(fast, t, true));
  // Python-style doubles with 17 digits and exponents read the same on both paths.
  std::string py = one_frame("{\"Left\": " + hand_json(21, "[0.51234567890123456, 1.5e-3, -7.25E-2]") +
                             ", \"Right\": null, \"extra\": {\"a\": [1, \"x\\\"y\", true]}}");
  EXPECT_TRUE(same(pv::hands_io::detail::parse_json_fast(py, "p"), pv::hands_io::detail::parse_json_dom(py, "p")));
}

// Track ids and world landmarks (hands --scores / --world): extra keys after each present hand; without extras
// the text is unchanged; both parsers read such files and give the same hands.
TEST(Handskeleton, ExtraKeysAreWrittenAndSkippedByTheReader) {
  HandTrack t = random_track(40, 7, true);
  std::vector<pv::hands_io::FrameExtra> extras(t.frames.size());
  for (size_t i = 0; i < t.frames.size(); ++i) {
    if (t.frames[i].left) extras[i].left = pv::hands_io::HandExtra{static_cast<int>(i % 3) + 1, std::nullopt};
    if (t.frames[i].right) {
      pv::HandLandmarks w{};
      for (size_t k = 0; k < 21; ++k) w[k] = {0.01f * static_cast<float>(k), -0.02f, 0.003f};
      extras[i].right = pv::hands_io::HandExtra{7, w};
    }
  }
  const std::string plain = pv::hands_io::to_json(t, true);
  EXPECT_EQ(pv::hands_io::to_json(t, true, nullptr), plain);
  const std::string text = pv::hands_io::to_json(t, true, &extras);
  ASSERT_NE(text, plain);
  auto doc = nlohmann::json::parse(text);
  size_t with_left = 0, with_right = 0;
  for (size_t i = 0; i < t.frames.size(); ++i) {
    const auto& f = doc[std::to_string(i)];
    if (t.frames[i].left) {
      ++with_left;
      EXPECT_EQ(f["Left_track_id"].get<int>(), static_cast<int>(i % 3) + 1);
      EXPECT_FALSE(f.contains("Left_world_landmarks"));
    } else {
      EXPECT_FALSE(f.contains("Left_track_id"));
    }
    if (t.frames[i].right) {
      ++with_right;
      EXPECT_EQ(f["Right_track_id"].get<int>(), 7);
      ASSERT_EQ(f["Right_world_landmarks"].size(), 21u);
      EXPECT_FLOAT_EQ(f["Right_world_landmarks"][20][0].get<float>(), 0.2f);
      EXPECT_FLOAT_EQ(f["Right_world_landmarks"][3][2].get<float>(), 0.003f);
    }
  }
  EXPECT_GT(with_left, 0u);
  EXPECT_GT(with_right, 0u);
  EXPECT_TRUE(same(pv::hands_io::detail::parse_json_fast(text, "x"), t, true));
  EXPECT_TRUE(same(pv::hands_io::detail::parse_json_dom(text, "x"), t, true));
  EXPECT_TRUE(same(pv::hands_io::parse_json(text, "x"), t, true));
}

TEST(Handskeleton, SparseKeysAndFallback) {
  // Frames 0 and 1 absent, frame 3 null, key written with an escape (fallback path).
  std::string text = "{\"2\": {\"Right\": " + hand_json(21) + "}, \"3\": null, \"\\u0035\": {\"Left\": null}}";
  HandTrack t = pv::hands_io::parse_json(text, "s.json");
  ASSERT_EQ(t.frames.size(), 6u);
  EXPECT_FALSE(t.frames[0].left || t.frames[0].right);
  ASSERT_TRUE(t.frames[2].right);
  EXPECT_FALSE(t.frames[2].left);
  EXPECT_FLOAT_EQ(t.frames[2].right->points[20].z, -0.125f);
  EXPECT_EQ(pv::hands_io::parse_json("{}", "e").frames.size(), 0u);
  EXPECT_EQ(pv::hands_io::parse_json("\xEF\xBB\xBF{}", "bom").frames.size(), 0u);
}

TEST(Handskeleton, BinaryRoundTripAndReadByContent) {
  auto dir = pvtest::temp_dir();
  HandTrack t = random_track(500, 3, true);
  std::string bin = pv::hands_io::to_binary(t);
  EXPECT_EQ(bin.substr(0, 4), "PVHS");
  EXPECT_TRUE(same(pv::hands_io::parse_binary(bin, "b"), t, true));
  EXPECT_EQ(pv::hands_io::to_binary(pv::hands_io::parse_binary(bin, "b")), bin);
  pv::write_file_atomic(dir / "h.pvhs", bin);
  pv::hands_io::write_json(dir / "h.json", t, true);
  EXPECT_TRUE(same(pv::hands_io::read(dir / "h.pvhs"), t, true));
  EXPECT_TRUE(same(pv::hands_io::read(dir / "h.json"), t, true));
  EXPECT_TRUE(same(pv::hands_io::read_json(dir / "h.json"), t, true));
  EXPECT_THROW(pv::hands_io::read(dir / "absent.json"), pv::InputError);
}

TEST(Handskeleton, WrongShapesNameFileAndFrame) {
  struct Case {
    std::string text;
    std::string must_mention;
  };
  std::vector<Case> cases = {
      {"[]", "h.json"},
      {"{\"abc\": null}", "frame key \"abc\""},
      {"{\"-1\": null}", "frame key \"-1\""},
      {"{\"99999999999\": null}", "above the limit"},
      {"{\"7\": 5}", "frame \"7\""},
      {"{\"7\": {\"Left\": 5}}", "frame \"7\": Left"},
      {"{\"7\": {\"Left\": " + hand_json(20) + "}}", "frame \"7\": Left"},
      {"{\"7\": {\"Right\": " + hand_json(22) + "}}", "frame \"7\": Right"},
      {"{\"7\": {\"Left\": " + hand_json(21, "[1, 2]") + "}}", "landmark 0"},
      {"{\"7\": {\"Left\": " + hand_json(21, "[1, 2, \"3\"]") + "}}", "landmark 0"},
      {"{\"7\": {\"Left\": " + hand_json(21, "[1, 2, 1e99]") + "}}", "out of range"},
      {"{\"7\": {\"Left\": " + hand_json(21, "[1, 2, NaN]") + "}}", "frame \"7\""},
      {"{\"7\": {\"Left_score\": [1]}}", "Left_score"},
      {"{\"7\": null, \"7\": null}", "duplicate"},
      {"{\"7\": null} trailing", "after the top-level"},
      {"{\"7\": null", "h.json"},
      {"{\"\\u0037\": {\"Left\": 5}}", "frame \"7\": Left"},  // DOM path
      {"{\"\\u0037\": {\"Left\": " + hand_json(3) + "}}", "frame \"7\": Left"},
      {"{\"7\": {\"x\": " + std::string(5000, '[') + std::string(5000, ']') + "}}", "nesting"},
      {"{\"\\u0037\": {\"Left\": " + hand_json(21, "[" + std::string(5000, '[') + std::string(5000, ']') + ", 1, 2]") +
           "}}", "landmark 0"},
  };
  for (const auto& c : cases) {
    try {
      pv::hands_io::parse_json(c.text, "h.json");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const pv::InputError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("h.json"), std::string::npos) << what;
      EXPECT_NE(what.find(c.must_mention), std::string::npos) << what;
    }
  }
}

TEST(Handskeleton, BadBinaryIsInputError) {
  HandTrack t = random_track(4, 9, true);
  std::string bin = pv::hands_io::to_binary(t);
  std::vector<std::string> cases = {"", "PVH", "PVHS", "XVHS\1\0\0\0\0\0\0\0", bin + "x"};
  std::string v2 = bin;
  v2[4] = 2;
  cases.push_back(v2);
  std::string huge = bin;
  huge[11] = '\x7f';  // frame count far beyond the file
  cases.push_back(huge);
  std::string mask = bin;
  mask[12] = 9;
  cases.push_back(mask);
  std::string nan = bin;
  for (int i = 0; i < 4; ++i) nan[13 + i] = "\x00\x00\xc0\x7f"[i];  // first float of frame 0 = NaN
  cases.push_back(nan);
  for (size_t n = 0; n < bin.size(); n += 13) cases.push_back(bin.substr(0, n));
  for (const auto& c : cases) {
    if (c == bin) continue;
    EXPECT_THROW(pv::hands_io::parse_binary(c, "h.pvhs"), pv::InputError) << c.size();
  }
}

// Hundreds of mutated JSON and binary files: parse or InputError, never anything else.
TEST(Handskeleton, MutationsNeverCrash) {
  HandTrack t = random_track(6, 21, true);
  const std::string json = pv::hands_io::to_json(t, true);
  const std::string bin = pv::hands_io::to_binary(t);
  std::mt19937 rng(99);
  int total = 0, errors = 0;
  auto attempt = [&](const std::string& bytes, bool must_fail) {
    ++total;
    try {
      HandTrack r = pv::hands_io::parse_json(bytes, "m");
      EXPECT_FALSE(must_fail);
      (void)r;
    } catch (const pv::InputError&) {
      ++errors;
    }
    try {
      (void)pv::hands_io::parse_binary(bytes, "m");
    } catch (const pv::InputError&) {
    }
  };
  for (size_t n = 0; n + 2 < json.size(); n += json.size() / 150) attempt(json.substr(0, n), true);
  for (size_t n = 0; n < bin.size(); n += bin.size() / 100) attempt(bin.substr(0, n), true);
  const char* structural = "{}[]\",:0-.e";
  for (int i = 0; i < 300; ++i) {
    std::string j = json, b = bin;
    size_t pos = rng() % j.size();
    if (i % 2)
      j[pos] = static_cast<char>(j[pos] ^ (1 << (rng() % 8)));
    else
      j[pos] = structural[rng() % 11];
    attempt(j, false);
    b[rng() % b.size()] ^= static_cast<char>(1 << (rng() % 8));
    attempt(b, false);
  }
  EXPECT_GE(total, 800);
  EXPECT_GE(errors, 250);
}

// Real MediaPipe Hands landmarks (float32 printed shortest) from ../shared/data: a Handskeleton made
// of them survives JSON and PVHS write -> read bit for bit.
TEST(Handskeleton, RealMediapipeLandmarksRoundTripExactly) {
  PV_REQUIRE_SHARED("mediapipe-reference/video_full.json");
  auto ref = nlohmann::json::parse(pv::read_file(pvtest::shared_data() / "mediapipe-reference/video_full.json"));
  HandTrack t;
  size_t hands = 0;
  for (const auto& fr : ref.at("frames")) {
    size_t i = fr.at("frame").get<size_t>();
    if (i >= t.frames.size()) t.frames.resize(i + 1);
    for (const auto& h : fr.at("hands")) {
      auto& slot = h.at("handedness").at("label") == "Left" ? t.frames[i].left : t.frames[i].right;
      if (slot) continue;  // MediaPipe's duplicate of the same hand
      pv::HandObservation o;
      for (size_t k = 0; k < 21; ++k) {
        const auto& p = h.at("landmarks").at(k);
        // Reference floats read exactly as float32 from their shortest decimal text.
        float xyz[3];
        for (int c = 0; c < 3; ++c) {
          std::string s = p.at(c).dump();
          std::from_chars(s.data(), s.data() + s.size(), xyz[c]);
        }
        o.points[k] = {xyz[0], xyz[1], xyz[2]};
      }
      o.handedness = h.at("handedness").at("score").get<float>();
      slot = o;
      ++hands;
    }
  }
  ASSERT_EQ(t.frames.size(), 120u);
  EXPECT_GE(hands, 120u);
  auto dir = pvtest::temp_dir();
  pv::hands_io::write_json(dir / "real.json", t, true);
  pv::write_file_atomic(dir / "real.pvhs", pv::hands_io::to_binary(t));
  EXPECT_TRUE(same(pv::hands_io::read(dir / "real.json"), t, true));
  EXPECT_TRUE(same(pv::hands_io::read(dir / "real.pvhs"), t, true));
  EXPECT_TRUE(same(pv::hands_io::detail::parse_json_dom(pv::read_file(dir / "real.json"), "r"), t, true));
}
