// Tracking on the real clip vs MediaPipe's own video-mode output (../shared/data/mediapipe-reference).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/video/video.hpp"
#include "test_util.hpp"
#include "vision/frame_view.hpp"
#include "vision/tracker.hpp"

namespace pvv = pv::vision;

namespace {
std::filesystem::path models() { return std::filesystem::path(PV_SOURCE_DIR) / "assets/models"; }

double landmark_error(const nlohmann::json& ref, const pv::HandLandmarks& ours, int w, int h) {
  double s = 0;
  for (size_t i = 0; i < 21; ++i)
    s += std::hypot((ref[i][0].get<double>() - ours[i].x) * w, (ref[i][1].get<double>() - ours[i].y) * h);
  return s / 21.0 / std::max(w, h);
}

// The tracker on the decoder's RGB frames (planar = false) or sampling its YUV planes directly (as the CLI does).
void check_tracking(bool planar) {
  std::ifstream in(pvtest::shared_data() / "mediapipe-reference/video_full.json");
  const auto ref = nlohmann::json::parse(in);
  pvv::HandsOptions opt;
  opt.model_dir = models();
  opt.min_detection = 0.5f;  // the reference's options
  opt.min_presence = 0.5f;
  opt.duplicate_iou = 0.f;
  pvv::HandTracker tracker(opt);
  pv::video::Decoder dec(pvtest::shared_data() / ref["video"]["file"].get<std::string>());
  pv::video::Frame rgb_frame;
  pv::video::PlanarFrame planar_frame;
  int frames = 0, ref_hands = 0, matched = 0, close = 0, same_count = 0, right_only = 0, main_track = 0;
  double first_err = 1, err_sum = 0;
  for (const auto& rf : ref["frames"]) {
    ASSERT_TRUE(planar ? dec.next(planar_frame) : dec.next(rgb_frame)) << "video ended early";
    if (planar) {
      ASSERT_TRUE(planar_frame.planar());
    }
    const pvv::ImageView frame = planar ? pvv::view_of(planar_frame) : pvv::view_of(rgb_frame);
    auto hands = tracker.process(frame);
    ++frames;
    same_count += hands.size() == rf["hands"].size();
    // Pianist labels after duplicate removal: the clip shows one right hand.
    auto hf = pvv::HandTracker::to_frame(hands, 0.2f);
    right_only += hf.right.has_value() && !hf.left.has_value();
    for (size_t k = 0; k < rf["hands"].size(); ++k) {
      ++ref_hands;
      double best = 1;
      const pvv::TrackedHand* bh = nullptr;
      for (const auto& h : hands) {
        double e = landmark_error(rf["hands"][k]["landmarks"], h.hand.landmarks, frame.width, frame.height);
        if (e < best) best = e, bh = &h;
      }
      if (!bh) continue;
      ++matched;
      if (frames == 1) first_err = best;
      err_sum += best;
      close += best < 0.02;
      // MediaPipe emits new palm hands first and tracked hands last: the last one is the followed hand.
      if (k + 1 == rf["hands"].size()) main_track += bh->track_id == 1;
    }
    if (std::getenv("PV_VERBOSE")) {
      std::printf("frame %d ref %zu:", frames - 1, rf["hands"].size());
      for (const auto& r : rf["hands"]) std::printf(" %s", r["handedness"]["label"].get<std::string>().c_str());
      std::printf(" | ours:");
      for (const auto& h : hands)
        std::printf(" [id %d %s p %.2f]", h.track_id, h.hand.raw_right() ? "R" : "L", h.hand.presence);
      std::printf("\n");
    }
  }
  const auto tm = tracker.timing();
  std::printf("video (%s): %d frames, same hand count %d, ref hands %d matched %d, within 2%% of frame %d, "
              "mean error %.3g, frame 0 error %.2e, right-hand-only frames %d, followed by track 1 in %d, "
              "palm runs %ld\n",
              planar ? "YUV planes" : "RGB frames", frames, same_count, ref_hands, matched, close, err_sum / std::max(matched, 1), first_err, right_only,
              main_track, tm.palm_runs);
  EXPECT_EQ(frames, 120);
  EXPECT_LE(first_err, 0.005);          // the first frame is a plain detection: tight
  EXPECT_GE(same_count, 114);           // same hand count (duplicates included) on >= 95 % of frames
  EXPECT_EQ(matched, ref_hands);
  EXPECT_GE(close, ref_hands * 95 / 100);  // within 2 % of the frame size
  EXPECT_EQ(main_track, 120);           // one track follows the hand through the clip
  EXPECT_EQ(right_only, 120);           // the pianist's right hand (raw "Left", non-mirrored), never flipped
  EXPECT_LT(tm.palm_runs, 120);         // no palm detection while max_hands hands are tracked
}
}  // namespace

