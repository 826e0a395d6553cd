#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "align/synth.hpp"
#include "core/error.hpp"

namespace {

// First sample whose magnitude exceeds `thr` (or -1).
long long first_above(const std::vector<float>& x, float thr, long long from = 0) {
  for (long long i = from; i < static_cast<long long>(x.size()); ++i)
    if (std::fabs(x[i]) > thr) return i;
  return -1;
}

double rms(const std::vector<float>& x, long long a, long long b) {
  double s = 0;
  for (long long i = a; i < b; ++i) s += double(x[i]) * x[i];
  return std::sqrt(s / std::max<long long>(1, b - a));
}

bool have_sf() { return std::filesystem::exists(pv::synth::SynthOptions{}.soundfont); }

TEST(Synth, RendersNoteAtScheduledSample) {
  if (!have_sf()) GTEST_SKIP() << "no SoundFont";
  for (double t : {0.5, 0.50113, 0.7777}) {
    pv::Performance p;
    p.notes.push_back({60, t, t + 0.3, t + 0.3, 100});
    const int rate = 22050;
    auto y = pv::synth::render(p, rate);
    ASSERT_GT(y.size(), size_t(rate * (t + 1.0)));
    const long long s0 = pv::synth::scheduled_sample(t, rate);
    EXPECT_EQ(s0 % pv::synth::kBlock, 0);
    EXPECT_GE(s0, std::llround(t * rate));
    EXPECT_EQ(first_above(y, 1e-6f), s0 < 0 ? -1 : first_above(y, 1e-6f, s0));  // nothing before
    const long long on = first_above(y, 1e-6f);
    EXPECT_GE(on, s0);
    EXPECT_LT(on, s0 + 64) << "t=" << t;
  }
}

TEST(Synth, VelocityAndPedalChangeTheSound) {
  if (!have_sf()) GTEST_SKIP() << "no SoundFont";
  const int rate = 16000;
  pv::Performance soft, loud, pedal;
  soft.notes.push_back({60, 0.1, 0.4, 0.4, 20});
  loud.notes.push_back({60, 0.1, 0.4, 0.4, 120});
  pedal = loud;
  pedal.pedals.push_back({0.0, 64, 127});
  pedal.pedals.push_back({1.5, 64, 0});
  auto ys = pv::synth::render(soft, rate), yl = pv::synth::render(loud, rate), yp = pv::synth::render(pedal, rate);
  EXPECT_GT(rms(yl, 1600, 6000), 2.0 * rms(ys, 1600, 6000));
  // After key release at 0.4 s the damper stops the sound unless the sustain pedal is down.
  EXPECT_GT(rms(yp, 16000, 20000), 10.0 * rms(yl, 16000, 20000));
  EXPECT_GE(yp.size(), size_t(1.5 * rate));
}

TEST(Synth, RateAndSoundFontErrors) {
  pv::Performance p;
  p.notes.push_back({60, 0.0, 0.1, 0.1, 64});
  pv::synth::SynthOptions o;
  o.soundfont = "/nonexistent/x.sf2";
  EXPECT_THROW(pv::synth::render(p, 22050, o), pv::InputError);
  EXPECT_THROW(pv::synth::render(p, 100, {}), pv::Error);
}

TEST(Synth, EmptyPerformanceGivesTail) {
  if (!have_sf()) GTEST_SKIP() << "no SoundFont";
  auto y = pv::synth::render(pv::Performance{}, 8000);
  EXPECT_EQ(y.size(), size_t(8001));
  EXPECT_EQ(first_above(y, 1e-6f), -1);
}

}  // namespace
