// MediaPipe Hands port on "top-view-like" 1280x720 frames built from the real photos (../shared/data/hand-images).
// For each hand MediaPipe found in a photo, the photo region around that hand is pasted onto a drawn keyboard,
// scaled so the hand spans a given fraction of the frame width, at several places along the keyboard, upright or
// rotated by 90/180/270 degrees. The expected landmarks are MediaPipe's own outputs on the original photo
// (mediapipe-reference/images_full.json) mapped through the same transform, so the measured error also holds
// MediaPipe's own sensitivity to resampling and to the detected ROI, not only faults of the port.
//
// Errors are in units of the hand (mean landmark distance / diagonal of the reference landmarks' bounding box) and,
// for the acceptance criterion, of the frame (mean distance / 1280). Per-condition numbers are printed.
// PV_VERBOSE=1 prints every hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "jpeg_util.hpp"
#include "test_util.hpp"
#include "vision/tracker.hpp"

namespace pvv = pv::vision;

namespace {

constexpr int kW = 1280, kH = 720;  // PianoVAM's smaller top-view resolution

// Context pasted around a hand, in hand spans on each side. Measured: with 0.4 the region often ends at the wrist
// and the palm detector finds only 21-26 of 40 hands at 15 % span; with 1.0 (wrist and forearm visible, as in a
// top view) it finds 37-39.
constexpr double kContext = 1.0;

// Hands whose reference handedness score is below this are ones MediaPipe itself is unsure of (one hand, 0.64, seen
// edge-on): their label flips are counted, not checked.
constexpr double kSureLabel = 0.75;

std::filesystem::path models() { return std::filesystem::path(PV_SOURCE_DIR) / "assets/models"; }

using Pt = std::array<double, 2>;

struct RefHand {
  std::array<Pt, 21> px{};  // continuous pixel coordinates (pixel i covers [i, i+1))
  bool right = false;       // MediaPipe's raw label
  double score = 0;         // MediaPipe's handedness score
};

struct Photo {
  std::string file;
  pvtest::RgbImage img;
  std::vector<RefHand> hands;
};

struct Box {
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  explicit Box(const std::array<Pt, 21>& p) {
    for (const auto& q : p)
      x0 = std::min(x0, q[0]), y0 = std::min(y0, q[1]), x1 = std::max(x1, q[0]), y1 = std::max(y1, q[1]);
  }
  double span() const { return std::max(x1 - x0, y1 - y0); }        // hand size for placement
  double diagonal() const { return std::hypot(x1 - x0, y1 - y0); }  // hand size for errors (same after 90-degree turns)
};

// The photos that have reference hands, decoded as test_hands_reference does.
std::vector<Photo> load_photos() {
  std::ifstream in(pvtest::shared_data() / "mediapipe-reference/images_full.json");
  const auto ref = nlohmann::json::parse(in);
  std::vector<Photo> out;
  for (const auto& item : ref["images"]) {
    if (item["hands"].empty()) continue;
    Photo ph;
    ph.file = item["file"].get<std::string>();
    ph.img = pvtest::read_jpeg(pvtest::shared_data() / "hand-images" / ph.file);
    for (const auto& h : item["hands"]) {
      RefHand r;
      for (size_t i = 0; i < 21; ++i)
        r.px[i] = {h["landmarks"][i][0].get<double>() * ph.img.width,
                   h["landmarks"][i][1].get<double>() * ph.img.height};
      r.right = h["handedness"]["label"] == "Right";
      r.score = h["handedness"]["score"].get<double>();
      ph.hands.push_back(r);
    }
    out.push_back(std::move(ph));
  }
  return out;
}

// A crude top view of a piano: dark body above, 52 white keys (A0..C8) with gaps and black keys, a floor strip below.
std::vector<std::uint8_t> keyboard_background() {
  std::vector<std::uint8_t> f(static_cast<size_t>(kW) * kH * 3);
  const int key_top = kH * 3 / 10, key_bottom = kH * 9 / 10;
  const int black_bottom = key_top + (key_bottom - key_top) * 62 / 100;
  const double kw = static_cast<double>(kW) / 52;
  // A black key follows these white keys of A B C D E F G (none after B and E).
  const bool black_after[7] = {true, false, true, true, false, true, true};
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      std::array<int, 3> c{32, 30, 30};  // piano body
      if (y >= key_bottom) {
        c = {74, 62, 56};
      } else if (y >= key_top) {
        const double u = x / kw;
        const int key = static_cast<int>(u);
        const double frac = u - key;
        c = frac * kw < 1.5 ? std::array<int, 3>{110, 110, 108} : std::array<int, 3>{236, 234, 228};
        if (y < black_bottom) {
          const int left = frac < 0.5 ? key - 1 : key;    // white key before the nearest boundary
          const double d = frac < 0.5 ? frac : 1 - frac;  // distance to that boundary in key widths
          if (left >= 0 && left < 51 && black_after[left % 7] && d < 0.3) c = {22, 20, 20};
        }
      }
      for (size_t ch = 0; ch < 3; ++ch)
        f[(static_cast<size_t>(y) * kW + static_cast<size_t>(x)) * 3 + ch] = static_cast<std::uint8_t>(c[ch]);
    }
  return f;
}

