#include "align/dereverb.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <mutex>
#include <numbers>
#include <stdexcept>

#include "core/fftw_lock.hpp"
#include "core/parallel.hpp"

namespace pv::align {
namespace {

using cd = std::complex<double>;

// Solves A x = b for Hermitian positive-definite A (n × n, row-major, lower triangle read), in place.
bool solve_hpd(std::vector<cd>& A, std::vector<cd>& b, int n) {
  for (int j = 0; j < n; ++j) {
    double d = A[j * n + j].real();
    for (int k = 0; k < j; ++k) d -= std::norm(A[j * n + k]);
    if (!(d > 0.0)) return false;
    d = std::sqrt(d);
    A[j * n + j] = d;
    for (int i = j + 1; i < n; ++i) {
      cd s = A[i * n + j];
      for (int k = 0; k < j; ++k) s -= A[i * n + k] * std::conj(A[j * n + k]);
      A[i * n + j] = s / d;
    }
  }
  for (int i = 0; i < n; ++i) {
    cd s = b[i];
    for (int k = 0; k < i; ++k) s -= A[i * n + k] * b[k];
    b[i] = s / A[i * n + i].real();
  }
  for (int i = n - 1; i >= 0; --i) {
    cd s = b[i];
    for (int k = i + 1; k < n; ++k) s -= std::conj(A[k * n + i]) * b[k];
    b[i] = s / A[i * n + i].real();
  }
  return true;
}

// One STFT frame at a time: frame t covers samples t·hop − window .. t·hop − 1 (sqrt-Hann).
class Stft {
 public:
  Stft(const std::vector<float>& x, int window) : x_(x), n_(window), win_(window) {
    for (int i = 0; i < n_; ++i) win_[i] = std::sin(std::numbers::pi * (i + 0.5) / n_);
    in_ = fftwf_alloc_real(n_);
    out_ = fftwf_alloc_complex(n_ / 2 + 1);
    std::lock_guard lock(fftw_planner_mutex());
    fwd_ = fftwf_plan_dft_r2c_1d(n_, in_, out_, FFTW_ESTIMATE);
    inv_ = fftwf_plan_dft_c2r_1d(n_, out_, in_, FFTW_ESTIMATE);
  }
  ~Stft() {
    {
      std::lock_guard lock(fftw_planner_mutex());
      fftwf_destroy_plan(fwd_);
      fftwf_destroy_plan(inv_);
    }
    fftwf_free(in_);
    fftwf_free(out_);
  }
  Stft(const Stft&) = delete;
  Stft& operator=(const Stft&) = delete;
  // Bins 0..bins-1 of the frame starting at sample s0, into re / im.
  // Samples in [alt0, alt_end) come from alt instead of the signal.
  void forward(long s0, int bins, double* re, double* im, const float* alt = nullptr, long alt0 = 0, long alt_end = 0) {
    const long size = static_cast<long>(x_.size());
    for (int i = 0; i < n_; ++i) {
      const long s = s0 + i;
      const float v = s >= alt0 && s < alt_end ? alt[s - alt0] : s >= 0 && s < size ? x_[s] : 0.0f;
      in_[i] = static_cast<float>(v * win_[i]);
    }
    fftwf_execute(fwd_);
    for (int k = 0; k < bins; ++k) re[k] = out_[k][0], im[k] = out_[k][1];
  }
  fftwf_complex* spectrum() { return out_; }
  // Inverse FFT of spectrum() (unnormalised), and the analysis window.
  const float* inverse() {
    fftwf_execute(inv_);
    return in_;
  }
  const std::vector<double>& window() const { return win_; }

