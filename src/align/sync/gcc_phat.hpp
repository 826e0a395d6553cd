#pragma once
// GCC-PHAT: generalized cross-correlation with phase-transform weighting (FFTW), sub-sample peak
// interpolation and a peak-to-sidelobe ratio as the confidence of one correlation.
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace pv::sync {

struct Peak {
  double lag = 0.0;     // samples, sub-sample: y[n] ~ x[n - lag]
  double height = 0.0;  // correlation value at the peak
  double psr = 0.0;     // (peak - mean of sidelobes) / std of sidelobes; 0 when undefined
};

// Frequency band (as fractions of the sample rate) and PHAT exponent (1 = plain PHAT).
struct Weighting {
  double low = 0.0;    // lowest frequency used, fraction of the sample rate
  double high = 0.5;   // highest frequency used, fraction of the sample rate
  double beta = 1.0;   // |cross-spectrum|^-beta
};

// Reusable correlator for one FFT size (plans and buffers are kept between calls).
class GccPhat {
 public:
  explicit GccPhat(std::size_t fft_size);
  ~GccPhat();
  GccPhat(const GccPhat&) = delete;
  GccPhat& operator=(const GccPhat&) = delete;

  std::size_t size() const { return n_; }
  // Smallest power of two >= n.
  static std::size_t fft_size_for(std::size_t n);

  // Finds the lag in [lag_min, lag_max] at which y best matches x delayed (y[n] ~ x[n - lag]).
  // Requires x.size() + y.size() <= size() so that the correlation is linear, not circular.
  // `exclude` samples either side of the peak are left out of the sidelobe statistics.
  Peak find(std::span<const float> x, std::span<const float> y, long lag_min, long lag_max,
            const Weighting& w, long exclude);

  // The whole weighted correlation (after find()); index k <-> lag k (negative lags wrap).
  const double* correlation() const { return r_; }

 private:
  std::size_t n_;
  double* r_;   // real buffer (input x, then the correlation)
  double* ry_;  // real buffer (input y)
  void* cx_;    // fftw_complex spectra
  void* cy_;
  void* fwd_x_;
  void* fwd_y_;
  void* inv_;
};

}  // namespace pv::sync