struct Placement {
  double size;  // hand span / frame width
  double x;     // wanted centre of the hand, fraction of the frame width (moved inward if the hand would leave it)
  int rot;      // degrees, a multiple of 90 (clockwise on screen)
};

// frame = cf + s * R * (photo - cs), R a rotation by a multiple of 90 degrees.
struct Transform {
  double s = 1, c = 1, n = 0;  // scale, cos, sin
  Pt cs{}, cf{};
  Pt fwd(const Pt& p) const {
    const double dx = p[0] - cs[0], dy = p[1] - cs[1];
    return {cf[0] + s * (c * dx - n * dy), cf[1] + s * (n * dx + c * dy)};
  }
  Pt inv(const Pt& q) const {
    const double dx = (q[0] - cf[0]) / s, dy = (q[1] - cf[1]) / s;
    return {cs[0] + c * dx + n * dy, cs[1] - n * dx + c * dy};
  }
};

// Bilinear sample at continuous pixel coordinates (clamped at the border).
void sample(const pvtest::RgbImage& img, double x, double y, double out[3]) {
  x = std::clamp(x - 0.5, 0.0, img.width - 1.0);
  y = std::clamp(y - 0.5, 0.0, img.height - 1.0);
  const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
  const int x1 = std::min(x0 + 1, img.width - 1), y1 = std::min(y0 + 1, img.height - 1);
  const double fx = x - x0, fy = y - y0;
  auto at = [&](int xx, int yy, size_t ch) {
    return static_cast<double>(
        img.rgb[(static_cast<size_t>(yy) * static_cast<size_t>(img.width) + static_cast<size_t>(xx)) * 3 + ch]);
  };
  for (size_t ch = 0; ch < 3; ++ch)
    out[ch] = (1 - fy) * ((1 - fx) * at(x0, y0, ch) + fx * at(x1, y0, ch)) +
              fy * ((1 - fx) * at(x0, y1, ch) + fx * at(x1, y1, ch));
}

struct Frame {
  std::vector<std::uint8_t> rgb;
  RefHand expected;           // the reference hand in frame pixels
  bool other_inside = false;  // another reference hand's landmark lies in the pasted region
};

