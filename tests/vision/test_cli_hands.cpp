// `pianovam hands` end to end: a real photo, a still image without hands, unreadable inputs, a broken model.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/json/handskeleton.hpp"
#include "io/video/video.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {
fs::path models() { return fs::path(PV_SOURCE_DIR) / "assets/models"; }
std::string q(const fs::path& p) { return "\"" + p.string() + "\""; }
}  // namespace

TEST(CliHands, RealPhotoGivesFrameZeroWithThePianistLabel) {
  PV_REQUIRE_SHARED("hand-images");
  if (!fs::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  auto dir = pvtest::temp_dir();
  // Reference: one hand, MediaPipe raw label "Right" -> the pianist's LEFT hand on a non-mirrored camera.
  auto img = pvtest::shared_data() / "hand-images/call/0413d5c5-f5ba-476f-a921-ea5e967692a9.jpg";
  auto r = pvtest::run_cli("hands " + q(img) + " -o " + q(dir / "h.json") + " --binary " + q(dir / "h.pvhs") +
                           " --models " + q(models()) + " --scores --json --threads 1");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("\"frames_with_left\": 1"), std::string::npos) << r.out;
  auto t = pv::hands_io::read_json(dir / "h.json");
  ASSERT_EQ(t.frames.size(), 1u);
  ASSERT_TRUE(t.frames[0].left.has_value());
  EXPECT_FALSE(t.frames[0].right.has_value());
  EXPECT_NEAR(t.frames[0].left->points[0].x, 0.7054774, 0.005);  // wrist, MediaPipe reference
  EXPECT_NEAR(t.frames[0].left->points[0].y, 0.40093294, 0.005);
  auto b = pv::hands_io::read(dir / "h.pvhs");
  ASSERT_EQ(b.frames.size(), 1u);
  EXPECT_TRUE(b.frames[0].left.has_value());
  // --mirrored keeps MediaPipe's raw label.
  r = pvtest::run_cli("hands " + q(img) + " -o " + q(dir / "m.json") + " --models " + q(models()) + " --mirrored");
  ASSERT_EQ(r.rc, 0);
  auto m = pv::hands_io::read_json(dir / "m.json");
  EXPECT_TRUE(m.frames.at(0).right.has_value());
}

TEST(CliHands, ImageWithoutHandsWritesNulls) {
  if (!fs::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  auto dir = pvtest::temp_dir();
  std::vector<std::uint8_t> gray(320 * 240 * 3, 128);
  pv::video::write_png(dir / "gray.png", 320, 240, gray.data());
  auto r = pvtest::run_cli("hands " + q(dir / "gray.png") + " -o " + q(dir / "g.json") + " --models " + q(models()),
                           true);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("no hands found"), std::string::npos) << r.out;
  auto t = pv::hands_io::read_json(dir / "g.json");
  ASSERT_EQ(t.frames.size(), 1u);
  EXPECT_FALSE(t.frames[0].left.has_value());
  EXPECT_FALSE(t.frames[0].right.has_value());
}

TEST(CliHands, BadInputsGiveClearErrors) {
  if (!fs::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  auto dir = pvtest::temp_dir();
  {
    std::ofstream(dir / "broken.mp4") << "this is not a video";
  }
  auto r = pvtest::run_cli("hands " + q(dir / "broken.mp4") + " -o " + q(dir / "x.json") + " --models " + q(models()),
                           true);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("broken.mp4"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "x.json"));

  r = pvtest::run_cli("hands " + q(dir / "missing.mp4") + " -o " + q(dir / "x.json"), true);
  EXPECT_EQ(r.rc, 2) << r.out;

  // A damaged model file: the message names it.
  fs::create_directories(dir / "models");
  for (const char* f : {"palm_detection_full.tflite", "hand_landmark_full.tflite"}) fs::copy_file(models() / f, dir / "models" / f);
  fs::resize_file(dir / "models/hand_landmark_full.tflite", 5000);
  std::vector<std::uint8_t> gray(64 * 64 * 3, 100);
  pv::video::write_png(dir / "g.png", 64, 64, gray.data());
  r = pvtest::run_cli("hands " + q(dir / "g.png") + " -o " + q(dir / "x.json") + " --models " + q(dir / "models"), true);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("hand_landmark_full.tflite"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("malformed TFLite model"), std::string::npos) << r.out;
}

