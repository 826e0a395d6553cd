// End-to-end: pianovam overlay on a small generated video (320x180, 10 frames).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fingering/overlay.hpp"
#include "io/json/handskeleton.hpp"
#include "io/json/metadata.hpp"
#include "io/tsv/tsv.hpp"
#include "io/video/video.hpp"
#include "test_util.hpp"

using namespace pv;

namespace {
constexpr int W = 320, H = 180, N = 10;
const KeyboardCorners kCorners{{10, 80}, {310, 78}, {312, 130}, {8, 132}};
const char* kCornerArg = "--corners '10,80;310,78;312,130;8,132'";

struct Fixture {
  std::filesystem::path dir, video, hands, fingering;
};

// Grey frames at 10 fps; a right hand whose index finger ends on C4 in every frame; C4 held 0.5 s .. 1.0 s by R2.
Fixture make(const std::filesystem::path& dir) {
  Fixture fx{dir, dir / "in.mp4", dir / "hands.json", dir / "F.tsv"};
  video::EncoderOptions eo;
  eo.width = W, eo.height = H, eo.fps = {10, 1}, eo.crf = 18;
  video::Encoder enc(fx.video, eo);
  std::vector<std::uint8_t> grey(size_t(W) * H * 3, 110);
  for (int i = 0; i < N; ++i) enc.add_frame(grey.data());
  enc.finish();

  auto k = kb::Keyboard88::from_pixels(kCorners, W, H);
  const Point2 tip = k.from_plane({kb::white_index(60) + 0.5, 0.6 * k.depth()});
  hands_io::HandTrack t;
  t.frames.resize(N);
  for (auto& f : t.frames) {
    HandObservation o;
    o.points[0] = {float(tip.x), float(tip.y - 0.3), 0};
    for (int fi = 1; fi <= 5; ++fi)
      for (int j = 1; j <= 4; ++j)
        o.points[size_t(4 * (fi - 1) + j)] = {float(tip.x + (fi - 2) * 0.04 * j / 4.0),
                                              float(tip.y - 0.3 + 0.3 * j / 4.0), 0};
    f.right = o;
  }
  hands_io::write_json(fx.hands, t);
  Note n;
  n.pitch = 60, n.onset = 0.5, n.key_offset = n.sound_offset = 1.0, n.hand = Hand::Right, n.finger = 2;
  tsv::write_fingering(fx.fingering, {n});
  return fx;
}

Point2 key_px(int pitch, double v = 0.85) {
  auto k = kb::Keyboard88::from_pixels(kCorners, W, H);
  Point2 p = k.from_plane({kb::white_index(pitch) + 0.5, v * k.depth()});
  return {p.x * W, p.y * H};
}
}  // namespace

TEST(OverlayCli, RendersHighlightedKeysOnGeneratedVideo) {
  auto fx = make(pvtest::temp_dir());
  auto out = fx.dir / "overlay.mp4";
  auto r = pvtest::run_cli("overlay --video " + fx.video.string() + " --hands " + fx.hands.string() + " " + kCornerArg +
                           " --frame-size 320x180 --fingering " + fx.fingering.string() + " -o " + out.string() +
                           " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["frames"].get<int>(), N);
  EXPECT_EQ(j["frames_with_hands"].get<int>(), N);
  EXPECT_EQ(j["frames_with_notes"].get<int>(), 5);  // frames 5..9 (t = 0.5 .. 0.9)

  auto info = video::probe(out);
  EXPECT_EQ(info.width, W);
  EXPECT_EQ(info.height, H);
  EXPECT_EQ(info.frame_count, N);
  video::Decoder dec(out);
  video::Frame f;
  // C4's front part (below the fingertip marker, away from the outlines): untinted before the onset, red after.
  const Point2 c = key_px(60, 0.9);
  const Point2 idle = key_px(72, 0.9);
  int i = 0;
  while (dec.next(f)) {
    const auto* p = &f.rgb[(size_t(c.y) * W + size_t(c.x)) * 3];
    const auto* q = &f.rgb[(size_t(idle.y) * W + size_t(idle.x)) * 3];
    if (i < 5) {
      EXPECT_LT(std::abs(int(p[0]) - int(p[2])), 25) << "frame " << i;
    } else {
      EXPECT_GT(int(p[0]), int(p[2]) + 60) << "frame " << i;
    }
    EXPECT_LT(std::abs(int(q[0]) - 110), 25) << "frame " << i;
    ++i;
  }
  EXPECT_EQ(i, N);
}

TEST(OverlayCli, MaxFramesMetadataMidiAndErrors) {
  auto fx = make(pvtest::temp_dir());
  meta::Metadata m;
  SessionMetadata rec;
  rec.record_time = "2024-02-14_19-10-09";
  rec.corners = kCorners;
  m.records.push_back({"0", rec});
  meta::write(fx.dir / "metadata.json", m);
  auto base = "overlay --video " + fx.video.string() + " --hands " + fx.hands.string() + " ";
  auto r = pvtest::run_cli(base + "--metadata " + (fx.dir / "metadata.json").string() +
                           " --id 2024-02-14_19-10-09 --max-frames 4 --json -o " + (fx.dir / "a.mp4").string());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["frames"].get<int>(), 4);
  EXPECT_EQ(video::probe(fx.dir / "a.mp4").frame_count, 4);

  // Usage errors: no geometry, both note sources, bad corners.
  EXPECT_EQ(pvtest::run_cli(base + "-o " + (fx.dir / "b.mp4").string()).rc, 2);
  EXPECT_EQ(pvtest::run_cli(base + kCornerArg + " --fingering " + fx.fingering.string() + " --midi x.mid -o " +
                            (fx.dir / "b.mp4").string())
                .rc,
            2);
  EXPECT_EQ(pvtest::run_cli(base + "--corners '1,2;3' -o " + (fx.dir / "b.mp4").string()).rc, 2);
  // Input errors name the file; nothing is written.
  auto bad = pvtest::run_cli("overlay --video " + (fx.dir / "missing.mp4").string() + " --hands " + fx.hands.string() +
                                 " " + kCornerArg + " -o " + (fx.dir / "b.mp4").string(),
                             true);
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.out.find("missing.mp4"), std::string::npos);
  EXPECT_EQ(pvtest::run_cli(base + "--metadata " + (fx.dir / "metadata.json").string() + " --id nope -o " +
                            (fx.dir / "b.mp4").string())
                .rc,
            1);
  EXPECT_FALSE(std::filesystem::exists(fx.dir / "b.mp4"));
  EXPECT_EQ(pvtest::run_cli("overlay --help").rc, 0);
}
