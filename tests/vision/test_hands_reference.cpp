// MediaPipe Hands port vs MediaPipe's own CPU outputs on the real photos (../shared/data/mediapipe-reference).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "jpeg_util.hpp"
#include "test_util.hpp"
#include "vision/tracker.hpp"

namespace pvv = pv::vision;

namespace {

std::filesystem::path models() { return std::filesystem::path(PV_SOURCE_DIR) / "assets/models"; }

struct Stats {
  int images = 0, ref_hands = 0, our_hands = 0, count_mismatch = 0, label_mismatch = 0, matched = 0;
  double err_sum = 0, err_max = 0;
  int world_compared = 0;
  double world_err_sum = 0;  // mean world-landmark distance per hand (metres)
};

// Mean landmark distance in pixels divided by the image's larger side.
double landmark_error(const nlohmann::json& ref, const pv::HandLandmarks& ours, int w, int h) {
  double s = 0;
  for (size_t i = 0; i < 21; ++i) {
    const double dx = (ref[i][0].get<double>() - ours[i].x) * w, dy = (ref[i][1].get<double>() - ours[i].y) * h;
    s += std::hypot(dx, dy);
  }
  return s / 21.0 / std::max(w, h);
}

Stats compare_images(const char* ref_name, pvv::ModelKind kind) {
  Stats st;
  std::ifstream in(pvtest::shared_data() / "mediapipe-reference" / ref_name);
  auto ref = nlohmann::json::parse(in);
  pvv::HandsOptions opt;
  opt.model = kind;
  opt.model_dir = models();
  opt.static_mode = true;
  opt.min_detection = ref["options"]["min_detection_confidence"].get<float>();
  opt.min_presence = ref["options"]["min_tracking_confidence"].get<float>();
  opt.max_hands = ref["options"]["max_num_hands"].get<int>();
  pvv::HandTracker tracker(opt);
  for (const auto& item : ref["images"]) {
    auto img = pvtest::read_jpeg(pvtest::shared_data() / "hand-images" / item["file"].get<std::string>());
    auto hands = tracker.process({img.rgb.data(), img.width, img.height});
    ++st.images;
    const auto& rh = item["hands"];
    st.ref_hands += static_cast<int>(rh.size());
    st.our_hands += static_cast<int>(hands.size());
    if (rh.size() != hands.size()) {
      ++st.count_mismatch;
      std::printf("  count %s: ref %zu ours %zu\n", item["file"].get<std::string>().c_str(), rh.size(), hands.size());
    }
    for (const auto& r : rh) {
      double best = 1e9;
      const pvv::TrackedHand* bh = nullptr;
      for (const auto& h : hands) {
        double e = landmark_error(r["landmarks"], h.hand.landmarks, img.width, img.height);
        if (e < best) best = e, bh = &h;
      }
      if (!bh || best > 0.05) continue;
      ++st.matched;
      st.err_sum += best;
      st.err_max = std::max(st.err_max, best);
      if (r.contains("world_landmarks")) {
        double we = 0;
        for (size_t i = 0; i < 21; ++i) {
          const auto& w = r["world_landmarks"][i];
          const auto& o = bh->hand.world[i];
          we += std::sqrt(std::pow(w[0].get<double>() - o.x, 2) + std::pow(w[1].get<double>() - o.y, 2) +
                          std::pow(w[2].get<double>() - o.z, 2));
        }
        st.world_err_sum += we / 21.0;
        ++st.world_compared;
      }
      const bool ref_right = r["handedness"]["label"] == "Right";
      if (ref_right != bh->hand.raw_right()) ++st.label_mismatch;
      if (std::getenv("PV_VERBOSE"))
        std::printf("  %s err %.3g label %s/%s score %.4f/%.4f\n", item["file"].get<std::string>().c_str(), best,
                    r["handedness"]["label"].get<std::string>().c_str(), bh->hand.raw_right() ? "Right" : "Left",
                    r["handedness"]["score"].get<double>(), bh->hand.handedness_score());
    }
  }
  std::printf("%s: %d images, hands ref %d ours %d, count mismatches %d, matched %d, label mismatches %d, "
              "mean landmark error %.3g (max %.3g) of image size, world landmarks: %d hands, mean error %.3g m\n",
              ref_name, st.images, st.ref_hands, st.our_hands, st.count_mismatch, st.matched, st.label_mismatch,
              st.matched ? st.err_sum / st.matched : 0.0, st.err_max, st.world_compared,
              st.world_compared ? st.world_err_sum / st.world_compared : 0.0);
  return st;
}

}  // namespace

TEST(HandsReference, ImagesFull) {
  PV_REQUIRE_SHARED("mediapipe-reference/images_full.json");
  if (!std::filesystem::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
  auto st = compare_images("images_full.json", pvv::ModelKind::Full);
  EXPECT_EQ(st.count_mismatch, 0);
  EXPECT_EQ(st.matched, st.ref_hands);
  EXPECT_EQ(st.label_mismatch, 0);
  EXPECT_LE(st.err_sum / std::max(st.matched, 1), 0.005);
  // World landmarks (written with --world): same as MediaPipe's to well under a millimetre.
  EXPECT_EQ(st.world_compared, st.matched);
  EXPECT_LE(st.world_err_sum / std::max(st.world_compared, 1), 1e-4);
}

TEST(HandsReference, ImagesLite) {
  PV_REQUIRE_SHARED("mediapipe-reference/images_lite.json");
  if (!std::filesystem::exists(models() / "hand_landmark_lite.tflite")) GTEST_SKIP() << "models not installed";
  auto st = compare_images("images_lite.json", pvv::ModelKind::Lite);
  EXPECT_EQ(st.count_mismatch, 0);
  EXPECT_EQ(st.matched, st.ref_hands);
  EXPECT_EQ(st.label_mismatch, 0);
  EXPECT_LE(st.err_sum / std::max(st.matched, 1), 0.005);
  // World landmarks (written with --world): same as MediaPipe's to well under a millimetre.
  EXPECT_EQ(st.world_compared, st.matched);
  EXPECT_LE(st.world_err_sum / std::max(st.world_compared, 1), 1e-4);
}
