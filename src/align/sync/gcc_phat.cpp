#include "align/sync/gcc_phat.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "core/fftw_lock.hpp"

namespace pv::sync {

std::size_t GccPhat::fft_size_for(std::size_t n) {
  std::size_t s = 1;
  while (s < n) s <<= 1;
  return std::max<std::size_t>(s, 2);
}

GccPhat::GccPhat(std::size_t fft_size) : n_(fft_size) {
  if (n_ < 2 || (n_ & (n_ - 1)) != 0) throw std::invalid_argument("GccPhat: FFT size must be a power of two");
  const std::size_t nc = n_ / 2 + 1;
  r_ = fftw_alloc_real(n_);
  ry_ = fftw_alloc_real(n_);
  auto* cx = fftw_alloc_complex(nc);
  auto* cy = fftw_alloc_complex(nc);
  if (!r_ || !ry_ || !cx || !cy) throw std::bad_alloc();
  cx_ = cx;
  cy_ = cy;
  std::lock_guard lock(fftw_planner_mutex());
  const int n = static_cast<int>(n_);
  fwd_x_ = fftw_plan_dft_r2c_1d(n, r_, cx, FFTW_ESTIMATE);
  fwd_y_ = fftw_plan_dft_r2c_1d(n, ry_, cy, FFTW_ESTIMATE);
  inv_ = fftw_plan_dft_c2r_1d(n, cx, r_, FFTW_ESTIMATE);
}

GccPhat::~GccPhat() {
  {
    std::lock_guard lock(fftw_planner_mutex());
    fftw_destroy_plan(static_cast<fftw_plan>(fwd_x_));
    fftw_destroy_plan(static_cast<fftw_plan>(fwd_y_));
    fftw_destroy_plan(static_cast<fftw_plan>(inv_));
  }
  fftw_free(r_);
  fftw_free(ry_);
  fftw_free(cx_);
  fftw_free(cy_);
}

Peak GccPhat::find(std::span<const float> x, std::span<const float> y, long lag_min, long lag_max,
                   const Weighting& w, long exclude) {
  if (x.size() + y.size() > n_) throw std::invalid_argument("GccPhat::find: inputs longer than the FFT");
  const long half = static_cast<long>(n_ / 2);
  lag_min = std::max(lag_min, -half + 1);
  lag_max = std::min(lag_max, half - 1);
  if (lag_min > lag_max) throw std::invalid_argument("GccPhat::find: empty lag range");

  std::fill(r_, r_ + n_, 0.0);
  std::fill(ry_, ry_ + n_, 0.0);
  std::copy(x.begin(), x.end(), r_);
  std::copy(y.begin(), y.end(), ry_);
  fftw_execute(static_cast<fftw_plan>(fwd_x_));
  fftw_execute(static_cast<fftw_plan>(fwd_y_));

  // Cross-spectrum Y conj(X), weighted by |.|^-beta inside the band, zero outside.
  auto* cx = static_cast<fftw_complex*>(cx_);
  auto* cy = static_cast<fftw_complex*>(cy_);
  const std::size_t nc = n_ / 2 + 1;
  const auto lo = static_cast<std::size_t>(std::ceil(w.low * static_cast<double>(n_)));
  const auto hi = std::min(nc - 1, static_cast<std::size_t>(std::floor(w.high * static_cast<double>(n_))));
  double mag_sum = 0.0;
  std::size_t used = 0;
  for (std::size_t k = 0; k < nc; ++k) {
    const double re = cy[k][0] * cx[k][0] + cy[k][1] * cx[k][1];
    const double im = cy[k][1] * cx[k][0] - cy[k][0] * cx[k][1];
    cx[k][0] = re;
    cx[k][1] = im;
    if (k >= lo && k <= hi) {
      mag_sum += std::hypot(re, im);
      ++used;
    }
  }
  // A small floor keeps near-empty bins from dominating after whitening.
  const double floor = used ? 1e-3 * mag_sum / static_cast<double>(used) : 0.0;
  for (std::size_t k = 0; k < nc; ++k) {
    if (k < lo || k > hi || floor <= 0.0) {
      cx[k][0] = cx[k][1] = 0.0;
      continue;
    }
    const double m = std::hypot(cx[k][0], cx[k][1]) + floor;
    const double g = w.beta == 1.0 ? 1.0 / m : std::pow(m, -w.beta);
    cx[k][0] *= g;
    cx[k][1] *= g;
  }
  fftw_execute(static_cast<fftw_plan>(inv_));
  const double scale = used ? 1.0 / static_cast<double>(used) : 1.0;
  auto at = [&](long lag) { return r_[static_cast<std::size_t>(lag >= 0 ? lag : lag + static_cast<long>(n_))] * scale; };

  long best = lag_min;
  double best_v = at(lag_min);
  for (long k = lag_min + 1; k <= lag_max; ++k) {
    const double v = at(k);
    if (v > best_v) {
      best_v = v;
      best = k;
    }
  }
  Peak p;
  p.lag = static_cast<double>(best);
  p.height = best_v;
  // Parabolic interpolation through the peak and its neighbours.
  if (best > lag_min && best < lag_max) {
    const double a = at(best - 1), b = best_v, c = at(best + 1);
    const double den = a - 2.0 * b + c;
    if (den < 0.0) {
      const double d = 0.5 * (a - c) / den;
      if (std::abs(d) <= 1.0) {
        p.lag += d;
        p.height = b - 0.25 * (a - c) * d;
      }
    }
  }
  // Peak-to-sidelobe ratio over the searched range.
  double sum = 0.0, sum2 = 0.0;
  long count = 0;
  for (long k = lag_min; k <= lag_max; ++k) {
    if (std::abs(k - best) <= exclude) continue;
    const double v = at(k);
    sum += v;
    sum2 += v * v;
    ++count;
  }
  if (count >= 8) {
    const double mean = sum / static_cast<double>(count);
    const double var = std::max(0.0, sum2 / static_cast<double>(count) - mean * mean);
    if (var > 0.0) p.psr = (best_v - mean) / std::sqrt(var);
  }
  return p;
}

}  // namespace pv::sync
