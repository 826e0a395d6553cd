#pragma once
// Degradations for robustness experiments (design §3): Gaussian noise at an exact SNR and reverb by
// FFT convolution with a measured impulse response (delay compensated, peak normalized).
#include <cstdint>
#include <vector>

namespace pv::transcribe {

// Mean power (mean of squares) in double precision.
double mean_power(const std::vector<float>& x);
// 10·log10(P(clean) / P(noisy - clean)). Throws pv::Error on length mismatch or zero noise.
double measured_snr_db(const std::vector<float>& clean, const std::vector<float>& noisy);

// clean + g·n with n ~ N(0, 1) drawn from `seed` (mt19937_64, Box–Muller: identical on every
// platform) and g chosen so that the SNR of the result is exactly snr_db. Throws pv::Error for a
// silent input (SNR undefined) or a non-finite snr_db.
std::vector<float> add_noise(const std::vector<float>& clean, double snr_db, std::uint64_t seed);

// Full linear convolution x * h (length |x| + |h| - 1), overlap-add with FFTW.
std::vector<double> convolve(const std::vector<float>& x, const std::vector<float>& h);

// How the IR's delay is removed so that the direct sound stays where the dry sound was:
// Peak: the index of the largest |h| (the reference's rule); Onset: the first sample reaching half
// of that peak, i.e. the arrival of the direct sound. They agree (within a few samples) for clean
// impulses, but for a clap-excited IR the peak comes 1.45 ms after the arrival (measured on
// spatialaudio_rir_clap_cc0.wav), so Onset is the default.
enum class DelayMode { Onset, Peak, None };

struct ReverbOptions {
  DelayMode delay = DelayMode::Onset;
  bool keep_tail = false;        // keep the reverberant tail after the end of the input
  double peak = 1.0;             // peak-normalize to this absolute value (<= 0: no normalization)
};
struct ReverbResult {
  std::vector<float> samples;
  std::size_t delay = 0;  // samples removed at the start
  double gain = 1.0;      // normalization gain applied
};
// x and ir must share a sample rate. Throws pv::Error for an empty or silent IR.
ReverbResult reverb(const std::vector<float>& x, const std::vector<float>& ir, const ReverbOptions& opt = {});

// Index of the largest |h| (first one on ties).
std::size_t peak_index(const std::vector<float>& h);
// First index with |h| >= fraction · max|h|.
std::size_t onset_index(const std::vector<float>& h, double fraction = 0.5);

}  // namespace pv::transcribe
