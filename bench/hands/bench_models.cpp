// Model inference alone (no video decode): palm detection and hand-landmark runs per second for the full and
// lite models, 1 and 2 threads, and the frame rate that implies for two tracked hands (2 landmark runs per
// frame). Baseline in the same run: the full landmark model on 1 thread.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <vector>

#include "vision/hands.hpp"

namespace fs = std::filesystem;
namespace pvv = pv::vision;

namespace {
std::map<std::string, double> g_ms;

fs::path model(const std::string& name) {
  const char* env = std::getenv("PIANOVAM_MODELS");
  return (env && *env ? fs::path(env) : fs::path(PV_SOURCE_DIR) / "assets/models") / name;
}

void run(benchmark::State& state, const std::string& file, bool palm, int threads, const std::string& name,
         const std::string& baseline) {
  if (!fs::exists(model(file))) {
    state.SkipWithError("model not installed");
    return;
  }
  pvv::ThreadPool pool(threads);
  auto m = pvv::tflite::load(model(file));
  // A 1280x720 test pattern; inference time does not depend on the pixels.
  std::vector<std::uint8_t> rgb(1280 * 720 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 24);
  pvv::ImageView img{rgb.data(), 1280, 720};
  pvv::NormRect roi{0.5f, 0.5f, 0.3f, 0.3f * 16 / 9, 0.3f};
  std::unique_ptr<pvv::PalmDetector> pd;
  std::unique_ptr<pvv::LandmarkModel> lm;
  if (palm) pd = std::make_unique<pvv::PalmDetector>(m, &pool);
  else lm = std::make_unique<pvv::LandmarkModel>(m, &pool);
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (pd) benchmark::DoNotOptimize(pd->detect(img, 0.5f));
    else benchmark::DoNotOptimize(lm->run(img, roi));
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
                    static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
  g_ms[name] = ms;
  state.counters["ms_per_run"] = ms;
  if (!palm) state.counters["fps_2_tracked_hands"] = 1000.0 / (2 * ms);  // inference only
  if (!baseline.empty() && g_ms.count(baseline))
    state.SetLabel("x" + std::to_string(g_ms[baseline] / ms).substr(0, 4) + " speed vs " + baseline);
}
// Two hands per frame as the tracker runs them with 2 threads: one single-threaded engine per hand, in parallel.
void run_two_hands(benchmark::State& state, const std::string& file, const std::string& name) {
  if (!fs::exists(model(file))) {
    state.SkipWithError("model not installed");
    return;
  }
  pvv::ThreadPool pool(2);
  auto m = pvv::tflite::load(model(file));
  std::vector<std::uint8_t> rgb(1280 * 720 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 24);
  pvv::ImageView img{rgb.data(), 1280, 720};
  const pvv::NormRect rois[2] = {{0.3f, 0.5f, 0.3f, 0.3f * 16 / 9, 0.3f}, {0.7f, 0.5f, 0.3f, 0.3f * 16 / 9, -0.3f}};
  pvv::LandmarkModel a(m, nullptr), b(m, nullptr);
  pvv::LandmarkModel* models[2] = {&a, &b};
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state)
    pool.parallel_for(2, [&](size_t i) { benchmark::DoNotOptimize(models[i]->run(img, rois[i])); });
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
                    static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
  g_ms[name] = ms;
  state.counters["ms_per_frame"] = ms;
  state.counters["fps_2_tracked_hands"] = 1000.0 / ms;  // inference + crops, no decode
}

}  // namespace

static void BM_two_hands_parallel_full(benchmark::State& s) {
  run_two_hands(s, "hand_landmark_full.tflite", "BM_two_hands_parallel_full");
}
static void BM_two_hands_parallel_lite(benchmark::State& s) {
  run_two_hands(s, "hand_landmark_lite.tflite", "BM_two_hands_parallel_lite");
}
BENCHMARK(BM_two_hands_parallel_full)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_two_hands_parallel_lite)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

#define PV_MODEL_BENCH(NAME, FILE, PALM, THREADS)                                          \
  static void NAME(benchmark::State& s) { run(s, FILE, PALM, THREADS, #NAME, "BM_landmark_full_1thread"); } \
  BENCHMARK(NAME)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0)

PV_MODEL_BENCH(BM_landmark_full_1thread, "hand_landmark_full.tflite", false, 1);
PV_MODEL_BENCH(BM_landmark_full_2threads, "hand_landmark_full.tflite", false, 2);
PV_MODEL_BENCH(BM_landmark_lite_1thread, "hand_landmark_lite.tflite", false, 1);
PV_MODEL_BENCH(BM_landmark_lite_2threads, "hand_landmark_lite.tflite", false, 2);
PV_MODEL_BENCH(BM_palm_full_1thread, "palm_detection_full.tflite", true, 1);
PV_MODEL_BENCH(BM_palm_full_2threads, "palm_detection_full.tflite", true, 2);
PV_MODEL_BENCH(BM_palm_lite_2threads, "palm_detection_lite.tflite", true, 2);

BENCHMARK_MAIN();