 private:
  const std::vector<float>& x_;
  int n_;
  std::vector<double> win_;
  float* in_;
  fftwf_complex* out_;
  fftwf_plan fwd_, inv_;
};

}  // namespace

void dereverberate_in_place(std::vector<float>& x, int rate, const DereverbOptions& opt) {
  const int N = opt.window, H = opt.hop, nb = N / 2 + 1, K = opt.taps, D = opt.delay;
  if (N < 16 || N % 2 || H < 1 || H > N / 2 || N % H || K < 1 || D < 1 || opt.iterations < 1 || rate <= 0)
    throw std::invalid_argument("dereverberate: bad options");
  if (x.empty()) return;
  const long T = static_cast<long>((x.size() + N) / H) + 1;
  int kmax = nb;
  if (opt.max_hz > 0) kmax = std::clamp(static_cast<int>(std::ceil(opt.max_hz * N / rate)) + 1, 2, nb);
  const int bins = kmax - 1;  // bins 1..kmax-1 are dereverberated; DC and the rest pass

  // Fit frames: all, or fit_frames in evenly spaced blocks (the room does not change). Each block
  // keeps K + D frames of history before it.
  std::vector<std::pair<long, long>> blocks;
  const long fit = opt.fit_frames > 0 ? std::min(opt.fit_frames, T) : T;
  if (fit >= T) {
    blocks.push_back({0, T});
  } else {
    const long nblk = std::max(1L, fit / 1000), len = fit / nblk;
    for (long b = 0; b < nblk; ++b) blocks.push_back({(T - len) * b / std::max(1L, nblk - 1), 0});
    for (auto& b : blocks) b.second = b.first + len;
  }
  // Per block, bins × (K + D + frames) spectra (history first, zeros before the signal).
  const long hist = K + D;
  std::vector<std::vector<double>> bre(blocks.size()), bim(blocks.size());
  {
    Stft stft(x, N);
    std::vector<double> re(nb), im(nb);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const long len = blocks[b].second - blocks[b].first + hist;
      bre[b].assign(static_cast<std::size_t>(bins) * len, 0.0);
      bim[b].assign(static_cast<std::size_t>(bins) * len, 0.0);
      for (long f = 0; f < len; ++f) {
        const long t = blocks[b].first - hist + f;
        if (t < 0) continue;
        stft.forward(t * H - N, kmax, re.data(), im.data());
        for (int k = 1; k < kmax; ++k) bre[b][(k - 1) * len + f] = re[k], bim[b][(k - 1) * len + f] = im[k];
      }
    }
  }

