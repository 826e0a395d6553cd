// Fingering speed: a 10-minute two-hand performance labelled from landmarks (target <= 1 s), and loading a
// 45,000-frame Handskeleton JSON (target <= 3 s). Baselines measured in the same run: the reference rules on
// the reference (polygon) keyboard, and a plain nlohmann DOM parse of the same JSON text.
#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "core/atomic_file.hpp"
#include "fingering/assign.hpp"
#include "fingering/simulate.hpp"
#include "io/json/handskeleton.hpp"
#include "keyboard/keyboard.hpp"

namespace {

const pv::KeyboardCorners kPx{{118, 562}, {1802, 548}, {1812, 768}, {106, 784}};

// 10 minutes, both hands, ~9 notes/s: RH stepwise runs with thumb turns and chords, LH broken chords.
std::vector<pv::Note> performance(double seconds) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> step(-2, 2);
  std::vector<pv::Note> v;
  int rh = 72, rf = 3, lh = 48;
  for (double t = 0.5; t < seconds; t += 0.18) {
    pv::Note n;
    int s = step(rng);
    rh = std::clamp(rh + s, 60, 96);
    rf = std::clamp(rf + (s > 0 ? 1 : s < 0 ? -1 : 0), 1, 5);
    n.pitch = rh;
    n.onset = t;
    n.key_offset = n.sound_offset = t + 0.16;
    n.hand = pv::Hand::Right;
    n.finger = rf;
    v.push_back(n);
    if (int(t / 0.18) % 2 == 0) {
      pv::Note l = n;
      lh = 36 + (int(t / 0.36) % 3) * 4;
      l.pitch = lh;
      l.key_offset = l.sound_offset = t + 0.34;
      l.hand = pv::Hand::Left;
      l.finger = 5 - (int(t / 0.36) % 3) * 2;
      v.push_back(l);
    }
  }
  return v;
}

struct Fixture {
  std::vector<pv::Note> notes = performance(600.0);
  pv::kb::Keyboard88 rect = pv::kb::Keyboard88::from_pixels(kPx, 1920, 1080);
  pv::kb::Keyboard88 ref = pv::kb::Keyboard88::from_pixels(kPx, 1920, 1080, {.model = pv::kb::Model::Reference});
  std::vector<pv::HandFrame> frames;
  Fixture() { frames = pv::fing::simulate_hands(notes, rect, pv::fing::SimConfig{}); }
};
Fixture& fx() {
  static Fixture f;
  return f;
}

void BM_Label10MinImproved(benchmark::State& st) {
  auto& f = fx();
  for (auto _ : st) benchmark::DoNotOptimize(pv::fing::assign(f.notes, f.frames, 60, f.rect, pv::fing::Config{}));
  st.counters["notes"] = double(f.notes.size());
  st.counters["frames"] = double(f.frames.size());
}
void BM_Label10MinReference(benchmark::State& st) {
  auto& f = fx();
  for (auto _ : st)
    benchmark::DoNotOptimize(pv::fing::assign(f.notes, f.frames, 60, f.ref, pv::fing::Config::reference()));
}
BENCHMARK(BM_Label10MinImproved)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Label10MinReference)->Unit(benchmark::kMillisecond)->Iterations(3);

struct JsonFixture {
  std::filesystem::path file = std::filesystem::temp_directory_path() / "pv_bench_hands_45k.json";
  std::string text;
  JsonFixture() {
    auto& f = fx();
    pv::hands_io::HandTrack t;
    t.frames.assign(f.frames.begin(), f.frames.end());
    t.frames.resize(45000);  // 12.5 min at 60 fps
    for (size_t i = f.frames.size(); i < t.frames.size(); ++i) t.frames[i] = f.frames[i % f.frames.size()];
    pv::hands_io::write_json(file, t);
    text = pv::read_file(file);
  }
  ~JsonFixture() { std::filesystem::remove(file); }
};
JsonFixture& jfx() {
  static JsonFixture j;
  return j;
}

void BM_LoadHandskeleton45k(benchmark::State& st) {
  auto& j = jfx();
  for (auto _ : st) benchmark::DoNotOptimize(pv::hands_io::read(j.file));
  st.counters["MB"] = double(j.text.size()) / 1e6;
}
void BM_NlohmannDom45k(benchmark::State& st) {
  auto& j = jfx();
  for (auto _ : st) benchmark::DoNotOptimize(nlohmann::json::parse(j.text));
}
BENCHMARK(BM_LoadHandskeleton45k)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_NlohmannDom45k)->Unit(benchmark::kMillisecond)->Iterations(1);

// Prints target ratios after the runs (time of each measured item / its target, and vs its baseline).
double time_once(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  auto& f = fx();
  auto& j = jfx();
  double imp = time_once([&] { pv::fing::assign(f.notes, f.frames, 60, f.rect, pv::fing::Config{}); });
  double ref = time_once([&] { pv::fing::assign(f.notes, f.frames, 60, f.ref, pv::fing::Config::reference()); });
  double load = time_once([&] { pv::hands_io::read(j.file); });
  double dom = time_once([&] { auto d = nlohmann::json::parse(j.text); benchmark::DoNotOptimize(d); });
  std::printf("\n10-min label (%zu notes, %zu frames): improved %.3f s (target 1 s: %.2fx of budget), reference "
              "rules %.3f s (improved/reference %.2f)\n",
              f.notes.size(), f.frames.size(), imp, imp / 1.0, ref, imp / ref);
  std::printf("45,000-frame Handskeleton JSON (%.1f MB): load %.3f s (target 3 s: %.2fx of budget), nlohmann DOM "
              "parse alone %.3f s (load/DOM %.2f)\n",
              j.text.size() / 1e6, load, load / 3.0, dom, load / dom);
  benchmark::Shutdown();
  return 0;
}