// Pastes the region around reference hand `hand` (its landmarks' box plus kContext spans on each side, within the
// photo) onto the background. The photos' two-hand pairs are far enough apart that the region never holds the
// other hand (checked through `other_inside`).
Frame make_frame(const Photo& ph, size_t hand, const Placement& pl, const std::vector<std::uint8_t>& background) {
  const RefHand& h = ph.hands[hand];
  const Box b(h.px);
  const double m = kContext * b.span();
  const double cx0 = std::max(0.0, b.x0 - m), cy0 = std::max(0.0, b.y0 - m);
  const double cx1 = std::min<double>(ph.img.width, b.x1 + m), cy1 = std::min<double>(ph.img.height, b.y1 + m);

  Transform t;
  t.s = pl.size * kW / b.span();
  const double a = pl.rot * std::numbers::pi / 180;
  t.c = std::round(std::cos(a));
  t.n = std::round(std::sin(a));
  t.cs = {(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2};
  // The hand's box stays inside the frame with a 2 % margin; its centre is at 55 % of the height (on the keys).
  const bool swap = pl.rot % 180 != 0;
  const double ex = t.s * (swap ? b.y1 - b.y0 : b.x1 - b.x0), ey = t.s * (swap ? b.x1 - b.x0 : b.y1 - b.y0);
  const double mx = 0.02 * kW + ex / 2, my = 0.02 * kH + ey / 2;
  t.cf = {std::clamp(pl.x * kW, mx, std::max(mx, kW - mx)), std::clamp(0.55 * kH, my, std::max(my, kH - my))};

  Frame f;
  f.rgb = background;
  double bx0 = 1e9, by0 = 1e9, bx1 = -1e9, by1 = -1e9;  // the region's box in the frame
  for (const Pt& c : {Pt{cx0, cy0}, Pt{cx1, cy0}, Pt{cx0, cy1}, Pt{cx1, cy1}}) {
    const Pt q = t.fwd(c);
    bx0 = std::min(bx0, q[0]), by0 = std::min(by0, q[1]), bx1 = std::max(bx1, q[0]), by1 = std::max(by1, q[1]);
  }
  // Downscaling averages n x n bilinear samples over each output pixel (no aliasing); upscaling is bilinear.
  const int n = std::max(1, static_cast<int>(std::ceil(1 / t.s)));
  for (int y = std::max(0, static_cast<int>(by0)); y < std::min(kH, static_cast<int>(std::ceil(by1))); ++y)
    for (int x = std::max(0, static_cast<int>(bx0)); x < std::min(kW, static_cast<int>(std::ceil(bx1))); ++x) {
      const Pt p = t.inv({x + 0.5, y + 0.5});
      if (p[0] < cx0 || p[0] >= cx1 || p[1] < cy0 || p[1] >= cy1) continue;
      double acc[3] = {0, 0, 0}, px[3];
      for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
          const Pt q = t.inv({x + (i + 0.5) / n, y + (j + 0.5) / n});
          sample(ph.img, q[0], q[1], px);
          for (int ch = 0; ch < 3; ++ch) acc[ch] += px[ch];
        }
      for (size_t ch = 0; ch < 3; ++ch)
        f.rgb[(static_cast<size_t>(y) * kW + static_cast<size_t>(x)) * 3 + ch] =
            static_cast<std::uint8_t>(std::lround(acc[ch] / (n * n)));
    }
  for (size_t k = 0; k < ph.hands.size(); ++k)
    if (k != hand)
      for (const auto& q : ph.hands[k].px) f.other_inside |= q[0] >= cx0 && q[0] < cx1 && q[1] >= cy0 && q[1] < cy1;
  // A rotation is not a mirror: it keeps the hand's chirality, so the raw label stays the reference's (a mirror
  // would swap Left and Right).
  f.expected = h;
  for (size_t i = 0; i < 21; ++i) f.expected.px[i] = t.fwd(h.px[i]);
  return f;
}

