#pragma once
// Test signals for sync: a piano-like performance (decaying inharmonic partials + hammer noise),
// room impulse responses (real ones from ../shared/data or synthetic), FFT convolution, and a
// planted clock map (offset + drift).
#include <fftw3.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <vector>

#include "align/sync/sync.hpp"

namespace synctest {

inline std::vector<float> piano_like(double seconds, int rate, unsigned seed, double notes_per_s = 5.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const auto n = static_cast<std::size_t>(seconds * rate);
  std::vector<float> out(n, 0.0f);
  double t = 0.05;
  while (t < seconds) {
    const int pitch = 36 + static_cast<int>(u(rng) * 54);
    const double f0 = 440.0 * std::pow(2.0, (pitch - 69) / 12.0);
    const double amp = 0.02 + 0.08 * u(rng);
    const double tau = 0.3 + 1.5 * u(rng) * (96 - pitch) / 60.0;
    const double dur = std::min(4.0 * tau, 3.0);
    const auto start = static_cast<std::size_t>(t * rate);
    const auto len = std::min(n - start, static_cast<std::size_t>(dur * rate));
    for (int h = 1; h <= 12; ++h) {
      const double fh = f0 * h * std::sqrt(1.0 + 0.0004 * h * h);
      if (fh > 0.45 * rate) break;
      const double ah = amp / h;
      const double ph = u(rng) * 2 * M_PI;
      const double tau_h = tau / (1.0 + 0.3 * h);
      // Damped oscillator by complex rotation: z_{i+1} = z_i * exp((-1/tau + j w) / rate).
      const std::complex<double> step = std::exp(std::complex<double>(-1.0 / (tau_h * rate), 2 * M_PI * fh / rate));
      std::complex<double> z = ah * std::exp(std::complex<double>(0.0, ph));
      for (std::size_t i = 0; i < len; ++i) {
        out[start + i] += static_cast<float>(z.imag());
        z *= step;
      }
    }
    std::normal_distribution<double> g(0.0, amp * 0.5);  // hammer knock
    for (std::size_t i = 0; i < std::min(len, static_cast<std::size_t>(0.01 * rate)); ++i)
      out[start + i] += static_cast<float>(g(rng) * std::exp(-static_cast<double>(i) / (0.002 * rate)));
    t += -std::log(1.0 - u(rng) * 0.999) / notes_per_s;  // Poisson onsets
  }
  return out;
}

// Linear convolution by one FFT.
inline std::vector<float> convolve(const std::vector<float>& x, const std::vector<float>& h) {
  const std::size_t len = x.size() + h.size() - 1;
  std::size_t n = 1;
  while (n < len) n <<= 1;
  std::vector<double> a(n, 0.0), b(n, 0.0);
  std::copy(x.begin(), x.end(), a.begin());
  std::copy(h.begin(), h.end(), b.begin());
  std::vector<fftw_complex> fa(n / 2 + 1), fb(n / 2 + 1);
  fftw_plan pa = fftw_plan_dft_r2c_1d(static_cast<int>(n), a.data(), fa.data(), FFTW_ESTIMATE);
  fftw_plan pb = fftw_plan_dft_r2c_1d(static_cast<int>(n), b.data(), fb.data(), FFTW_ESTIMATE);
  fftw_execute(pa);
  fftw_execute(pb);
  for (std::size_t k = 0; k < fa.size(); ++k) {
    const double re = fa[k][0] * fb[k][0] - fa[k][1] * fb[k][1];
    const double im = fa[k][0] * fb[k][1] + fa[k][1] * fb[k][0];
    fa[k][0] = re / n;
    fa[k][1] = im / n;
  }
  fftw_plan pi = fftw_plan_dft_c2r_1d(static_cast<int>(n), fa.data(), a.data(), FFTW_ESTIMATE);
  fftw_execute(pi);
  fftw_destroy_plan(pa);
  fftw_destroy_plan(pb);
  fftw_destroy_plan(pi);
  std::vector<float> out(x.size());  // keep the dry length: the tail is cut like a recording's end
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(a[i]);
  return out;
}

// An IR file resampled to `rate`, starting at its direct-sound peak, peak-normalised.
inline std::vector<float> load_ir(const std::filesystem::path& file, int rate) {
  SF_INFO info{};
  SNDFILE* f = sf_open(file.c_str(), SFM_READ, &info);
  if (!f) throw std::runtime_error("cannot open " + file.string());
  std::vector<float> v(static_cast<std::size_t>(info.frames * info.channels));
  sf_readf_float(f, v.data(), info.frames);
  sf_close(f);
  std::vector<float> mono(static_cast<std::size_t>(info.frames));
  for (std::size_t i = 0; i < mono.size(); ++i) mono[i] = v[i * info.channels];
  auto r = pv::sync::resample(mono, info.samplerate, rate);
  std::size_t peak = 0;
  for (std::size_t i = 0; i < r.size(); ++i)
    if (std::abs(r[i]) > std::abs(r[peak])) peak = i;
  std::vector<float> out(r.begin() + static_cast<long>(peak), r.end());
  const float g = 1.0f / std::abs(out[0]);
  for (float& s : out) s *= g;
  return out;
}

// A synthetic room: direct sound, a few early reflections and an exponentially decaying noise tail
// (direct-to-reverberant ratio around 0 dB).
inline std::vector<float> synthetic_ir(int rate, double rt60, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const auto n = static_cast<std::size_t>(rt60 * rate);
  std::vector<float> h(n, 0.0f);
  h[0] = 1.0f;
  const double tail = 0.17 / std::sqrt(rt60 * rate);
  for (std::size_t i = static_cast<std::size_t>(0.003 * rate); i < n; ++i)
    h[i] = static_cast<float>(tail * g(rng) * std::pow(10.0, -3.0 * i / static_cast<double>(n)));
  for (int r = 0; r < 4; ++r)
    h[static_cast<std::size_t>((0.003 + 0.02 * u(rng)) * rate)] += static_cast<float>(0.3 + 0.3 * u(rng));
  return h;
}

inline void add_noise(std::vector<float>& v, double snr_db, unsigned seed) {
  double p = 0;
  for (float s : v) p += static_cast<double>(s) * s;
  p /= static_cast<double>(v.size());
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, std::sqrt(p * std::pow(10.0, -snr_db / 10.0)));
  for (float& s : v) s += static_cast<float>(g(rng));
}

// Puts `s` (recorded at `rate`) on a clock with target_time = offset + ref_time * (1 + drift), sampled
// at `out_rate`. Returns the exact planted offset (rounded to the output sample grid).
inline double plant(const std::vector<float>& s, int rate, double offset, double drift_ppm, int out_rate,
                    std::vector<float>& out) {
  auto r = pv::sync::resample(s, rate, out_rate * (1.0 + drift_ppm * 1e-6));
  const long shift = std::lround(offset * out_rate);
  out.clear();
  if (shift >= 0) {
    out.assign(static_cast<std::size_t>(shift), 0.0f);
    out.insert(out.end(), r.begin(), r.end());
  } else {
    out.assign(r.begin() + std::min<long>(-shift, static_cast<long>(r.size())), r.end());
  }
  return static_cast<double>(shift) / out_rate;
}

}  // namespace synctest