TEST(HandsVideo, TracksTheHandThroughTheClip) {
  PV_REQUIRE_SHARED("mediapipe-reference/video_full.json");
  PV_REQUIRE_SHARED("hand-video");
  if (!std::filesystem::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  check_tracking(false);
}

TEST(HandsVideo, TracksTheHandOnYuvPlanes) {
  PV_REQUIRE_SHARED("mediapipe-reference/video_full.json");
  PV_REQUIRE_SHARED("hand-video");
  if (!std::filesystem::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  check_tracking(true);
}

// Sampling the YUV planes gives exactly the crop of the decoder's RGB frame: limited-range BT.709 H.264 (the
// real clip) and full-range JPEG (a real photo, odd sizes).
void expect_same_crops(const std::filesystem::path& file, int skip) {
  pv::video::Decoder a(file), b(file);
  pv::video::Frame rgb;
  pv::video::PlanarFrame yuv;
  for (int n = 0; n <= skip; ++n) {
    ASSERT_TRUE(a.next(rgb));
    ASSERT_TRUE(b.next(yuv));
  }
  ASSERT_TRUE(yuv.planar()) << file;
  EXPECT_EQ(yuv.index, rgb.index);
  EXPECT_DOUBLE_EQ(yuv.time, rgb.time);
  const pvv::NormRect rois[] = {{0.5f, 0.5f, 0.4f, 0.6f, 0.3f},    // rotated, inside
                                {0.05f, 0.9f, 0.5f, 0.5f, -2.0f},  // over the corner (edge clamp)
                                {0.5f, 0.5f, 1.2f, 1.2f, 0.f}};    // larger than the frame
  for (const auto& roi : rois)
    for (bool zero : {false, true}) {
      std::vector<float> ta(224 * 224 * 3), tb(ta.size());
      pvv::crop_to_tensor(pvv::view_of(rgb), roi, 224, 224, zero, ta.data());
      pvv::crop_to_tensor(pvv::view_of(yuv), roi, 224, 224, zero, tb.data());
      size_t differ = 0;
      for (size_t i = 0; i < ta.size(); ++i) differ += ta[i] != tb[i];
      EXPECT_EQ(differ, 0u) << file << " roi " << roi.x_center << "," << roi.y_center << " zero border " << zero;
    }
}

TEST(HandsVideo, YuvCropEqualsRgbCrop) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the YUV sampler reproduces FFmpeg's x86 converter; elsewhere it differs by rounding";
#endif
  PV_REQUIRE_SHARED("hand-video");
  PV_REQUIRE_SHARED("hand-images");
  expect_same_crops(pvtest::shared_data() / "hand-video/9.senfoni_righthand_sena.mp4", 2);
  int photos = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(pvtest::shared_data() / "hand-images")) {
    if (e.path().extension() != ".jpg" || photos >= 3) continue;
    pv::video::PlanarFrame probe;
    pv::video::Decoder d(e.path());
    if (!d.next(probe) || !probe.planar()) continue;  // 4:4:4 / grey JPEGs come as RGB
    EXPECT_TRUE(probe.full_range);
    expect_same_crops(e.path(), 0);
    ++photos;
  }
  EXPECT_GT(photos, 0) << "no 4:2:0 JPEG in hand-images";
}

