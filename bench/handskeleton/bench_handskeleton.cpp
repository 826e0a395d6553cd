// Handskeleton reading speed on a generated 45,000-frame file (12.5 min at 60 fps, both hands in
// every frame): the hand-written fast path and the PVHS binary form against the nlohmann DOM path.
// Target: the JSON file loads in <= 3 s.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "io/json/handskeleton.hpp"
#include "io/json/handskeleton_detail.hpp"

namespace {
using pv::hands_io::HandTrack;

const std::string& sample_json() {
  static const std::string text = [] {
    std::mt19937 rng(1);
    std::uniform_real_distribution<double> u(0, 1);
    HandTrack t;
    t.frames.resize(45000);
    for (auto& f : t.frames)
      for (auto* slot : {&f.left, &f.right}) {
        pv::HandObservation o;
        for (auto& p : o.points) p = {float(u(rng)), float(u(rng)), float(u(rng) * 0.1 - 0.05)};
        *slot = o;
      }
    // Python writes doubles with ~17 significant digits; emulate that spelling for a fair size.
    std::string s = "{";
    char buf[160];
    for (size_t i = 0; i < t.frames.size(); ++i) {
      s += (i ? ", \"" : "\"") + std::to_string(i) + "\": {";
      for (int h = 0; h < 2; ++h) {
        s += h ? ", \"Right\": [" : "\"Left\": [";
        const auto& o = h ? *t.frames[i].right : *t.frames[i].left;
        for (int k = 0; k < 21; ++k) {
          std::snprintf(buf, sizeof buf, "%s[%.17g, %.17g, %.17g]", k ? ", " : "", double(o.points[k].x),
                        double(o.points[k].y), double(o.points[k].z));
          s += buf;
        }
        s += "]";
      }
      s += "}";
    }
    return s + "}";
  }();
  return text;
}

void BM_Dom(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(pv::hands_io::detail::parse_json_dom(sample_json(), "b"));
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(sample_json().size()));
}
void BM_Fast(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(pv::hands_io::parse_json(sample_json(), "b"));
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(sample_json().size()));
}
void BM_Binary(benchmark::State& st) {
  static const std::string bin = pv::hands_io::to_binary(pv::hands_io::parse_json(sample_json(), "b"));
  for (auto _ : st) benchmark::DoNotOptimize(pv::hands_io::parse_binary(bin, "b"));
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(bin.size()));
}
void BM_WriteJson(benchmark::State& st) {
  static const HandTrack t = pv::hands_io::parse_json(sample_json(), "b");
  for (auto _ : st) benchmark::DoNotOptimize(pv::hands_io::to_json(t));
}
BENCHMARK(BM_Dom)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_Fast)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Binary)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_WriteJson)->Unit(benchmark::kMillisecond)->Iterations(2);

// Ratios against the DOM baseline measured in the same run.
void print_ratios() {
  auto time = [](auto&& f) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const std::string& js = sample_json();
  std::string bin = pv::hands_io::to_binary(pv::hands_io::parse_json(js, "b"));
  double dom = time([&] { benchmark::DoNotOptimize(pv::hands_io::detail::parse_json_dom(js, "b")); });
  double fast = time([&] { benchmark::DoNotOptimize(pv::hands_io::parse_json(js, "b")); });
  double binary = time([&] { benchmark::DoNotOptimize(pv::hands_io::parse_binary(bin, "b")); });
  std::printf("45000 frames, JSON %.1f MB, PVHS %.1f MB\n", js.size() / 1e6, bin.size() / 1e6);
  std::printf("nlohmann DOM %.3f s | fast %.3f s (%.1fx) | PVHS %.3f s (%.1fx)  [target: JSON <= 3 s]\n", dom, fast,
              dom / fast, binary, dom / binary);
}
}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  print_ratios();
  return 0;
}