namespace {
// The first `frames` frames of the real clip re-encoded into `out` (a short real video for CLI runs).
void real_clip_head(const fs::path& out, int frames) {
  pv::video::Decoder dec(pvtest::shared_data() / "hand-video/9.senfoni_righthand_sena.mp4");
  pv::video::EncoderOptions eo;
  eo.width = dec.info().width;
  eo.height = dec.info().height;
  eo.fps = dec.info().fps;
  eo.crf = 12;
  pv::video::Encoder enc(out, eo);
  pv::video::Frame f;
  for (int i = 0; i < frames && dec.next(f); ++i) enc.add_frame(f.rgb.data());
  enc.finish();
}
}  // namespace

// PianoVAM's default thresholds find no palm in the real clip (wrist out of frame): the output stays valid, and
// stderr says why and what to try; with MediaPipe's thresholds the hand is found and nothing is printed.
TEST(CliHands, NoHandsWithDefaultThresholdsWarnsAndSuggestsLowerOnes) {
  PV_REQUIRE_SHARED("hand-video");
  if (!fs::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  auto dir = pvtest::temp_dir();
  real_clip_head(dir / "clip.mp4", 24);
  auto r = pvtest::run_cli("hands " + q(dir / "clip.mp4") + " -o " + q(dir / "d.json") + " --models " + q(models()),
                           true);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("no hands found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--min-detection 0.5"), std::string::npos) << r.out;
  auto t = pv::hands_io::read_json(dir / "d.json");
  ASSERT_EQ(t.frames.size(), 24u);
  for (const auto& f : t.frames) EXPECT_FALSE(f.left || f.right);

  r = pvtest::run_cli("hands " + q(dir / "clip.mp4") + " -o " + q(dir / "m.json") + " --models " + q(models()) +
                          " --min-detection 0.3 --min-presence 0.5",
                      true);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(r.out.find("no hands found"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("only"), std::string::npos) << r.out;
  auto m = pv::hands_io::read_json(dir / "m.json");
  ASSERT_EQ(m.frames.size(), 24u);
  int right = 0;
  for (const auto& f : m.frames) right += f.right.has_value();
  EXPECT_GE(right, 20);  // the pianist's right hand, tracked through the clip
}

// Default output is exactly PianoVAM's ("Left"/"Right" only); --scores adds scores and track ids, --world the
// world landmarks; our reader reads every variant to the same landmarks.
TEST(CliHands, ScoresAndWorldAddKeysOnlyWhenAsked) {
  PV_REQUIRE_SHARED("hand-images");
  if (!fs::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  auto dir = pvtest::temp_dir();
  auto img = pvtest::shared_data() / "hand-images/call/0413d5c5-f5ba-476f-a921-ea5e967692a9.jpg";
  const std::string base = "hands " + q(img) + " --models " + q(models()) + " -o ";
  ASSERT_EQ(pvtest::run_cli(base + q(dir / "plain.json")).rc, 0);
  ASSERT_EQ(pvtest::run_cli(base + q(dir / "all.json") + " --scores --world").rc, 0);
  ASSERT_EQ(pvtest::run_cli(base + q(dir / "world.json") + " --world").rc, 0);
  auto read_doc = [](const fs::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in);
  };
  const auto plain = read_doc(dir / "plain.json"), all = read_doc(dir / "all.json"), world = read_doc(dir / "world.json");
  ASSERT_EQ(plain["0"].size(), 2u);  // {"Left": [...], "Right": null}
  EXPECT_TRUE(plain["0"].contains("Left") && plain["0"].contains("Right"));
  const auto& f = all["0"];
  EXPECT_EQ(f["Left_score"].size(), 2u);
  EXPECT_GE(f["Left_track_id"].get<int>(), 1);
  ASSERT_EQ(f["Left_world_landmarks"].size(), 21u);
  EXPECT_FALSE(f.contains("Right_track_id") || f.contains("Right_world_landmarks"));  // no right hand
  EXPECT_FALSE(world["0"].contains("Left_track_id") || world["0"].contains("Left_score"));
  EXPECT_EQ(world["0"]["Left_world_landmarks"], f["Left_world_landmarks"]);
  // World landmarks are metric: wrist to middle-finger MCP of an adult hand, 6-12 cm.
  const auto& w = f["Left_world_landmarks"];
  const double palm = std::hypot(w[0][0].get<double>() - w[9][0].get<double>(),
                                 w[0][1].get<double>() - w[9][1].get<double>(), w[0][2].get<double>() - w[9][2].get<double>());
  EXPECT_GT(palm, 0.06);
  EXPECT_LT(palm, 0.12);
  const auto a = pv::hands_io::read_json(dir / "plain.json"), b = pv::hands_io::read_json(dir / "all.json");
  ASSERT_TRUE(a.frames.at(0).left && b.frames.at(0).left);
  for (size_t i = 0; i < 21; ++i) {
    EXPECT_EQ(a.frames[0].left->points[i].x, b.frames[0].left->points[i].x);
    EXPECT_EQ(a.frames[0].left->points[i].y, b.frames[0].left->points[i].y);
  }
}

// More broken inputs: a model of random bytes, an empty video, a video cut in half (no index): a message naming
// the file, exit status 1, no output written.
TEST(CliHands, MoreBrokenInputsGiveClearErrors) {
  if (!fs::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  auto dir = pvtest::temp_dir();
  std::vector<std::uint8_t> gray(64 * 64 * 3, 100);
  pv::video::write_png(dir / "g.png", 64, 64, gray.data());

  fs::create_directories(dir / "models");
  fs::copy_file(models() / "hand_landmark_full.tflite", dir / "models/hand_landmark_full.tflite");
  {
    std::ofstream junk(dir / "models/palm_detection_full.tflite", std::ios::binary);
    std::uint32_t x = 12345;
    for (int i = 0; i < 100000; ++i) {
      x = x * 1664525u + 1013904223u;
      junk.put(static_cast<char>(x >> 24));
    }
  }
  auto r = pvtest::run_cli("hands " + q(dir / "g.png") + " -o " + q(dir / "x.json") + " --models " + q(dir / "models"),
                           true);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("palm_detection_full.tflite"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("malformed TFLite model"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "x.json"));

  {
    std::ofstream(dir / "empty.mp4");
  }
  r = pvtest::run_cli("hands " + q(dir / "empty.mp4") + " -o " + q(dir / "x.json") + " --models " + q(models()), true);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("empty.mp4"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "x.json"));

  std::vector<std::uint8_t> frame(160 * 120 * 3, 90);
  {
    pv::video::EncoderOptions eo;
    eo.width = 160;
    eo.height = 120;
    pv::video::Encoder enc(dir / "whole.mp4", eo);
    for (int i = 0; i < 30; ++i) enc.add_frame(frame.data());
    enc.finish();
  }
  const auto size = fs::file_size(dir / "whole.mp4");
  fs::copy_file(dir / "whole.mp4", dir / "cut.mp4");
  fs::resize_file(dir / "cut.mp4", size / 2);
  r = pvtest::run_cli("hands " + q(dir / "cut.mp4") + " -o " + q(dir / "x.json") + " --models " + q(models()), true);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("cut.mp4"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "x.json"));
}
