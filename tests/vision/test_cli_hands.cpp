// `pianovam hands` end to end: a real photo, a still image without hands, unreadable inputs, a broken model.
#include <gtest/gtest.h>

#include <fstream>

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
