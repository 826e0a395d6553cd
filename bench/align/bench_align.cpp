// bench_align: a 10-minute performance (real ASAP performances from ../shared/data concatenated, or a
// generated piece when absent) recorded by the simulator, then
//  - the multiscale DTW vs a plain full-resolution banded DTW (±2.5 s Sakoe–Chiba, hop 64) written
//    here as the baseline: wall time, cells, cells/s, ratio;
//  - `pianovam align` on the 10-minute WAV as a child process: wall time and peak memory (targets
//    ≤ 5 s, ≤ 300 MB);
//  - onset accuracy over the full length, and on more real performances (60 s excerpts, planted maps
//    within offset ±2 s and drift ±500 ppm; PV_BENCH_ALIGN_REPORT=1 prints each one's JSON report).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>

#include "align/align.hpp"
#include "align/simulate.hpp"
#include "io/audio/audio.hpp"
#include "../real_data.hpp"
#include "io/midi/midi.hpp"

namespace fs = std::filesystem;
using namespace pv::align;

namespace {

using pvbench::real_midis;

pv::Performance cut(const pv::Performance& p, double seconds) { return sim::excerpt(p, seconds); }

// Real performances back to back (1 s apart) up to `seconds`; a generated piece without the data.
pv::Performance long_performance(double seconds, std::string* what) {
  pv::Performance all;
  double t0 = 0.0;
  int used = 0;
  for (const auto& f : real_midis()) {
    if (t0 >= seconds) break;
    pv::Performance p = pv::midi::read(f);
    for (pv::Note n : p.notes) {
      n.onset += t0, n.key_offset += t0, n.sound_offset += t0;
      all.notes.push_back(n);
    }
    for (pv::PedalEvent e : p.pedals) {
      e.time += t0;
      all.pedals.push_back(e);
    }
    for (int cc : {64, 66, 67}) all.pedals.push_back({t0 + p.duration() + 0.5, cc, 0, 0});
    t0 += p.duration() + 1.0;
    ++used;
  }
  if (used == 0) {
    std::mt19937 rng(3);
    double t = 0.3;
    while (t < seconds) {
      const int root = 40 + static_cast<int>(rng() % 24);
      for (int k = 0; k < 6; ++k, t += 0.12 + 0.1 * (rng() % 3))
        all.notes.push_back({root + 4 * k, t, t + 0.3, t + 0.3, 40 + static_cast<int>(rng() % 80)});
    }
    *what = "generated piece";
  } else {
    *what = std::to_string(used) + " ASAP performances back to back";
  }
  all.sort();
  return cut(all, seconds);
}

struct Setup {
  pv::Performance midi;
  sim::SimOptions so;
  sim::Simulation sim;  // at 22,050 Hz
  Features x, y;        // render / audio features
  fs::path dir;
  std::string what;
};

Setup& setup() {
  static Setup s = [] {
    Setup s;
    s.midi = long_performance(600.0, &s.what);
    s.so.rate = 22050;
    s.so.samples_root = fs::path(PV_SOURCE_DIR) / "assets" / "npm";
    const fs::path ir = fs::path(PV_SHARED_DATA) / "impulse-responses" / "openair_ir_council_s1r1_ch1.wav";
    if (fs::exists(ir)) s.so.impulse_response = ir;
    s.so.snr_db = 30;
    s.so.map = {1.7, 400.0, 3.0, 21};
    std::fprintf(stderr, "bench_align: simulating a 10-minute recording (%s, %zu notes)...\n", s.what.c_str(),
                 s.midi.notes.size());
    s.sim = sim::simulate(s.midi, s.so);
    // PV_BENCH_ALIGN_DIR: keep the 10-minute WAV and MIDI there (for /usr/bin/time -v runs).
    const char* keep = std::getenv("PV_BENCH_ALIGN_DIR");
    s.dir = keep ? fs::path(keep) : fs::temp_directory_path() / ("pv-bench-align-" + std::to_string(::getpid()));
    fs::create_directories(s.dir);
    pv::audio::write_wav(s.dir / "rec.wav", {22050, s.sim.audio, 1});
    pv::midi::write(s.dir / "perf.mid", s.midi);
    AlignOptions o;
    s.x = cqt_magnitude(pv::synth::render(s.midi, 22050), o.cqt);
    to_alignment_features(s.x);
    s.y = cqt_magnitude(s.sim.audio, o.cqt);
    to_alignment_features(s.y);
    return s;
  }();
  return s;
}

// The baseline: plain banded DTW at full resolution, Sakoe–Chiba ±2.5 s around the diagonal,
// a direction byte per cell, same steps and penalty.
std::int64_t baseline_dtw(const Features& X, const Features& Y, int radius, double penalty, int* end_col) {
  const int n = static_cast<int>(X.frames()), m = static_cast<int>(Y.frames());
  const Band band = diagonal_band(n, m, radius);
  std::vector<std::int64_t> start(n + 1, 0);
  for (int i = 0; i < n; ++i) start[i + 1] = start[i] + band.hi[i] - band.lo[i] + 1;
  std::vector<std::uint8_t> dir(static_cast<std::size_t>(start[n]));
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> prev(m, inf), cur(m, inf);
  for (int i = 0; i < n; ++i) {
    for (int j = band.lo[i]; j <= band.hi[i]; ++j) {
      const double d = cosine_distance(X.frame(i), Y.frame(j), X.bins);
      double best = (i == 0 && j == 0) ? 0.0 : inf;
      std::uint8_t how = 0;
      if (i > 0 && j > 0 && prev[j - 1] < best) best = prev[j - 1], how = 0;
      if (i > 0 && prev[j] + penalty < best) best = prev[j] + penalty, how = 1;
      if (j > band.lo[i] && cur[j - 1] + penalty < best) best = cur[j - 1] + penalty, how = 2;
      cur[j] = best + d;
      dir[static_cast<std::size_t>(start[i] + j - band.lo[i])] = how;
    }
    if (i > 0)
      for (int j = band.lo[i - 1]; j <= band.hi[i - 1]; ++j) prev[j] = inf;
    std::swap(prev, cur);
  }
  int i = n - 1, j = m - 1;  // backtrack
  while (i > 0 || j > 0) {
    const std::uint8_t how = dir[static_cast<std::size_t>(start[i] + j - band.lo[i])];
    if (how == 0) --i, --j;
    else if (how == 1) --i;
    else --j;
  }
  *end_col = j;
  return start[n];
}

double g_multiscale_s = 0, g_baseline_s = 0, g_ms_cells = 0, g_base_cells = 0;

void BM_MultiscaleDTW(benchmark::State& st) {
  Setup& s = setup();
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = multiscale_dtw(s.x, s.y);
    g_multiscale_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    g_ms_cells = static_cast<double>(r.coarse.cells + r.fine.cells);
    benchmark::DoNotOptimize(r.fine.path.data());
  }
  st.counters["cells"] = g_ms_cells;
  st.counters["cells_per_s"] = benchmark::Counter(g_ms_cells * st.iterations(), benchmark::Counter::kIsRate);
}

