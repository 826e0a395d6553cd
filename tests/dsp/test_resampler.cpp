// The shared streaming resampler (dsp/resampler.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.hpp"
#include "dsp/resampler.hpp"

namespace {

using namespace pv::dsp;

std::vector<float> sine(double freq, double rate, std::size_t n) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * freq * i / rate));
  return x;
}

// Largest deviation from 0.5 sin(2 pi f t) at the output rate, away from the filter's edges.
double worst_error(const std::vector<float>& y, double freq, double rate) {
  double worst = 0.0;
  for (std::size_t i = 1000; i + 1000 < y.size(); ++i)
    worst = std::max(worst, std::fabs(y[i] - 0.5 * std::sin(2 * std::numbers::pi * freq * i / rate)));
  return worst;
}

// Longer than several of the resampler's 65,536-frame input blocks: the block seams must not show.
TEST(Resampler, KeepsASineAcrossBlocksAtAFractionalRate) {
  const double in_rate = 44100.0, out_rate = 48000.0 * (1.0 + 350e-6);
  const auto x = sine(1000.0, in_rate, 300000);
  const auto y = resample(x, in_rate, out_rate, ResampleQuality::High);
  EXPECT_NEAR(static_cast<double>(y.size()), x.size() * out_rate / in_rate, 2.0);
  EXPECT_LT(worst_error(y, 1000.0, out_rate), 1e-3);
}

// Interleaved stereo to an exact length, pushed in uneven pieces: both channels keep their sines.
TEST(Resampler, StereoPushedInPiecesEndsAtTheRequestedLength) {
  const std::size_t n = 100000;
  const auto l = sine(440.0, 48000.0, n), r = sine(3000.0, 48000.0, n);
  std::vector<float> in(2 * n);
  for (std::size_t i = 0; i < n; ++i) in[2 * i] = l[i], in[2 * i + 1] = r[i];
  Resampler rs(48000, 16000, 2);
  std::vector<float> out;
  for (std::size_t pos = 0; pos < n;) {
    const std::size_t k = std::min<std::size_t>(n - pos, 777 + pos % 70000);
    rs.push(in.data() + 2 * pos, k, out);
    pos += k;
  }
  rs.finish(out, n / 3);
  ASSERT_EQ(out.size(), 2 * (n / 3));
  std::vector<float> yl(n / 3), yr(n / 3);
  for (std::size_t i = 0; i < n / 3; ++i) yl[i] = out[2 * i], yr[i] = out[2 * i + 1];
  EXPECT_LT(worst_error(yl, 440.0, 16000.0), 1e-3);
  EXPECT_LT(worst_error(yr, 3000.0, 16000.0), 1e-3);
}

TEST(Resampler, SameRateIsACopyAndBadRatesThrow) {
  const auto x = sine(100.0, 8000.0, 1000);
  EXPECT_EQ(resample(x, 8000.0, 8000.0), x);
  EXPECT_THROW(resample(x, 0.0, 8000.0), pv::Error);
  EXPECT_THROW(Resampler(8000.0, -1.0, 1), pv::Error);
  EXPECT_THROW(Resampler(8000.0, 16000.0, 0), pv::Error);
}

}  // namespace