  // Prediction filters, bin by bin: weighted least squares, weights re-estimated from the residual.
  std::vector<cd> filters(static_cast<std::size_t>(bins) * K);
  std::vector<char> fitted(bins, 0);
  const int parts = std::max(1, opt.threads);
  run_parts(parts, [&](int part) {
    std::vector<double> A(2 * K * K), b(2 * K);
    std::vector<cd> Ac(K * K), g(K);
    std::vector<std::vector<double>> yr(blocks.size()), yi(blocks.size());
    for (int k = part; k < bins; k += parts) {
      for (std::size_t q = 0; q < blocks.size(); ++q) {
        const long len = blocks[q].second - blocks[q].first;
        yr[q].assign(bre[q].begin() + k * (len + hist) + hist, bre[q].begin() + (k + 1) * (len + hist));
        yi[q].assign(bim[q].begin() + k * (len + hist) + hist, bim[q].begin() + (k + 1) * (len + hist));
      }
      for (int it = 0; it < opt.iterations; ++it) {
        double mean = 0;
        long n = 0;
        for (std::size_t q = 0; q < blocks.size(); ++q)
          for (std::size_t t = 0; t < yr[q].size(); ++t) mean += yr[q][t] * yr[q][t] + yi[q][t] * yi[q][t], ++n;
        const double floor = std::max(1e-20, 1e-4 * mean / std::max(1L, n));
        std::fill(A.begin(), A.end(), 0.0);
        std::fill(b.begin(), b.end(), 0.0);
        double* Ar = A.data();
        double* Ai = A.data() + K * K;
        for (std::size_t q = 0; q < blocks.size(); ++q) {
          const long len = blocks[q].second - blocks[q].first;
          const double* xr = &bre[q][k * (len + hist)];  // frame f of the block at xr[hist + f]
          const double* xi = &bim[q][k * (len + hist)];
          for (long f = 0; f < len; ++f) {
            const double w = 1.0 / std::max(floor, yr[q][f] * yr[q][f] + yi[q][f] * yi[q][f]);
            const double* vr = xr + hist + f - D - K + 1;  // vr[K - 1 - i] = x(t - D - i)
            const double* vi = xi + hist + f - D - K + 1;
            const double cr = xr[hist + f], ci = xi[hist + f];
            for (int i = 0; i < K; ++i) {
              const double ur = w * vr[K - 1 - i], ui = w * vi[K - 1 - i];
              b[2 * i] += ur * cr + ui * ci;  // u · conj(x(t))
              b[2 * i + 1] += ui * cr - ur * ci;
              double* rr = Ar + i * K;
              double* ri = Ai + i * K;
              for (int j = 0; j <= i; ++j) {  // u · conj(x(t − D − j)), lower triangle
                const double zr = vr[K - 1 - j], zi = vi[K - 1 - j];
                rr[j] += ur * zr + ui * zi;
                ri[j] += ui * zr - ur * zi;
              }
            }
          }
        }
        double tr = 0;
        for (int i = 0; i < K; ++i) tr += Ar[i * K + i];
        for (int i = 0; i < K * K; ++i) Ac[i] = cd(Ar[i], Ai[i]);
        for (int i = 0; i < K; ++i) Ac[i * K + i] += 1e-6 * tr / K + 1e-30, g[i] = cd(b[2 * i], b[2 * i + 1]);
        if (!solve_hpd(Ac, g, K)) break;
        std::copy(g.begin(), g.end(), filters.begin() + static_cast<std::ptrdiff_t>(k) * K);
        fitted[k] = 1;
        if (it + 1 == opt.iterations) break;
        for (std::size_t q = 0; q < blocks.size(); ++q) {
          const long len = blocks[q].second - blocks[q].first;
          const double* xr = &bre[q][k * (len + hist)];
          const double* xi = &bim[q][k * (len + hist)];
          for (long f = 0; f < len; ++f) {
            double pr = 0, pi = 0;
            for (int i = 0; i < K; ++i) {  // conj(g_i) · x(t − D − i)
              const double ar = xr[hist + f - D - i], ai = xi[hist + f - D - i];
              pr += g[i].real() * ar + g[i].imag() * ai;
              pi += g[i].real() * ai - g[i].imag() * ar;
            }
            yr[q][f] = xr[hist + f] - pr, yi[q][f] = xi[hist + f] - pi;
          }
        }
      }
    }
  });
  bre.clear();
  bim.clear();

