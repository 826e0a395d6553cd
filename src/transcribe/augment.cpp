#include "transcribe/augment.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <mutex>
#include <random>

#include "core/error.hpp"
#include "core/fftw_lock.hpp"

namespace pv::transcribe {

double mean_power(const std::vector<float>& x) {
  if (x.empty()) return 0.0;
  double s = 0;
  for (float v : x) s += static_cast<double>(v) * v;
  return s / static_cast<double>(x.size());
}

double measured_snr_db(const std::vector<float>& clean, const std::vector<float>& noisy) {
  if (clean.size() != noisy.size()) throw Error("SNR: signals differ in length");
  double ps = 0, pn = 0;
  for (std::size_t i = 0; i < clean.size(); ++i) {
    double d = static_cast<double>(noisy[i]) - clean[i];
    ps += static_cast<double>(clean[i]) * clean[i];
    pn += d * d;
  }
  if (pn == 0) throw Error("SNR: the signals are identical (no noise)");
  return 10.0 * std::log10(ps / pn);
}

std::vector<float> add_noise(const std::vector<float>& clean, double snr_db, std::uint64_t seed) {
  if (!std::isfinite(snr_db)) throw Error("noise: SNR must be finite");
  const double ps = mean_power(clean);
  if (!(ps > 0)) throw Error("noise: the input is silent, so an SNR cannot be set");
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; };  // (0, 1)
  std::vector<double> n(clean.size());
  for (std::size_t i = 0; i < n.size(); i += 2) {
    const double r = std::sqrt(-2.0 * std::log(uniform())), a = 2.0 * M_PI * uniform();
    n[i] = r * std::cos(a);
    if (i + 1 < n.size()) n[i + 1] = r * std::sin(a);
  }
  // Scale the drawn noise so that P(clean) / P(g·n) = 10^(snr/10) exactly, then correct once for
  // the rounding of the result to float (measured on the actual output samples).
  double pn = 0;
  for (double v : n) pn += v * v;
  pn /= static_cast<double>(n.size());
  double g = std::sqrt(ps / (pn * std::pow(10.0, snr_db / 10.0)));
  std::vector<float> out(clean.size());
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(clean[i] + g * n[i]);
    const double got = measured_snr_db(clean, out);
    g *= std::pow(10.0, (got - snr_db) / 20.0);
  }
  return out;
}

namespace {
std::size_t next_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

std::vector<double> convolve(const std::vector<float>& x, const std::vector<float>& h) {
  if (x.empty() || h.empty()) return {};
  const std::size_t m = h.size();
  const std::size_t nfft = next_pow2(std::max<std::size_t>(4 * m, 1 << 14));
  const std::size_t block = nfft - m + 1;  // input samples per block
  const std::size_t nbins = nfft / 2 + 1;
  double* buf = fftw_alloc_real(nfft);
  fftw_complex* spec = fftw_alloc_complex(nbins);
  fftw_complex* hspec = fftw_alloc_complex(nbins);
  if (!buf || !spec || !hspec) throw Error("convolution: out of memory");
  fftw_plan fwd, inv;
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    fwd = fftw_plan_dft_r2c_1d(static_cast<int>(nfft), buf, spec, FFTW_ESTIMATE);
    inv = fftw_plan_dft_c2r_1d(static_cast<int>(nfft), spec, buf, FFTW_ESTIMATE);
  }
  std::fill(buf, buf + nfft, 0.0);
  for (std::size_t i = 0; i < m; ++i) buf[i] = h[i];
  fftw_execute_dft_r2c(fwd, buf, hspec);
  std::vector<double> y(x.size() + m - 1, 0.0);
  const double scale = 1.0 / static_cast<double>(nfft);
  for (std::size_t start = 0; start < x.size(); start += block) {
    const std::size_t len = std::min(block, x.size() - start);
    std::fill(buf, buf + nfft, 0.0);
    for (std::size_t i = 0; i < len; ++i) buf[i] = x[start + i];
    fftw_execute_dft_r2c(fwd, buf, spec);
    for (std::size_t k = 0; k < nbins; ++k) {
      const double re = spec[k][0] * hspec[k][0] - spec[k][1] * hspec[k][1];
      const double im = spec[k][0] * hspec[k][1] + spec[k][1] * hspec[k][0];
      spec[k][0] = re, spec[k][1] = im;
    }
    fftw_execute_dft_c2r(inv, spec, buf);
    const std::size_t out_len = std::min(len + m - 1, y.size() - start);
    for (std::size_t i = 0; i < out_len; ++i) y[start + i] += buf[i] * scale;
  }
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    fftw_destroy_plan(fwd);
    fftw_destroy_plan(inv);
  }
  fftw_free(buf);
  fftw_free(spec);
  fftw_free(hspec);
  return y;
}

std::size_t peak_index(const std::vector<float>& h) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < h.size(); ++i)
    if (std::abs(h[i]) > std::abs(h[best])) best = i;
  return best;
}

std::size_t onset_index(const std::vector<float>& h, double fraction) {
  if (h.empty()) return 0;
  const double thr = fraction * std::abs(h[peak_index(h)]);
  std::size_t i = 0;
  while (i < h.size() && std::abs(h[i]) < thr) ++i;
  return i;
}

ReverbResult reverb(const std::vector<float>& x, const std::vector<float>& ir, const ReverbOptions& opt) {
  if (ir.empty()) throw Error("reverb: empty impulse response");
  for (float v : ir)
    if (!std::isfinite(v)) throw Error("reverb: impulse response has non-finite samples");
  ReverbResult r;
  if (ir[peak_index(ir)] == 0.0f) throw Error("reverb: impulse response is silent");
  r.delay = opt.delay == DelayMode::Peak ? peak_index(ir) : opt.delay == DelayMode::Onset ? onset_index(ir) : 0;
  std::vector<double> y = convolve(x, ir);
  const std::size_t end = opt.keep_tail ? y.size() : std::min(y.size(), r.delay + x.size());
  const std::size_t begin = std::min(r.delay, end);
  double peak = 0;
  for (std::size_t i = begin; i < end; ++i) peak = std::max(peak, std::abs(y[i]));
  r.gain = (opt.peak > 0 && peak > 0) ? opt.peak / peak : 1.0;
  r.samples.resize(end - begin);
  for (std::size_t i = begin; i < end; ++i) r.samples[i - begin] = static_cast<float>(y[i] * r.gain);
  return r;
}

}  // namespace pv::transcribe
