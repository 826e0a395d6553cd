// Model inference alone (no video decode): palm detection and hand-landmark runs per second for the full and
// lite models, 1 and 2 threads, and the frame rate that implies for two tracked hands (2 landmark runs per
// frame). Baseline in the same run: the full landmark model on 1 thread. Two hands per frame: per-hand engines
// in parallel (the tracker's way, the baseline) against one batch-2 run, pooled or on one thread.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <map>
#include <vector>

#include "vision/hands.hpp"

namespace fs = std::filesystem;
namespace pvv = pv::vision;

namespace {
std::map<std::string, double> g_ms, g_cpu_ms;

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

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
  if (!baseline.empty() && g_ms.count(baseline)) {
    char label[160];
    std::snprintf(label, sizeof label, "x%.2f speed vs %s", g_ms[baseline] / ms, baseline.c_str());
    state.SetLabel(label);
  }
}
// Hand-landmark runs per frame as the tracker does them with 2 threads. kPerHand: one single-threaded engine
// per hand, the hands in parallel (the baseline); kBatch2: the hands in one batch-2 run on the 2-thread pool;
// kBatch2Serial: one batch-2 run on one thread; kSingle: one hand on a single-threaded batch-1 engine;
// kBatch2One: one hand through the pooled batch-2 engine. Wall and CPU time per frame, ratios vs `baseline`.
enum class TwoHands { kPerHand, kBatch2, kBatch2Serial, kSingle, kBatch2One };
void run_hands(benchmark::State& state, const std::string& file, TwoHands how, const std::string& name,
               const std::string& baseline) {
  if (!fs::exists(model(file))) {
    state.SkipWithError("model not installed");
    return;
  }
  pvv::ThreadPool pool(2);
  auto m = pvv::tflite::load(model(file));
  std::vector<std::uint8_t> rgb(1280 * 720 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 24);
  pvv::ImageView img{rgb.data(), 1280, 720};
  const std::vector<pvv::NormRect> rois = {{0.3f, 0.5f, 0.3f, 0.3f * 16 / 9, 0.3f},
                                           {0.7f, 0.5f, 0.3f, 0.3f * 16 / 9, -0.3f}};
  const bool batched = how == TwoHands::kBatch2 || how == TwoHands::kBatch2Serial || how == TwoHands::kBatch2One;
  pvv::LandmarkModel a(m, how == TwoHands::kBatch2Serial ? nullptr : batched ? &pool : nullptr, batched ? 2 : 1);
  pvv::LandmarkModel b(m, nullptr);
  pvv::LandmarkModel* models[2] = {&a, &b};
  auto t0 = std::chrono::steady_clock::now();
  const double c0 = process_cpu_ms();
  for (auto _ : state) {
    switch (how) {
      case TwoHands::kPerHand:
        pool.parallel_for(2, [&](size_t i) { benchmark::DoNotOptimize(models[i]->run(img, rois[i])); });
        break;
      case TwoHands::kBatch2:
      case TwoHands::kBatch2Serial: benchmark::DoNotOptimize(a.run(img, rois)); break;
      case TwoHands::kSingle: benchmark::DoNotOptimize(a.run(img, rois[0])); break;
      case TwoHands::kBatch2One: benchmark::DoNotOptimize(a.run(img, std::vector<pvv::NormRect>{rois[0]})); break;
    }
  }
  const double n = static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
  const double cpu = (process_cpu_ms() - c0) / n;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / n;
  g_ms[name] = ms;
  g_cpu_ms[name] = cpu;
  state.counters["ms_per_frame"] = ms;
  state.counters["cpu_ms_per_frame"] = cpu;
  state.counters["fps_wall"] = 1000.0 / ms;       // inference + crops, no decode
  state.counters["fps_2cores_from_cpu"] = 2000.0 / cpu;
  if (!baseline.empty() && g_ms.count(baseline))
  {
    char label[160];
    std::snprintf(label, sizeof label, "x%.2f wall, x%.2f cpu vs %s", g_ms[baseline] / ms, g_cpu_ms[baseline] / cpu,
                  baseline.c_str());
    state.SetLabel(label);
  }
}

}  // namespace

#define PV_HANDS_RUN_BENCH(NAME, FILE, HOW, BASELINE)                                       \
  static void NAME(benchmark::State& s) { run_hands(s, FILE, TwoHands::HOW, #NAME, BASELINE); } \
  BENCHMARK(NAME)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0)
PV_HANDS_RUN_BENCH(BM_two_hands_parallel_full, "hand_landmark_full.tflite", kPerHand, "");
PV_HANDS_RUN_BENCH(BM_two_hands_batch2_full, "hand_landmark_full.tflite", kBatch2, "BM_two_hands_parallel_full");
PV_HANDS_RUN_BENCH(BM_two_hands_batch2_1thread_full, "hand_landmark_full.tflite", kBatch2Serial,
                   "BM_two_hands_parallel_full");
PV_HANDS_RUN_BENCH(BM_one_hand_1thread_full, "hand_landmark_full.tflite", kSingle, "");
PV_HANDS_RUN_BENCH(BM_one_hand_batch2_full, "hand_landmark_full.tflite", kBatch2One, "BM_one_hand_1thread_full");
PV_HANDS_RUN_BENCH(BM_two_hands_parallel_lite, "hand_landmark_lite.tflite", kPerHand, "");
PV_HANDS_RUN_BENCH(BM_two_hands_batch2_lite, "hand_landmark_lite.tflite", kBatch2, "BM_two_hands_parallel_lite");

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