  // Streaming, in place: each frame minus its prediction from the last K + D frames (a ring),
  // overlap-added (sqrt-Hann analysis and synthesis, hop dividing N: the windows' squares sum to
  // N / (2·hop)). A sample is written back once no later frame covers it; later frames only read
  // samples not yet written. The frames are split in `parts` consecutive runs; each run after the
  // first is warmed up on the K + D frames before it, read from a copy made before any run writes,
  // and adds its share of the N samples before its start (its seam) after every run has finished.
  std::vector<float> gr(static_cast<std::size_t>(K) * nb, 0.0f), gi(static_cast<std::size_t>(K) * nb, 0.0f);
  for (int k = 1; k < kmax; ++k)
    if (fitted[k - 1])
      for (int i = 0; i < K; ++i) {
        const cd g = filters[static_cast<std::size_t>(k - 1) * K + i];
        gr[i * nb + k] = static_cast<float>(g.real()), gi[i * nb + k] = static_cast<float>(g.imag());
      }
  const long size = static_cast<long>(x.size());
  const double norm = 2.0 * H / (static_cast<double>(N) * N);
  std::vector<std::vector<float>> pre(parts), seam(parts);
  std::vector<long> pre0(parts, 0), start(parts + 1);
  for (int p = 0; p <= parts; ++p) start[p] = T * p / parts;
  for (int p = 1; p < parts; ++p) {
    const long lo = std::clamp((start[p] - hist) * H - N, 0L, size), hi = std::clamp(start[p] * H, 0L, size);
    pre0[p] = lo;
    pre[p].assign(x.begin() + lo, x.begin() + hi);
    seam[p].assign(N, 0.0f);
  }
  run_parts(parts, [&](int part) {
    const long a = start[part], e = start[part + 1], own = a * H;  // samples below `own`: the seam
    const float* alt = part > 0 ? pre[part].data() : nullptr;
    const long alt0 = pre0[part], alt_end = part > 0 ? alt0 + static_cast<long>(pre[part].size()) : 0;
    Stft stft(x, N);
    const std::vector<double>& win = stft.window();
    std::vector<float> ringr(static_cast<std::size_t>(hist) * nb, 0.0f), ringi(static_cast<std::size_t>(hist) * nb, 0.0f);
    std::vector<double> re(nb), im(nb), acc(N, 0.0);
    std::vector<float> pr(nb), pi(nb);
    auto emit = [&](long smp, double v) {
      if (smp < 0 || smp >= size) return;
      if (part > 0 && smp < own) seam[part][smp - (own - N)] += static_cast<float>(v);
      else x[smp] = static_cast<float>(v);
    };
    for (long t = std::max(0L, a - hist); t < e; ++t) {
      stft.forward(t * H - N, nb, re.data(), im.data(), alt, alt0, alt_end);
      if (t >= a) {
        std::fill(pr.begin(), pr.end(), 0.0f);
        std::fill(pi.begin(), pi.end(), 0.0f);
        for (int i = 0; i < K; ++i) {
          const long slot = ((t - D - i) % hist + hist) % hist;
          const float* ar = &ringr[slot * nb];
          const float* ai = &ringi[slot * nb];
          const float* g_r = &gr[i * nb];
          const float* g_i = &gi[i * nb];
          for (int k = 1; k < kmax; ++k) {  // conj(g) · x
            pr[k] += g_r[k] * ar[k] + g_i[k] * ai[k];
            pi[k] += g_r[k] * ai[k] - g_i[k] * ar[k];
          }
        }
        fftwf_complex* s = stft.spectrum();
        for (int k = 1; k < kmax; ++k) s[k][0] = static_cast<float>(re[k] - pr[k]), s[k][1] = static_cast<float>(im[k] - pi[k]);
        const float* frame = stft.inverse();
        for (int i = 0; i < N; ++i) acc[i] += frame[i] * win[i] * norm;
        // Samples t·H − N .. t·H − N + H − 1 are complete.
        for (int i = 0; i < H; ++i) emit(t * H - N + i, acc[i]);
        std::copy(acc.begin() + H, acc.end(), acc.begin());
        std::fill(acc.end() - H, acc.end(), 0.0);
      }
      const long slot = t % hist;
      for (int k = 0; k < nb; ++k) ringr[slot * nb + k] = static_cast<float>(re[k]), ringi[slot * nb + k] = static_cast<float>(im[k]);
    }
    // The rest, e·H − N .. e·H − 1, is complete for this run (zero where no frame of it reached; the
    // next run reads its copy there and adds its seam).
    for (int i = 0; i < N; ++i) emit(e * H - N + i, acc[i]);
  });
  for (int p = 1; p < parts; ++p)
    for (int i = 0; i < N; ++i) {
      const long smp = start[p] * H - N + i;
      if (smp >= 0 && smp < size) x[smp] += seam[p][i];
    }
}

std::vector<float> dereverberate(const std::vector<float>& x, int rate, const DereverbOptions& opt) {
  std::vector<float> y(x);
  dereverberate_in_place(y, rate, opt);
  return y;
}

}  // namespace pv::align
