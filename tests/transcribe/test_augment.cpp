// Degradations: exact SNR, seeded noise, FFT convolution, reverb alignment with real IRs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.hpp"
#include "io/audio/audio.hpp"
#include "test_util.hpp"
#include "transcribe/augment.hpp"

using namespace pv::transcribe;

namespace {

// Piano-like test signal: decaying partials starting at the given times (seconds).
std::vector<float> bursts(int rate, double seconds, const std::vector<double>& onsets) {
  std::vector<float> x(static_cast<std::size_t>(rate * seconds), 0.0f);
  for (std::size_t k = 0; k < onsets.size(); ++k) {
    const double f0 = 220.0 * std::pow(2.0, static_cast<double>(k) / 5.0);
    for (std::size_t i = static_cast<std::size_t>(onsets[k] * rate); i < x.size(); ++i) {
      const double t = (i - onsets[k] * rate) / rate;
      x[i] += static_cast<float>(0.3 * std::exp(-6 * t) *
                                 (std::sin(2 * M_PI * f0 * t) + 0.5 * std::sin(2 * M_PI * 2 * f0 * t)));
    }
  }
  return x;
}

// Lag (in samples) of the cross-correlation peak of b against a within ±max_lag.
long best_lag(const std::vector<float>& a, const std::vector<float>& b, long max_lag) {
  long best = 0;
  double best_v = -1e300;
  for (long lag = -max_lag; lag <= max_lag; ++lag) {
    double s = 0;
    for (long i = std::max(0L, -lag); i < static_cast<long>(a.size()) && i + lag < static_cast<long>(b.size()); ++i)
      s += static_cast<double>(a[i]) * b[i + lag];
    if (s > best_v) best_v = s, best = lag;
  }
  return best;
}

}  // namespace

TEST(Noise, MeasuredSnrMatchesRequest) {
  auto x = bursts(16000, 2.0, {0.1, 0.7, 1.3});
  for (double snr : {-10.0, 0.0, 6.0, 12.5, 24.0, 40.0}) {
    for (std::uint64_t seed : {1u, 2u, 99u}) {
      auto y = add_noise(x, snr, seed);
      ASSERT_EQ(y.size(), x.size());
      EXPECT_NEAR(measured_snr_db(x, y), snr, 0.01) << "snr " << snr << " seed " << seed;
    }
  }
}

TEST(Noise, SeededAndDeterministic) {
  auto x = bursts(8000, 0.5, {0.0});
  EXPECT_EQ(add_noise(x, 0, 7), add_noise(x, 0, 7));
  EXPECT_NE(add_noise(x, 0, 7), add_noise(x, 0, 8));
  // The noise is Gaussian-shaped: about 68 % of noise samples within one standard deviation.
  auto y = add_noise(x, 0, 3);
  double sd = std::sqrt(mean_power(x));
  int within = 0;
  for (std::size_t i = 0; i < x.size(); ++i) within += std::abs(y[i] - x[i]) <= sd;
  EXPECT_NEAR(within / static_cast<double>(x.size()), 0.6827, 0.02);
}

TEST(Noise, SilentInputIsAnError) {
  std::vector<float> silent(100, 0.0f);
  EXPECT_THROW(add_noise(silent, 0, 1), pv::Error);
  EXPECT_THROW(add_noise(bursts(8000, 0.1, {0.0}), NAN, 1), pv::Error);
}

TEST(Convolve, MatchesDirectConvolution) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g;
  for (auto [n, m] : {std::pair{1, 1}, {100, 7}, {40000, 3000}, {20000, 20000}}) {
    std::vector<float> x(n), h(m);
    for (auto& v : x) v = g(rng);
    for (auto& v : h) v = g(rng);
    auto y = convolve(x, h);
    ASSERT_EQ(y.size(), static_cast<std::size_t>(n + m - 1));
    for (std::size_t k : {std::size_t{0}, y.size() / 3, y.size() / 2, y.size() - 1}) {
      double d = 0;
      for (int i = 0; i < n; ++i)
        if (k >= static_cast<std::size_t>(i) && k - i < static_cast<std::size_t>(m)) d += static_cast<double>(x[i]) * h[k - i];
      EXPECT_NEAR(y[k], d, 1e-9 * std::max(1.0, std::sqrt(static_cast<double>(m)))) << n << "x" << m << " @" << k;
    }
  }
}

