// Hands throughput on 720p60 / 1080p60 H.264 clips with two hands, made from a real two-hand photo in
// ../shared/data (moving sideways). Reports fps and per-stage ms per frame
// (decode, palm, landmark, tracking). Baselines measured in the same run: static mode on RGB frames (palm
// detection on every frame, as a per-frame MediaPipe run does) and each tracked configuration on the decoder's
// RGB frames (the pipeline before YUV sampling); the labels give wall and CPU-time speed-ups over them.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "io/video/video.hpp"
#include "vision/frame_view.hpp"
#include "vision/tracker.hpp"

namespace fs = std::filesystem;
namespace pvv = pv::vision;

namespace {

using Clock = std::chrono::steady_clock;

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Bilinear resize of an RGB image (for making the test clip only).
std::vector<std::uint8_t> resize(const pv::video::Frame& f, int w, int h) {
  std::vector<std::uint8_t> out(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    float sy = std::clamp((y + 0.5f) * f.height / h - 0.5f, 0.f, f.height - 1.f);
    int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, f.height - 1);
    float ay = sy - y0;
    for (int x = 0; x < w; ++x) {
      float sx = std::clamp((x + 0.5f) * f.width / w - 0.5f, 0.f, f.width - 1.f);
      int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, f.width - 1);
      float ax = sx - x0;
      for (int c = 0; c < 3; ++c) {
        auto px = [&](int xx, int yy) { return static_cast<float>(f.rgb[(static_cast<size_t>(yy) * f.width + xx) * 3 + c]); };
        float v = (px(x0, y0) * (1 - ax) + px(x1, y0) * ax) * (1 - ay) + (px(x0, y1) * (1 - ax) + px(x1, y1) * ax) * ay;
        out[(static_cast<size_t>(y) * w + x) * 3 + c] = static_cast<std::uint8_t>(std::lround(v));
      }
    }
  }
  return out;
}

// A two-hand clip of the given height (16:9), 60 fps, 120 frames, from a real two-hand photo in
// ../shared/data/hand-images (its two-hand band scaled to the frame height, moving sideways by up to +-6 % of the width so
// that tracking has to follow it); cached per height.
fs::path make_clip(int height) {
  static std::map<int, fs::path> cache;
  if (auto it = cache.find(height); it != cache.end()) return it->second;
  const int width = height * 16 / 9;
  const fs::path src = fs::path(PV_SHARED_DATA) / "hand-images/call/17d804b5-7118-462d-8191-58d764f591b8.jpg";
  if (!fs::exists(src)) return {};
  const fs::path out = fs::temp_directory_path() / ("pv_bench_hands_" + std::to_string(height) + "p.mp4");
  // The band of the photo with both hands (rows 25-90 %), so that they fill a useful part of the frame.
  const pv::video::Frame full = pv::video::read_image(src);
  pv::video::Frame photo;
  const int r0 = full.height / 4, r1 = full.height * 9 / 10;
  photo.width = full.width;
  photo.height = r1 - r0;
  photo.rgb.assign(full.rgb.begin() + static_cast<long>(r0) * full.width * 3,
                   full.rgb.begin() + static_cast<long>(r1) * full.width * 3);
  const int sw = static_cast<int>(std::lround(static_cast<double>(photo.width) * height / photo.height));
  const auto scaled = resize(photo, sw, height);
  pv::video::EncoderOptions eo;
  eo.width = width;
  eo.height = height;
  eo.fps = {60, 1};
  eo.crf = 20;
  pv::video::Encoder enc(out, eo);
  std::vector<std::uint8_t> frame(static_cast<size_t>(width) * height * 3);
  for (int n = 0; n < 120; ++n) {
    std::fill(frame.begin(), frame.end(), std::uint8_t{96});
    const int x0 = (width - sw) / 2 + static_cast<int>(std::lround(0.06 * width * std::sin(n * 2 * M_PI / 120)));
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < sw; ++x) {
        const int dx = x0 + x;
        if (dx < 0 || dx >= width) continue;
        std::copy_n(&scaled[(static_cast<size_t>(y) * sw + x) * 3], 3, &frame[(static_cast<size_t>(y) * width + dx) * 3]);
      }
    enc.add_frame(frame.data());
  }
  enc.finish();
  cache[height] = out;
  return out;
}

std::map<std::string, double> g_fps;  // for ratios against the baseline

// Frames come either as the decoder's RGB frames, decoded one frame ahead on a second thread (the pipeline
// before YUV sampling), or as YUV planes from PrefetchDecoder (decoded ahead on its own thread, no RGB
// conversion, no copies) as `pianovam hands` runs.
enum class Frames { Rgb, Yuv };