// PrefetchDecoder (as `pianovam hands` reads videos): the same frames in the same order as Decoder, each still
// valid while later ones are decoded (held by reference, not copied).
TEST(HandsVideo, PrefetchDecoderGivesTheDecodersFramesAndKeepsThemAlive) {
  PV_REQUIRE_SHARED("hand-video");
  const auto file = pvtest::shared_data() / "hand-video/9.senfoni_righthand_sena.mp4";
  auto checksum = [](const pv::video::PlanarFrame& f) {
    std::uint64_t h = 1469598103934665603ull;
    for (int p = 0; p < 3; ++p)
      for (int y = 0; y < (p ? (f.height + 1) / 2 : f.height); ++y)
        for (int x = 0; x < (p ? (f.width + 1) / 2 : f.width); x += 7)
          h = (h ^ f.plane[p][static_cast<std::ptrdiff_t>(y) * f.stride[p] + x]) * 1099511628211ull;
    return h;
  };
  pv::video::Decoder plain(file);
  pv::video::PrefetchDecoder ahead(file, 2);
  EXPECT_EQ(ahead.info().frame_count, plain.info().frame_count);
  std::vector<pv::video::PlanarFrame> held;
  std::vector<std::uint64_t> sums;
  for (int n = 0; n < 40; ++n) {
    pv::video::PlanarFrame a, b;
    ASSERT_TRUE(plain.next(a));
    ASSERT_TRUE(ahead.next(b));
    ASSERT_TRUE(b.planar());
    EXPECT_EQ(b.index, a.index);
    EXPECT_DOUBLE_EQ(b.time, a.time);
    EXPECT_EQ(checksum(b), checksum(a));
    sums.push_back(checksum(b));
    held.push_back(std::move(b));
  }
  for (size_t i = 0; i < held.size(); ++i) EXPECT_EQ(checksum(held[i]), sums[i]) << "frame " << i;
  long rest = 0;
  pv::video::PlanarFrame f;
  while (ahead.next(f)) ++rest;
  EXPECT_EQ(40 + rest, plain.info().frame_count);
  EXPECT_GT(ahead.decode_ms(), 0.0);
  {  // stopped mid-stream: the decoding thread ends (no hang, no leak)
    pv::video::PrefetchDecoder early(file, 3);
    ASSERT_TRUE(early.next(f));
  }
}

// Optional smoothing: less frame-to-frame jitter than the raw output, still on the hand.
TEST(HandsVideo, SmoothingReducesJitter) {
  PV_REQUIRE_SHARED("hand-video");
  if (!std::filesystem::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  auto jitter_and_offset = [](bool smooth) {
    pvv::HandsOptions opt;
    opt.model_dir = models();
    opt.min_detection = 0.5f;
    opt.min_presence = 0.5f;
    opt.smoothing = smooth;
    pvv::HandTracker tracker(opt);
    pv::video::Decoder dec(pvtest::shared_data() / "hand-video/9.senfoni_righthand_sena.mp4");
    pv::video::Frame f;
    std::vector<pv::HandLandmarks> seq;
    for (int i = 0; i < 60 && dec.next(f); ++i) {
      auto hands = tracker.process({f.rgb.data(), f.width, f.height}, f.time);
      for (const auto& h : hands)
        if (h.track_id == 1) seq.push_back(h.hand.landmarks);
    }
    double jitter = 0;  // mean |second difference| of the landmarks
    for (size_t i = 2; i < seq.size(); ++i)
      for (size_t k = 0; k < 21; ++k)
        jitter += std::hypot(seq[i][k].x - 2 * seq[i - 1][k].x + seq[i - 2][k].x,
                             seq[i][k].y - 2 * seq[i - 1][k].y + seq[i - 2][k].y);
    return std::pair{jitter / (21.0 * std::max<size_t>(seq.size() - 2, 1)), seq};
  };
  auto [raw_j, raw] = jitter_and_offset(false);
  auto [sm_j, sm] = jitter_and_offset(true);
  std::printf("jitter raw %.5f smoothed %.5f\n", raw_j, sm_j);
  ASSERT_EQ(raw.size(), sm.size());
  EXPECT_LT(sm_j, raw_j * 0.9);
  double off = 0;
  for (size_t i = 0; i < raw.size(); ++i)
    for (size_t k = 0; k < 21; ++k) off += std::hypot(raw[i][k].x - sm[i][k].x, raw[i][k].y - sm[i][k].y);
  EXPECT_LT(off / (21.0 * raw.size()), 0.02);  // stays on the hand
}