TEST(Reverb, DelayCompensationAndPeakNormalization) {
  // A synthetic IR: 5 ms of silence, a direct impulse, a decaying tail.
  const int rate = 16000;
  std::vector<float> ir(4000, 0.0f);
  ir[80] = 1.0f;
  for (std::size_t i = 200; i < ir.size(); ++i) ir[i] = 0.2f * std::exp(-0.002f * i) * (static_cast<int>(i % 7) - 3) / 3.0f;
  auto x = bursts(rate, 1.0, {0.2, 0.6});
  ReverbResult r = reverb(x, ir);
  EXPECT_EQ(r.delay, 80u);
  ReverbOptions peak_mode;
  peak_mode.delay = DelayMode::Peak;
  EXPECT_EQ(reverb(x, ir, peak_mode).delay, 80u);
  ASSERT_EQ(r.samples.size(), x.size());
  float peak = 0;
  for (float v : r.samples) peak = std::max(peak, std::abs(v));
  EXPECT_NEAR(peak, 1.0f, 1e-6);
  EXPECT_EQ(best_lag(x, r.samples, 200), 0);
  ReverbOptions tail;
  tail.keep_tail = true;
  EXPECT_EQ(reverb(x, ir, tail).samples.size(), x.size() + ir.size() - 1 - 80);
  EXPECT_THROW(reverb(x, {}), pv::Error);
  EXPECT_THROW(reverb(x, std::vector<float>(10, 0.0f)), pv::Error);
}

TEST(Reverb, RealImpulseResponsesKeepOnsetsInPlace) {
  // Clicks at known times through each measured room (IR resampled to 44.1 kHz with soxr): in the
  // wet output each click's sound must start within 1 ms of the dry click.
  PV_REQUIRE_SHARED("impulse-responses");
  const int rate = 44100;
  const std::vector<double> clicks = {0.25, 1.1, 2.3, 3.05};
  std::vector<float> x(static_cast<std::size_t>(3.5 * rate), 0.0f);
  for (double t : clicks) x[static_cast<std::size_t>(t * rate)] = 0.8f;
  for (const char* f : {"openair_ir_arthur_s1r4_ch1.wav", "openair_ir_council_s1r1_ch1.wav",
                        "openair_ir_jack_lp4_ch1.wav", "spatialaudio_rir_clap_cc0.wav"}) {
    pv::audio::Signal ir = pv::audio::read_mono(pvtest::shared_data() / "impulse-responses" / f, rate);
    ASSERT_EQ(ir.sample_rate, rate);
    ReverbResult r = reverb(x, ir.samples);
    ASSERT_EQ(r.samples.size(), x.size());
    const std::size_t peak = peak_index(ir.samples);
    if (std::string(f).starts_with("openair"))
      EXPECT_LE(peak - r.delay, 5u) << f << ": clean impulse, arrival and peak agree";
    else
      EXPECT_GT(peak - r.delay, static_cast<std::size_t>(rate / 1000)) << f << ": the clap peaks > 1 ms after arrival";
    EXPECT_LT(r.delay, static_cast<std::size_t>(0.04 * rate)) << f << ": direct sound in the first 40 ms";
    float wet_peak = 0;
    for (float v : r.samples) wet_peak = std::max(wet_peak, std::abs(v));
    EXPECT_NEAR(wet_peak, 1.0f, 1e-6) << f;
    for (double t : clicks) {
      // Onset: first sample reaching half the largest amplitude within ±40 ms of the click.
      const long c = static_cast<long>(t * rate), w = rate / 25;
      float mx = 0;
      for (long i = c - w; i <= c + w; ++i) mx = std::max(mx, std::abs(r.samples[i]));
      long onset = c - w;
      while (std::abs(r.samples[onset]) < 0.5f * mx) ++onset;
      EXPECT_LE(std::abs(onset - c), rate / 1000) << f << ": click at " << t << " s starts at " << onset << " (" 
                                                  << (onset - c) * 1000.0 / rate << " ms)";
    }
  }
}