void BM_BaselineBandedDTW(benchmark::State& st) {
  Setup& s = setup();
  const int radius = static_cast<int>(2.5 / s.x.frame_period());
  const double penalty = mean_band_distance(s.x, s.y, diagonal_band(static_cast<int>(s.x.frames()),
                                                                      static_cast<int>(s.y.frames()), radius), 256);
  for (auto _ : st) {
    int end = -1;
    const auto t0 = std::chrono::steady_clock::now();
    g_base_cells = static_cast<double>(baseline_dtw(s.x, s.y, radius, penalty, &end));
    g_baseline_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(end);
  }
  st.counters["cells"] = g_base_cells;
  st.counters["cells_per_s"] = benchmark::Counter(g_base_cells * st.iterations(), benchmark::Counter::kIsRate);
}

// The CLI on the 10-minute WAV as a child process: wall time and peak RSS.
void BM_AlignCli10min(benchmark::State& st) {
  Setup& s = setup();
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
      const std::string a = (s.dir / "rec.wav").string(), m = (s.dir / "perf.mid").string(),
                        o = (s.dir / "out.mid").string(), r = (s.dir / "report.json").string();
      ::execl(PV_CLI, PV_CLI, "-q", "align", "--audio", a.c_str(), "--midi", m.c_str(), "-o", o.c_str(), "--report",
              r.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    struct rusage ru {};
    ::wait4(pid, &status, 0, &ru);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    st.SetIterationTime(wall);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) st.SkipWithError("pianovam align failed");
    st.counters["peak_MB"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
    st.counters["cpu_s"] = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    // Accuracy of the CLI's output against the planted truth (notes in the same sorted order).
    const auto out = pv::midi::read(s.dir / "out.mid");
    std::vector<double> err;
    for (std::size_t k = 0; k < std::min(out.notes.size(), s.sim.truth.notes.size()); ++k)
      err.push_back(std::fabs(out.notes[k].onset - s.sim.truth.notes[k].onset) * 1e3);
    std::sort(err.begin(), err.end());
    if (!err.empty()) {
      st.counters["median_ms"] = err[err.size() / 2];
      st.counters["p95_ms"] = err[static_cast<std::size_t>(0.95 * (err.size() - 1))];
    }
  }
}