struct Stats {
  int frames = 0, expected = 0, found = 0, matched = 0, count_mismatch = 0;
  int label_checked = 0, label_mismatch = 0, label_unsure_flipped = 0;
  double err_hand_sum = 0, err_hand_max = 0;    // mean landmark distance / hand box diagonal
  double err_frame_sum = 0, err_frame_max = 0;  // mean landmark distance / image's larger side
  double span_sum = 0;                          // hand span in pixels
  double mean_hand() const { return matched ? err_hand_sum / matched : 0; }
  double mean_frame() const { return matched ? err_frame_sum / matched : 0; }
  double detected() const { return expected ? static_cast<double>(matched) / expected : 0; }
  void add(const Stats& o) {
    frames += o.frames, expected += o.expected, found += o.found, matched += o.matched;
    count_mismatch += o.count_mismatch, label_checked += o.label_checked, label_mismatch += o.label_mismatch;
    label_unsure_flipped += o.label_unsure_flipped;
    err_hand_sum += o.err_hand_sum, err_frame_sum += o.err_frame_sum, span_sum += o.span_sum;
    err_hand_max = std::max(err_hand_max, o.err_hand_max), err_frame_max = std::max(err_frame_max, o.err_frame_max);
  }
};

// One image (frames are independent: static mode): our hands vs the expected ones.
void evaluate(pvv::HandTracker& tracker, const pvv::ImageView& img, const std::vector<RefHand>& expected,
              const std::string& what, Stats& st) {
  const auto hands = tracker.process(img);
  ++st.frames;
  st.expected += static_cast<int>(expected.size());
  st.found += static_cast<int>(hands.size());
  if (hands.size() != expected.size()) ++st.count_mismatch;
  const bool verbose = std::getenv("PV_VERBOSE") != nullptr;
  const double size = std::max(img.width, img.height);
  for (const auto& e : expected) {
    const Box box(e.px);
    st.span_sum += box.span();
    double best = 1e9;
    const pvv::TrackedHand* bh = nullptr;
    for (const auto& h : hands) {
      double s = 0;
      for (size_t i = 0; i < 21; ++i)
        s +=
            std::hypot(e.px[i][0] - h.hand.landmarks[i].x * img.width, e.px[i][1] - h.hand.landmarks[i].y * img.height);
      if (s / 21 < best) best = s / 21, bh = &h;
    }
    // Nothing here, or another hand, when the mean landmark is off by more than half the hand's diagonal.
    if (!bh || best > 0.5 * box.diagonal()) {
      if (verbose) std::printf("    %s: missed (%zu hands found)\n", what.c_str(), hands.size());
      continue;
    }
    ++st.matched;
    const double eh = best / box.diagonal(), ef = best / size;
    st.err_hand_sum += eh, st.err_hand_max = std::max(st.err_hand_max, eh);
    st.err_frame_sum += ef, st.err_frame_max = std::max(st.err_frame_max, ef);
    const bool flipped = bh->hand.raw_right() != e.right;
    if (e.score >= kSureLabel) {
      ++st.label_checked;
      st.label_mismatch += flipped;
    } else {
      st.label_unsure_flipped += flipped;
    }
    if (verbose)
      std::printf("    %s: error %.4f of hand, %.5f of image; label ref %s (%.2f) ours %s (%.2f)\n", what.c_str(), eh,
                  ef, e.right ? "Right" : "Left", e.score, bh->hand.raw_right() ? "Right" : "Left",
                  bh->hand.handedness_score());
  }
}

void run_condition(pvv::HandTracker& tracker, const std::vector<Photo>& photos, const std::vector<std::uint8_t>& bg,
                   Placement pl, bool cycle_x, Stats& st) {
  int k = 0;
  for (const auto& ph : photos)
    for (size_t h = 0; h < ph.hands.size(); ++h, ++k) {
      if (cycle_x) pl.x = 0.2 + 0.3 * (k % 3);
      const Frame f = make_frame(ph, h, pl, bg);
      EXPECT_FALSE(f.other_inside) << ph.file << ": the region pasted for hand " << h << " holds another hand";
      char what[256];
      std::snprintf(what, sizeof what, "%s#%zu size %.3f x %.1f rot %d", ph.file.c_str(), h, pl.size, pl.x, pl.rot);
      evaluate(tracker, {f.rgb.data(), kW, kH}, {f.expected}, what, st);
    }
}

