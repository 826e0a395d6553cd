#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "align/dereverb.hpp"

using pv::align::dereverberate;
using pv::align::DereverbOptions;

namespace {

constexpr int kRate = 22050;

// 20 ms noise bursts every 0.4 s (random levels), 12 s.
std::vector<float> bursts(std::mt19937& rng) {
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::uniform_real_distribution<float> level(0.05f, 0.2f);
  std::vector<float> x(12 * kRate, 0.0f);
  for (int b = 0; b < 30; ++b) {
    const int s0 = static_cast<int>((0.2 + 0.4 * b) * kRate);
    const float g = level(rng);
    for (int i = 0; i < kRate / 50; ++i) x[s0 + i] = g * noise(rng);
  }
  return x;
}

// Exponentially decaying noise: RT60 `rt60` s, direct sound at 0.
std::vector<float> room(std::mt19937& rng, double rt60) {
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> h(static_cast<std::size_t>(1.2 * rt60 * kRate), 0.0f);
  h[0] = 1.0f;
  for (std::size_t i = 1; i < h.size(); ++i)
    h[i] = 0.03f * noise(rng) * static_cast<float>(std::exp(-6.9078 * static_cast<double>(i) / (rt60 * kRate)));
  return h;
}

std::vector<float> convolve(const std::vector<float>& x, const std::vector<float>& h) {
  std::vector<float> y(x.size(), 0.0f);
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i] != 0.0f)
      for (std::size_t j = 0; j < h.size() && i + j < y.size(); ++j) y[i + j] += x[i] * h[j];
  return y;
}

// Energy in dB of the bursts' own 20 ms, and of the tails 60-130 ms after each burst starts (within
// the default prediction reach, 17-133 ms).
void energies(const std::vector<float>& y, double& burst_db, double& gap_db) {
  double eb = 0, eg = 0;
  for (int b = 0; b < 30; ++b) {
    const int s0 = static_cast<int>((0.2 + 0.4 * b) * kRate);
    for (int i = 0; i < kRate / 50; ++i) eb += double(y[s0 + i]) * y[s0 + i];
    for (int i = static_cast<int>(0.06 * kRate); i < static_cast<int>(0.13 * kRate) && s0 + i < int(y.size()); ++i)
      eg += double(y[s0 + i]) * y[s0 + i];
  }
  burst_db = 10 * std::log10(eb + 1e-30), gap_db = 10 * std::log10(eg + 1e-30);
}

}  // namespace

// A recursive echo, y[n] = x[n] + 0.85 y[n - 600]: a long tail that delayed prediction removes exactly.
std::vector<float> echo(const std::vector<float>& x) {
  std::vector<float> y(x);
  for (std::size_t i = 600; i < y.size(); ++i) y[i] += 0.85f * y[i - 600];
  return y;
}

TEST(Dereverb, RemovesAPredictableTailAndKeepsTheDirectSound) {
  std::mt19937 rng(7);
  const auto wet = echo(bursts(rng));
  double wet_burst, wet_gap, out_burst, out_gap;
  energies(wet, wet_burst, wet_gap);
  DereverbOptions opt;
  opt.threads = 2;
  const auto out = dereverberate(wet, kRate, opt);
  ASSERT_EQ(out.size(), wet.size());
  energies(out, out_burst, out_gap);
  // The tail between the bursts is at least 10 dB weaker; the bursts keep their level within 3 dB.
  EXPECT_LT(out_gap - out_burst, wet_gap - wet_burst - 10.0) << "wet gap " << wet_gap - wet_burst << " dB, out "
                                                             << out_gap - out_burst << " dB";
  EXPECT_NEAR(out_burst, wet_burst, 3.0);
}

TEST(Dereverb, FittingOnBlocksMatchesFittingOnEverything) {
  std::mt19937 rng(11);
  const auto wet = convolve(bursts(rng), room(rng, 0.5));
  DereverbOptions all, some;
  some.fit_frames = 1200;  // of about 2070 frames: two blocks
  const auto a = dereverberate(wet, kRate, all), b = dereverberate(wet, kRate, some);
  double ab, ag, bb, bg;
  energies(a, ab, ag);
  energies(b, bb, bg);
  EXPECT_NEAR(ab, bb, 1.0);
  EXPECT_NEAR(ag - ab, bg - bb, 3.0);
}

TEST(Dereverb, TwoThreadsGiveTheSameSignal) {
  std::mt19937 rng(5);
  const auto wet = echo(bursts(rng));
  DereverbOptions one, two;
  two.threads = 2;
  const auto a = dereverberate(wet, kRate, one), b = dereverberate(wet, kRate, two);
  ASSERT_EQ(a.size(), b.size());
  double diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
  EXPECT_LT(diff, 1e-6);
}

TEST(Dereverb, BinsAboveTheLimitPassUnchanged) {
  std::vector<float> x(2 * kRate);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * 6000.0 * i / kRate));
  DereverbOptions opt;
  opt.max_hz = 3000;
  const auto y = dereverberate(x, kRate, opt);
  double err = 0;
  for (std::size_t i = kRate / 2; i < x.size() - kRate / 2; ++i) err = std::max(err, std::fabs(double(y[i]) - x[i]));
  EXPECT_LT(err, 1e-4);
}

TEST(Dereverb, BadOptionsAndEmptyInput) {
  DereverbOptions bad;
  bad.hop = 0;
  EXPECT_THROW(dereverberate(std::vector<float>(1000, 0.1f), kRate, bad), std::invalid_argument);
  EXPECT_TRUE(dereverberate({}, kRate).empty());
}
