#include "align/cqt.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
#include <mutex>
#include <numbers>

#include "core/fftw_lock.hpp"
#include "core/error.hpp"
#include "core/large_pages.hpp"
#include "core/parallel.hpp"

namespace pv::align {
namespace {

struct FftwFree {
  void operator()(void* p) const { fftwf_free(p); }
};
template <class T>
using FftwPtr = std::unique_ptr<T[], FftwFree>;
template <class T>
FftwPtr<T> fftw_alloc(std::size_t n) {
  auto* p = static_cast<T*>(fftwf_malloc(sizeof(T) * n));
  if (!p) throw Error("cqt: out of memory");
  if (sizeof(T) * n >= kLargeAllocation) advise_huge_pages(p, sizeof(T) * n);
  return FftwPtr<T>(p);
}

struct Plan {
  fftwf_plan p = nullptr;
  ~Plan() {
    if (p) {
      std::lock_guard lock(fftw_planner_mutex());
      fftwf_destroy_plan(p);
    }
  }
};

// Smallest n >= want with no prime factor above 7.
std::size_t smooth_size(std::size_t want) {
  for (std::size_t n = std::max<std::size_t>(want, 1);; ++n) {
    std::size_t r = n;
    for (std::size_t p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return n;
  }
}

// Fourier transform of a Hann window of duration T at frequency offset x / T, normalised to 1 at 0.
double hann_response(double x) {
  const double ax = std::fabs(x);
  if (ax < 1e-9) return 1.0;
  if (std::fabs(ax - 1.0) < 1e-9) return 0.5;
  const double px = std::numbers::pi * x;
  return std::sin(px) / px / (1.0 - x * x);
}

}  // namespace

float cosine_distance(const float* a, const float* b, int bins) {
  float acc[8] = {};
  int k = 0;
  for (; k + 8 <= bins; k += 8)
    for (int l = 0; l < 8; ++l) acc[l] += a[k + l] * b[k + l];
  float s = 0.0f;
  for (; k < bins; ++k) s += a[k] * b[k];
  for (float v : acc) s += v;
  return 1.0f - s;
}

namespace {
Features cqt_impl(const std::vector<float>& signal, std::vector<float>* release, const CqtParams& P, int threads);
}  // namespace

Features cqt_magnitude(const std::vector<float>& signal, const CqtParams& P, int threads) {
  return cqt_impl(signal, nullptr, P, threads);
}

Features cqt_magnitude(std::vector<float>&& signal, const CqtParams& P, int threads) {
  std::vector<float> owned = std::move(signal);
  return cqt_impl(owned, &owned, P, threads);
}

namespace {

// DFT bins 0..jmax of x zero-padded to L samples, by decimation in time: with D polyphase parts
// x_r[m] = x[mD + r] and their (L/D)-point FFTs Y_r, X[j] = sum_r exp(-2 pi i j r / L) Y_r[j], exact for
// j <= L/(2D). D is the largest power of two up to 64 that allows jmax: the CQT needs only the low
// bins, and one whole-signal FFT would need the signal's size twice more (buffer and FFTW plan).
std::vector<std::complex<double>> low_spectrum(const std::vector<float>& x, std::size_t L, std::size_t jmax,
                                               int threads) {
  std::size_t D = 1;
  for (std::size_t d = 64; d > 1; d /= 2)
    if (L % d == 0 && jmax <= L / d / 2) {
      D = d;
      break;
    }
  const std::size_t N = L / D, nc = N / 2 + 1;
  const int parts = static_cast<int>(std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1, D));
  std::vector<std::vector<std::complex<double>>> acc(parts);
  run_parts(parts, [&](int part) {
    auto in = fftw_alloc<float>(N);
    auto out = fftw_alloc<fftwf_complex>(nc);
    Plan fwd;
    {
      std::lock_guard lock(fftw_planner_mutex());
      fwd.p = fftwf_plan_dft_r2c_1d(static_cast<int>(N), in.get(), out.get(), FFTW_ESTIMATE);
    }
    if (!fwd.p) throw Error("cqt: FFTW planning failed");
    auto& X = acc[part];
    X.assign(jmax + 1, 0.0);
    for (std::size_t r = D * part / parts; r < D * (part + 1) / parts; ++r) {
      for (std::size_t m = 0; m < N; ++m) {
        const std::size_t i = m * D + r;
        in[m] = i < x.size() ? x[i] : 0.0f;
      }
      fftwf_execute(fwd.p);
      const double a = -2.0 * std::numbers::pi * static_cast<double>(r) / static_cast<double>(L);
      const std::complex<double> step(std::cos(a), std::sin(a));
      std::complex<double> w = 1.0;  // exp(-2 pi i j r / L), by recurrence (drifts < 1e-9 over 10^6 bins)
      for (std::size_t j = 0; j <= jmax; ++j) {
        X[j] += std::complex<double>(out[j][0], out[j][1]) * w;
        w *= step;
      }
    }
  });
  for (int k = 1; k < parts; ++k)
    for (std::size_t j = 0; j <= jmax; ++j) acc[0][j] += acc[k][j];
  return std::move(acc[0]);
}

Features cqt_impl(const std::vector<float>& signal, std::vector<float>* release, const CqtParams& P, int threads) {
  if (P.rate <= 0 || P.hop <= 0 || P.bins <= 0 || P.bins_per_octave <= 0) throw Error("cqt: bad parameters");
  const double Q = 1.0 / (std::pow(2.0, 1.0 / P.bins_per_octave) - 1.0);
  const double fmin = 440.0 * std::pow(2.0, (P.fmin_midi - 69.0) / 12.0);
  const double fmax = fmin * std::pow(2.0, (P.bins - 1.0) / P.bins_per_octave);
  if (fmax >= 0.5 * P.rate) throw Error("cqt: highest bin is above Nyquist");
  const std::size_t n = signal.size();
  const std::size_t frames = n / P.hop + 1;
  // Zero padding beyond the longest kernel keeps the circular convolution from wrapping.
  const std::size_t longest = static_cast<std::size_t>(std::ceil(Q * P.rate / fmin));
  const std::size_t M = smooth_size((n + longest) / P.hop + 2);  // output samples per bin
  const std::size_t L = M * P.hop;                                // forward FFT size
  const std::size_t nspec = L / 2 + 1;

  // Only the spectrum up to the top bin's band is ever used (about 1.2 kHz with the defaults).
  const double df = static_cast<double>(P.rate) / static_cast<double>(L);
  const long long half = static_cast<long long>(M / 2);
  const std::size_t jmax = std::min<std::size_t>(
      nspec - 1, static_cast<std::size_t>(std::llround(fmax / df) + static_cast<long long>(M) - half - 1));
  const std::vector<std::complex<double>> spec = low_spectrum(signal, L, jmax, threads);
  if (release) std::vector<float>().swap(*release);

  Features out;
  out.bins = P.bins;
  out.hop = P.hop;
  out.rate = P.rate;
  out.data.assign(frames * P.bins, 0.0f);
  const double scale = 2.0 / static_cast<double>(L);
  // Bins [b0, b1), each one inverse FFT of its band; one band buffer and plan per thread.
  auto run = [&](int b0, int b1) {
    auto band = fftw_alloc<fftwf_complex>(M);
    Plan inv;
    {
      std::lock_guard lock(fftw_planner_mutex());
      inv.p = fftwf_plan_dft_1d(static_cast<int>(M), band.get(), band.get(), FFTW_BACKWARD, FFTW_ESTIMATE);
    }
    if (!inv.p) throw Error("cqt: FFTW planning failed");
    for (int b = b0; b < b1; ++b) {
      const double f = fmin * std::pow(2.0, static_cast<double>(b) / P.bins_per_octave);
      const double T = Q / f;  // window duration (Q periods)
      const long long c0 = std::llround(f / df);
      std::fill(reinterpret_cast<float*>(band.get()), reinterpret_cast<float*>(band.get() + M), 0.0f);
      for (long long k = -half; k < static_cast<long long>(M) - half; ++k) {
        const long long j = c0 + k;
        if (j < 0 || j > static_cast<long long>(jmax)) continue;
        const double h = hann_response((j * df - f) * T) * scale;
        if (std::fabs(h) < 1e-12) continue;
        const std::size_t dst = static_cast<std::size_t>((k + static_cast<long long>(M)) % static_cast<long long>(M));
        band[dst][0] = static_cast<float>(spec[j].real() * h);
        band[dst][1] = static_cast<float>(spec[j].imag() * h);
      }
      fftwf_execute(inv.p);
      for (std::size_t i = 0; i < frames; ++i)
        out.data[i * P.bins + b] = std::hypot(band[i][0], band[i][1]);
    }
  };
  const int parts = std::clamp(threads, 1, P.bins);
  run_parts(parts, [&](int k) { run(P.bins * k / parts, P.bins * (k + 1) / parts); });
  return out;
}

}  // namespace

namespace {

// The reference processing of to_alignment_features on T frames of B values, `stride` floats apart,
// with the magnitudes' maximum `vmax`.
void normalise_frames(float* data, std::size_t T, int B, std::size_t stride, float vmax, double floor_db) {
  const float floor_amp = static_cast<float>(std::pow(10.0, floor_db / 20.0));
  const float inv = vmax > 0.0f ? 1.0f / vmax : 0.0f;
  std::vector<float> mins(T);
  for (std::size_t i = 0; i < T; ++i) {
    float* x = data + i * stride;
    for (int b = 0; b < B; ++b) x[b] = std::max(x[b] * inv, floor_amp);
    mins[i] = *std::min_element(x, x + B);
  }
  for (std::size_t i = 0; i < T; ++i) {
    const std::size_t a = i >= 2 ? i - 2 : 0, e = std::min(T, i + 3);
    double s = 0.0;
    for (std::size_t k = a; k < e; ++k) s += mins[k];
    const float norm = static_cast<float>(s / static_cast<double>(e - a));
    float* x = data + i * stride;
    double ss = 0.0;
    for (int b = 0; b < B; ++b) {
      x[b] /= norm;
      ss += double(x[b]) * x[b];
    }
    const float unit = ss > 0.0 ? static_cast<float>(1.0 / std::sqrt(ss)) : 0.0f;
    for (int b = 0; b < B; ++b) x[b] *= unit;
  }
}

}  // namespace

void to_alignment_features(Features& f, double floor_db) {
  if (f.frames() == 0) return;
  float vmax = 0.0f;
  for (float v : f.data) vmax = std::max(vmax, v);
  normalise_frames(f.data.data(), f.frames(), f.bins, static_cast<std::size_t>(f.bins), vmax, floor_db);
}

void to_alignment_features_with_onsets(Features& f, double floor_db, double onset_weight, int span) {
  const std::size_t T = f.frames();
  const int B = f.bins;
  if (T == 0) return;
  float vmax = 0.0f;
  for (float v : f.data) vmax = std::max(vmax, v);
  // Reference features straight into the first half of every output frame; the input then becomes
  // the dB spectrum in place (peak memory: input and output only).
  Features out;
  out.bins = 2 * B;
  out.hop = f.hop;
  out.rate = f.rate;
  out.data.assign(T * out.bins, 0.0f);
  for (std::size_t i = 0; i < T; ++i) std::copy(f.frame(i), f.frame(i) + B, out.frame(i));
  normalise_frames(out.data.data(), T, B, static_cast<std::size_t>(out.bins), vmax, floor_db);
  const float fl = static_cast<float>(floor_db);
  for (float& v : f.data) v = vmax > 0.0f ? std::max(fl, 20.0f * std::log10(std::max(v, 1e-30f) / vmax)) : fl;
  const std::vector<float>& db = f.data;
  const float w = static_cast<float>(onset_weight);
  for (std::size_t i = 0; i < T; ++i) {
    float* y = out.frame(i);
    const std::size_t a = i >= static_cast<std::size_t>(span) ? i - span : 0, e = std::min(T - 1, i + span);
    double ss = 0.0;
    for (int b = 0; b < B; ++b) {
      const float rise = std::max(0.0f, db[e * B + b] - db[a * B + b]);
      y[B + b] = rise;
      ss += double(rise) * rise;
    }
    const float unit = ss > 0.0 ? static_cast<float>(w / std::sqrt(ss)) : 0.0f;
    double tot = 0.0;
    for (int b = 0; b < 2 * B; ++b) {
      if (b >= B) y[b] *= unit;
      tot += double(y[b]) * y[b];
    }
    const float u = tot > 0.0 ? static_cast<float>(1.0 / std::sqrt(tot)) : 0.0f;
    for (int b = 0; b < 2 * B; ++b) y[b] *= u;
  }
  f = std::move(out);
}

Features pool(const Features& f, int factor) {
  if (factor < 1) throw Error("pool: factor must be >= 1");
  Features out;
  out.bins = f.bins;
  out.hop = f.hop * factor;
  out.rate = f.rate;
  const std::size_t T = f.frames();
  const std::size_t n = (T + factor - 1) / factor;
  out.data.assign(n * f.bins, 0.0f);
  for (std::size_t i = 0; i < T; ++i) {
    float* y = out.frame(i / factor);
    const float* x = f.frame(i);
    for (int b = 0; b < f.bins; ++b) y[b] += x[b];
  }
  for (std::size_t i = 0; i < n; ++i) {
    float* y = out.frame(i);
    double ss = 0.0;
    for (int b = 0; b < f.bins; ++b) ss += double(y[b]) * y[b];
    const float unit = ss > 0.0 ? static_cast<float>(1.0 / std::sqrt(ss)) : 0.0f;
    for (int b = 0; b < f.bins; ++b) y[b] *= unit;
  }
  return out;
}

}  // namespace pv::align