void report(const std::string& name, const Stats& st) {
  std::printf(
      "  %-26s detected %2d/%2d (%3.0f %%), frames with a wrong hand count %2d, extra hands %d, labels wrong "
      "%d/%d (+%d of the unsure hand), span %4.0f px, error/hand mean %.5f max %.5f, error/frame mean %.5f "
      "max %.5f\n",
      name.c_str(), st.matched, st.expected, 100 * st.detected(), st.count_mismatch, st.found - st.matched,
      st.label_mismatch, st.label_checked, st.label_unsure_flipped, st.expected ? st.span_sum / st.expected : 0,
      st.mean_hand(), st.err_hand_max, st.mean_frame(), st.err_frame_max);
  ::testing::Test::RecordProperty(name + ".detected", std::to_string(st.matched) + "/" + std::to_string(st.expected));
  ::testing::Test::RecordProperty(name + ".err_hand_mean", std::to_string(st.mean_hand()));
  ::testing::Test::RecordProperty(name + ".err_hand_max", std::to_string(st.err_hand_max));
  ::testing::Test::RecordProperty(name + ".err_frame_mean", std::to_string(st.mean_frame()));
}

struct Tolerance {
  double min_detected;   // fraction of the hands found (per condition)
  double max_mean_hand;  // mean error / hand diagonal
  double max_max_hand;   // worst hand's error / hand diagonal
};

void check(const std::string& name, const Stats& st, const Tolerance& tol) {
  SCOPED_TRACE(name);
  EXPECT_GE(st.detected(), tol.min_detected);
  EXPECT_LE(st.found - st.matched, 2) << "hands found where there is none";
  EXPECT_EQ(st.label_mismatch, 0) << "a rotation or a move must not change the raw label";
  EXPECT_LE(st.mean_hand(), tol.max_mean_hand);
  EXPECT_LE(st.err_hand_max, tol.max_max_hand);
  EXPECT_LE(st.mean_frame(), 0.005) << "issue 5: mean landmark error <= 0.5 % of the image size";
}

// Measured over the 18 conditions below at 15-25 % span (40 hands each): detected 37-40 of 40, no extra hands,
// mean error 0.0128-0.0206 of the hand (worst hand 0.118), mean 0.0028-0.0046 of the frame (the error grows with the
// hand, so the 0.5 % criterion has the least room at 25 %). A finer sweep (every place x rotation) gave 35-40 of 40,
// mean error at most 0.0206 of the hand (worst 0.137) and 0.0049 of the frame.
constexpr Tolerance kPianoSize{0.8, 0.03, 0.2};

class HandsTopView : public ::testing::Test {
 protected:
  void SetUp() override {
    PV_REQUIRE_SHARED("mediapipe-reference/images_full.json");
    PV_REQUIRE_SHARED("hand-images");
    if (!std::filesystem::exists(models() / "hand_landmark_full.tflite")) GTEST_SKIP() << "models not installed";
    if (photos_.empty()) photos_ = load_photos();
    if (background_.empty()) background_ = keyboard_background();
    // The reference's options; static image mode: palm detection on every frame, nothing carried over.
    opt_.model = pvv::ModelKind::Full;
    opt_.model_dir = models();
    opt_.static_mode = true;
    opt_.min_detection = 0.5f;
    opt_.min_presence = 0.5f;
    opt_.max_hands = 2;
  }
  static inline std::vector<Photo> photos_;
  static inline std::vector<std::uint8_t> background_;
  pvv::HandsOptions opt_;
};

}  // namespace

