// Global sync: GCC-PHAT offset and drift between two "microphones" of the same piano-like sound.
#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "align/sync/gcc_phat.hpp"
#include "align/sync/sync.hpp"
#include "core/error.hpp"
#include "sync_signals.hpp"
#include "test_util.hpp"

namespace {

using pv::sync::estimate;
using synctest::add_noise;
using synctest::convolve;
using synctest::piano_like;
using synctest::plant;

constexpr int kRate = 44100;     // "DAW"
constexpr int kCamRate = 48000;  // "camera"

std::filesystem::path ir_dir() { return pvtest::shared_data() / "impulse-responses"; }

struct Pair {
  std::vector<float> ref, tgt;
  double truth = 0;
};

// ref = dry*h1 + noise at 44.1 kHz; tgt = dry*h2 + noise on the planted clock at 48 kHz.
Pair make_pair(const std::vector<float>& dry, const std::vector<float>& h1, const std::vector<float>& h2,
               double offset, double drift_ppm, unsigned seed, double snr_db = 25.0) {
  Pair p;
  p.ref = convolve(dry, h1);
  add_noise(p.ref, snr_db, seed);
  p.truth = plant(convolve(dry, h2), kRate, offset, drift_ppm, kCamRate, p.tgt);
  add_noise(p.tgt, snr_db, seed + 1);
  return p;
}

TEST(GccPhat, FindsIntegerDelayOfNoise) {
  std::mt19937 rng(1);
  std::normal_distribution<float> g;
  std::vector<float> x(4000), y(4000, 0.0f);
  for (auto& v : x) v = g(rng);
  for (std::size_t i = 37; i < y.size(); ++i) y[i] = x[i - 37];
  pv::sync::GccPhat gcc(pv::sync::GccPhat::fft_size_for(8000));
  const auto p = gcc.find(x, y, -100, 100, {}, 2);
  EXPECT_NEAR(p.lag, 37.0, 0.01);
  EXPECT_GT(p.psr, 20.0);
  const auto q = gcc.find(y, x, -100, 100, {}, 2);  // the other way round: negative lag
  EXPECT_NEAR(q.lag, -37.0, 0.01);
}

TEST(GccPhat, RejectsInputsLongerThanTheFft) {
  pv::sync::GccPhat gcc(1024);
  std::vector<float> a(600), b(600);
  EXPECT_THROW(gcc.find(a, b, -10, 10, {}, 2), std::invalid_argument);
}

// The DAW microphone is the drier room (Arthur Sykes Rymer auditorium, direct-to-reverberant
// ratio about +3 dB); the camera hears a different, more reverberant room (about -11 / -12 dB).
TEST(Sync, RecoversOffsetsBetweenRealRoomsWithin1ms) {
  PV_REQUIRE_SHARED("impulse-responses");
  const auto h1 = synctest::load_ir(ir_dir() / "openair_ir_arthur_s1r4_ch1.wav", kRate);
  const auto h2 = synctest::load_ir(ir_dir() / "openair_ir_council_s1r1_ch1.wav", kRate);
  const auto h3 = synctest::load_ir(ir_dir() / "spatialaudio_rir_clap_cc0.wav", kRate);
  const auto dry = piano_like(60.0, kRate, 7);
  const double offsets[] = {1.2345, -0.7071, 12.5};
  unsigned seed = 10;
  for (double off : offsets) {
    for (const auto* h : {&h2, &h3}) {
      const Pair p = make_pair(dry, h1, *h, off, 0.0, seed += 2);
      const auto r = estimate(p.ref, kRate, p.tgt, kCamRate);
      EXPECT_NEAR(r.offset, p.truth, 1e-3) << "planted " << off;
      EXPECT_LT(std::abs(r.drift_ppm), 5.0);
      EXPECT_GT(r.confidence, 0.5);
      EXPECT_GT(r.windows_used, r.windows_voiced / 2);
    }
  }
}

TEST(Sync, RecoversDriftBetweenRealRooms) {
  PV_REQUIRE_SHARED("impulse-responses");
  const auto h1 = synctest::load_ir(ir_dir() / "openair_ir_arthur_s1r4_ch1.wav", kRate);
  const auto h2 = synctest::load_ir(ir_dir() / "openair_ir_council_s1r1_ch1.wav", kRate);
  const auto h3 = synctest::load_ir(ir_dir() / "spatialaudio_rir_clap_cc0.wav", kRate);
  const auto dry = piano_like(150.0, kRate, 11);
  for (const auto& [drift, h] : {std::pair{-450.0, &h2}, std::pair{300.0, &h3}}) {
    const Pair p = make_pair(dry, h1, *h, 0.8, drift, 21);
    const auto r = estimate(p.ref, kRate, p.tgt, kCamRate);
    EXPECT_NEAR(r.drift_ppm, drift, 2.0);
    EXPECT_NEAR(r.offset, p.truth, 1e-3);
    // The whole clock map holds to 1 ms from start to end.
    for (double t : {0.0, 75.0, 149.0})
      EXPECT_NEAR(r.to_target(t), p.truth + t * (1.0 + drift * 1e-6), 1e-3) << "t=" << t;
    EXPECT_NEAR(r.to_reference(r.to_target(42.0)), 42.0, 1e-9);
  }
}

TEST(Sync, SyntheticRoomsAndNoiseWithoutSharedData) {
  const auto h1 = synctest::synthetic_ir(kRate, 0.6, 3);
  const auto h2 = synctest::synthetic_ir(kRate, 1.2, 4);
  const auto dry = piano_like(45.0, kRate, 5);
  const Pair p = make_pair(dry, h1, h2, -2.0, 150.0, 31, 15.0);
  const auto r = estimate(p.ref, kRate, p.tgt, kCamRate);
  EXPECT_NEAR(r.offset, p.truth, 1e-3);
  EXPECT_NEAR(r.drift_ppm, 150.0, 5.0);
}

// Each coarse excerpt far into a long reference is searched only over the offsets that keep it on the
// target: before, its lags reached past the correlation buffer (a heap overread under ASan, and
// offsets decided by whatever memory followed: a 10-minute pair failed or not with the heap layout).
TEST(Sync, LongRecordingsStayInsideTheCoarseCorrelation) {
  const auto h1 = synctest::synthetic_ir(kRate, 0.4, 21);
  const auto h2 = synctest::synthetic_ir(kRate, 0.7, 22);
  const auto dry = piano_like(125.0, kRate, 23);  // 125 s: the old search read ~11k frames past it
  const Pair p = make_pair(dry, h1, h2, 0.8, -120.0, 41, 25.0);
  const auto r = estimate(p.ref, kRate, p.tgt, kCamRate);
  EXPECT_NEAR(r.offset, p.truth, 1e-3);
  EXPECT_NEAR(r.drift_ppm, -120.0, 5.0);
}

TEST(Sync, TargetIsAnExcerptOfTheReference) {
  // The camera started 20 s after the DAW and stopped 15 s before it.
  const auto h1 = synctest::synthetic_ir(kRate, 0.5, 8);
  const auto h2 = synctest::synthetic_ir(kRate, 0.9, 9);
  const auto dry = piano_like(70.0, kRate, 12);
  auto ref = convolve(dry, h1);
  add_noise(ref, 30.0, 1);
  auto wet2 = convolve(dry, h2);
  std::vector<float> tgt(wet2.begin() + 20 * kRate, wet2.end() - 15 * kRate);
  add_noise(tgt, 30.0, 2);
  const auto r = estimate(ref, kRate, tgt, kRate);
  EXPECT_NEAR(r.offset, -20.0, 1e-3);
  EXPECT_LT(std::abs(r.drift_ppm), 20.0);
}

TEST(Sync, BadInputsGiveClearErrors) {
  const auto dry = piano_like(10.0, kRate, 1);
  const std::vector<float> silent(10 * kRate, 0.0f);
  auto expect_error = [](auto&& f, const std::string& part) {
    try {
      f();
      ADD_FAILURE() << "no error; expected one mentioning '" << part << "'";
    } catch (const pv::Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_error([&] { estimate(silent, kRate, dry, kRate); }, "reference audio is silent");
  expect_error([&] { estimate(dry, kRate, silent, kRate); }, "target audio is silent");
  expect_error([&] { estimate({}, kRate, dry, kRate); }, "empty");
  expect_error([&] { estimate(dry, 0, dry, kRate); }, "sample rate");
  expect_error([&] { estimate(dry, 1000, dry, 1000); }, "too low");
  const std::vector<float> blip(kRate / 2, 0.1f);
  expect_error([&] { estimate(blip, kRate, dry, kRate); }, "shorter than 1 s");
}

TEST(Sync, UnrelatedRecordingsAreNotSynced) {
  // Two different performances: either an error or a low confidence, never a confident answer.
  const auto a = piano_like(40.0, kRate, 100);
  const auto b = piano_like(40.0, kRate, 200);
  try {
    const auto r = estimate(a, kRate, b, kRate);
    EXPECT_LT(r.confidence, 0.1);
  } catch (const pv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("same sound"), std::string::npos) << e.what();
  }
}

TEST(Sync, MapsPerformancesBothWays) {
  pv::sync::Result s;
  s.offset = 1.5;
  s.drift_ppm = 200.0;
  pv::Performance perf;
  perf.notes.push_back({60, 10.0, 11.0, 12.0, 80});
  perf.pedals.push_back({10.5, 64, 127});
  const auto t = pv::sync::map_performance(perf, s, pv::sync::Direction::ReferenceToTarget);
  EXPECT_NEAR(t.notes[0].onset, 10.0 + 1.5 + 10.0 * 200e-6, 1e-12);
  EXPECT_NEAR(t.notes[0].sound_offset, 12.0 + 1.5 + 12.0 * 200e-6, 1e-12);
  EXPECT_NEAR(t.pedals[0].time, 10.5 + 1.5 + 10.5 * 200e-6, 1e-12);
  const auto back = pv::sync::map_performance(t, s, pv::sync::Direction::TargetToReference);
  EXPECT_NEAR(back.notes[0].key_offset, 11.0, 1e-9);
  EXPECT_NEAR(back.pedals[0].time, 10.5, 1e-9);
}

}  // namespace