void run_clip(benchmark::State& state, int height, bool static_mode, pvv::ModelKind kind, int threads, Frames mode,
              const std::string& name, const std::vector<std::string>& baselines) {
  const fs::path clip = make_clip(height);
  if (clip.empty()) {
    state.SkipWithError("real photo not present in ../shared/data/hand-images");
    return;
  }
  pvv::HandsOptions opt;
  opt.model = kind;
  opt.model_dir = fs::path(PV_SOURCE_DIR) / "assets/models";
  opt.threads = threads;
  opt.static_mode = static_mode;
  opt.min_detection = 0.5f;  // as MediaPipe's reference run
  opt.min_presence = 0.5f;
  pvv::HandTracker tracker(opt);
  long frames = 0, two_hands = 0;
  double decode_ms = 0, wall_ms = 0, cpu_ms = 0;
  for (auto _ : state) {
    tracker.reset();
    auto t0 = Clock::now();
    const double c0 = process_cpu_ms();
    if (mode == Frames::Yuv) {
      pv::video::PrefetchDecoder dec(clip, 3, 1);
      pv::video::PlanarFrame f;
      while (dec.next(f)) {
        auto hands = tracker.process(pvv::view_of(f), f.time);
        two_hands += hands.size() >= 2;
        ++frames;
      }
      decode_ms += dec.decode_ms();
    } else {
      pv::video::Decoder dec(clip, 1);
      std::mutex mu;
      std::condition_variable cv;
      pv::video::Frame slot;
      bool full = false, done = false;
      double dms = 0;
      std::thread producer([&] {
        pv::video::Frame f;
        for (;;) {
          auto d0 = Clock::now();
          bool ok = dec.next(f);
          dms += std::chrono::duration<double, std::milli>(Clock::now() - d0).count();
          std::unique_lock lk(mu);
          cv.wait(lk, [&] { return !full; });
          if (!ok) {
            done = true;
            cv.notify_all();
            return;
          }
          std::swap(slot, f);
          full = true;
          cv.notify_all();
        }
      });
      pv::video::Frame cur;
      for (;;) {
        {
          std::unique_lock lk(mu);
          cv.wait(lk, [&] { return full || done; });
          if (!full) break;
          std::swap(cur, slot);
          full = false;
          cv.notify_all();
        }
        auto hands = tracker.process(pvv::view_of(cur), cur.time);
        two_hands += hands.size() >= 2;
        ++frames;
      }
      producer.join();
      decode_ms += dms;
    }
    wall_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    cpu_ms += process_cpu_ms() - c0;
  }
  const auto& tm = tracker.timing();
  const double fps = frames * 1000.0 / wall_ms;
  g_fps[name] = fps;
  g_fps[name + "/cpu"] = 2000.0 * frames / cpu_ms;
  state.counters["fps"] = fps;
  state.counters["decode_ms"] = decode_ms / frames;  // on the decoding thread (overlaps inference)
  state.counters["palm_ms"] = tm.palm_ms / frames;
  state.counters["landmark_ms"] = tm.landmark_ms / frames;
  state.counters["tracking_ms"] = tm.tracking_ms / frames;
  // CPU time of all threads per frame, and the rate two free cores could sustain at that cost (the machine
  // may be shared, which inflates wall time but not CPU time).
  state.counters["cpu_ms_per_frame"] = cpu_ms / frames;
  state.counters["fps_2cores_from_cpu"] = 2000.0 * frames / cpu_ms;
  state.counters["palm_runs_pct"] = 100.0 * tm.palm_runs / frames;
  state.counters["two_hand_frames_pct"] = 100.0 * two_hands / frames;
  std::string label;
  for (const auto& b : baselines)
    if (g_fps.count(b)) {
      auto ratio = [](double r) { return std::to_string(r).substr(0, 4); };
      label += (label.empty() ? "" : ", ") + std::string("x") + ratio(fps / g_fps[b]) + " wall, x" +
               ratio(g_fps[name + "/cpu"] / g_fps[b + "/cpu"]) + " cpu vs " + b;
    }
  state.SetLabel(label);
}

}  // namespace

#define PV_HANDS_BENCH(NAME, H, STATIC, KIND, THREADS, MODE, ...)                                          \
  static void NAME(benchmark::State& s) { run_clip(s, H, STATIC, KIND, THREADS, MODE, #NAME, {__VA_ARGS__}); } \
  BENCHMARK(NAME)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime()

using pvv::ModelKind;
constexpr auto kRgb = Frames::Rgb, kYuv = Frames::Yuv;
// Baseline: per-frame palm detection (static mode) on RGB frames, as a per-frame MediaPipe run does.
PV_HANDS_BENCH(BM_720p_static_full_rgb, 720, true, ModelKind::Full, 2, kRgb);
PV_HANDS_BENCH(BM_720p_tracked_full_rgb, 720, false, ModelKind::Full, 2, kRgb, "BM_720p_static_full_rgb");
PV_HANDS_BENCH(BM_720p_tracked_full, 720, false, ModelKind::Full, 2, kYuv, "BM_720p_static_full_rgb",
               "BM_720p_tracked_full_rgb");
PV_HANDS_BENCH(BM_720p_tracked_full_1thread, 720, false, ModelKind::Full, 1, kYuv, "BM_720p_tracked_full");
PV_HANDS_BENCH(BM_720p_tracked_lite_rgb, 720, false, ModelKind::Lite, 2, kRgb, "BM_720p_static_full_rgb");
PV_HANDS_BENCH(BM_720p_tracked_lite, 720, false, ModelKind::Lite, 2, kYuv, "BM_720p_tracked_lite_rgb");
PV_HANDS_BENCH(BM_1080p_tracked_full_rgb, 1080, false, ModelKind::Full, 2, kRgb, "BM_720p_static_full_rgb");
PV_HANDS_BENCH(BM_1080p_tracked_full, 1080, false, ModelKind::Full, 2, kYuv, "BM_1080p_tracked_full_rgb");
PV_HANDS_BENCH(BM_1080p_tracked_lite_rgb, 1080, false, ModelKind::Lite, 2, kRgb, "BM_720p_static_full_rgb");
PV_HANDS_BENCH(BM_1080p_tracked_lite, 1080, false, ModelKind::Lite, 2, kYuv, "BM_1080p_tracked_lite_rgb");

BENCHMARK_MAIN();