// The photos themselves, for scale: the port's own error in the same units.
TEST_F(HandsTopView, OriginalPhotos) {
  pvv::HandTracker tracker(opt_);
  Stats st;
  for (const auto& ph : photos_)
    evaluate(tracker, {ph.img.rgb.data(), ph.img.width, ph.img.height}, ph.hands, ph.file, st);
  report("photos", st);
  // Measured: 40/40, mean error below 0.00001 of the hand.
  EXPECT_EQ(st.matched, st.expected);
  EXPECT_EQ(st.count_mismatch, 0);
  EXPECT_EQ(st.label_mismatch + st.label_unsure_flipped, 0);
  EXPECT_LE(st.mean_hand(), 0.002);
}

// Upright hands of pianist size at the left, centre and right of the keyboard.
TEST_F(HandsTopView, PlacedAlongKeyboard) {
  pvv::HandTracker tracker(opt_);
  Stats all;
  for (double size : {0.15, 0.20, 0.25})
    for (double x : {0.2, 0.5, 0.8}) {
      Stats st;
      run_condition(tracker, photos_, background_, {size, x, 0}, false, st);
      char name[64];
      std::snprintf(name, sizeof name, "size%.2f_x%.1f_rot0", size, x);
      report(name, st);
      check(name, st, kPianoSize);
      all.add(st);
    }
  report("all", all);
  EXPECT_GE(all.detected(), 0.9);  // measured 343/360
}

// The same hands turned by 90 (fingers sideways), 180 (camera from the other side) and 270 degrees; the place
// along the keyboard cycles with the hand.
TEST_F(HandsTopView, Rotated) {
  pvv::HandTracker tracker(opt_);
  Stats all;
  for (int rot : {90, 180, 270})
    for (double size : {0.15, 0.20, 0.25}) {
      Stats st;
      run_condition(tracker, photos_, background_, {size, 0.5, rot}, true, st);
      char name[64];
      std::snprintf(name, sizeof name, "size%.2f_rot%d", size, rot);
      report(name, st);
      check(name, st, kPianoSize);
      all.add(st);
    }
  report("all", all);
  EXPECT_GE(all.detected(), 0.9);  // measured 350/360
}

// Smaller hands: the palm detector sees the whole frame letterboxed to 192x192, so a hand of 10 % of the width is
// about 19 px there. Detection falls off below 15 %; the landmarks of the hands still found stay accurate.
TEST_F(HandsTopView, SmallHands) {
  pvv::HandTracker tracker(opt_);
  for (double size : {0.05, 0.075, 0.10, 0.125}) {
    Stats st;
    run_condition(tracker, photos_, background_, {size, 0.5, 0}, true, st);
    char name[64];
    std::snprintf(name, sizeof name, "size%.3f_rot0", size);
    report(name, st);
    // Measured (detected, mean/max error of the hand): 5 % 1/40; 7.5 % 15/40; 10 % 26/40, 0.022/0.088;
    // 12.5 % 34/40, 0.018/0.069. Checked from 10 % on, where most hands are still found.
    if (size >= 0.1) check(name, st, {size >= 0.125 ? 0.7 : 0.5, 0.03, 0.2});
  }
}

// PianoVAM's own thresholds (palm 0.85, presence 0.8) instead of the reference's 0.5: fewer hands pass, on the
// photos themselves as well (several of their palms score 0.8-0.85 there).
TEST_F(HandsTopView, PianoVamThresholds) {
  opt_.min_detection = 0.85f;
  opt_.min_presence = 0.8f;
  pvv::HandTracker tracker(opt_);
  Stats photos;
  for (const auto& ph : photos_)
    evaluate(tracker, {ph.img.rgb.data(), ph.img.width, ph.img.height}, ph.hands, ph.file, photos);
  report("photos_pianovam", photos);
  for (double size : {0.15, 0.20, 0.25}) {
    Stats st;
    run_condition(tracker, photos_, background_, {size, 0.5, 0}, true, st);
    char name[64];
    std::snprintf(name, sizeof name, "size%.2f_rot0_pianovam", size);
    report(name, st);
    check(name, st, {0.35, 0.03, 0.2});  // measured 20, 21 and 29 of 40 at 15, 20 and 25 %
  }
}