// Onset accuracy on more real performances (60 s excerpts, different rooms and planted maps).
void BM_AccuracyRealExcerpts(benchmark::State& st) {
  const auto files = real_midis();
  if (files.empty()) {
    st.SkipWithError("no ../shared/data/performance-midi");
    return;
  }
  const char* irs[] = {"openair_ir_arthur_s1r4_ch1.wav", "openair_ir_council_s1r1_ch1.wav",
                       "openair_ir_jack_lp4_ch1.wav", "spatialaudio_rir_clap_cc0.wav"};
  for (auto _ : st) {
    std::vector<double> all;
    int within = 0, count = 0;
    for (std::size_t f = 0; f < files.size(); f += 4) {
      const auto midi = cut(pv::midi::read(files[f]), 60.0);
      sim::SimOptions so;
      so.samples_root = fs::path(PV_SOURCE_DIR) / "assets" / "npm";
      so.impulse_response = fs::path(PV_SHARED_DATA) / "impulse-responses" / irs[(f / 4) % 4];
      so.snr_db = 30;
      // Within the ranges (offset ±2 s, drift ±500 ppm) for every file index.
      const double u = static_cast<double>(f) / static_cast<double>(std::max<std::size_t>(1, files.size() - 1));
      so.map = {-2.0 + 4.0 * u, -500.0 + 1000.0 * u, 2.0 + (f % 3), static_cast<std::uint32_t>(f + 1)};
      const auto sim = sim::simulate(midi, so);
      const auto r = align(sim.audio, midi);
      std::vector<double> e;
      for (const auto& n : midi.notes)  // notes played before the recording started are not in the audio
        if (so.map(n.onset) >= 0.1) e.push_back(std::fabs(aligned_time(r.map, n.onset, 22050) - so.map(n.onset)) * 1e3);
      std::sort(e.begin(), e.end());
      const double med = e[e.size() / 2], p95 = e[static_cast<std::size_t>(0.95 * (e.size() - 1))];
      std::fprintf(stderr, "  %-55s %-32s notes %5zu median %5.2f ms p95 %6.2f ms\n", files[f].filename().c_str(),
                   irs[(f / 4) % 4], e.size(), med, p95);
      if (std::getenv("PV_BENCH_ALIGN_REPORT")) std::fprintf(stderr, "%s\n", r.report.to_json().dump().c_str());
      within += med <= 3.0 && p95 <= 10.0;
      ++count;
      all.insert(all.end(), e.begin(), e.end());
    }
    std::sort(all.begin(), all.end());
    st.counters["files"] = count;
    st.counters["files_within_target"] = within;
    st.counters["median_ms"] = all[all.size() / 2];
    st.counters["p95_ms"] = all[static_cast<std::size_t>(0.95 * (all.size() - 1))];
  }
}

BENCHMARK(BM_MultiscaleDTW)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BaselineBandedDTW)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AlignCli10min)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AccuracyRealExcerpts)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  if (g_multiscale_s > 0 && g_baseline_s > 0)
    std::printf("multiscale DTW %.3f s (%.1f M cells) vs plain banded DTW %.3f s (%.1f M cells): %.1fx faster, %.1fx fewer cells\n",
                g_multiscale_s, g_ms_cells / 1e6, g_baseline_s, g_base_cells / 1e6, g_baseline_s / g_multiscale_s,
                g_base_cells / g_ms_cells);
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove_all(fs::temp_directory_path() / ("pv-bench-align-" + std::to_string(::getpid())), ec);
  return 0;
}
