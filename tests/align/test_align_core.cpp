#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>

#include "align/align.hpp"
#include "align/plot.hpp"
#include "core/error.hpp"
#include "io/video/video.hpp"
#include "test_util.hpp"

namespace {

std::vector<float> tone(double freq, double seconds, int rate, double amp = 0.5) {
  std::vector<float> x(static_cast<size_t>(seconds * rate));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(amp * std::sin(2 * std::numbers::pi * freq * i / rate));
  return x;
}

TEST(Cqt, SinusoidPeaksInItsBinWithItsAmplitude) {
  pv::align::CqtParams p;
  const double f = 440.0;  // MIDI 69 -> bin 33
  auto C = pv::align::cqt_magnitude(tone(f, 2.0, p.rate, 0.5), p);
  ASSERT_EQ(C.bins, 48);
  EXPECT_EQ(C.frames(), size_t(2.0 * p.rate) / 64 + 1);
  const float* mid = C.frame(C.frames() / 2);
  int best = 0;
  for (int b = 1; b < 48; ++b)
    if (mid[b] > mid[best]) best = b;
  EXPECT_EQ(best, 33);
  EXPECT_NEAR(mid[33], 0.5, 0.02);
  EXPECT_LT(mid[30], 0.05);
}

TEST(Cqt, FeaturesAreUnitNormAndPoolingKeepsThem) {
  pv::align::CqtParams p;
  auto F = pv::align::cqt_magnitude(tone(220.0, 1.0, p.rate), p);
  pv::align::to_alignment_features(F);
  for (size_t i = 0; i < F.frames(); i += 37) {
    double ss = 0;
    for (int b = 0; b < F.bins; ++b) ss += F.frame(i)[b] * F.frame(i)[b];
    EXPECT_NEAR(ss, 1.0, 1e-4);
  }
  auto P = pv::align::pool(F, 16);
  EXPECT_EQ(P.frames(), (F.frames() + 15) / 16);
  EXPECT_EQ(P.hop, 64 * 16);
  EXPECT_NEAR(pv::align::cosine_distance(P.frame(1), P.frame(1), P.bins), 0.0, 1e-5);
}

TEST(Cqt, ThreadsGiveTheSameSpectrogram) {
  pv::align::CqtParams p;
  std::vector<float> x = tone(261.6, 1.5, p.rate, 0.3);
  const std::vector<float> y = tone(1318.5, 1.5, p.rate, 0.2);
  for (size_t i = 0; i < x.size(); ++i) x[i] += (i > x.size() / 2) ? y[i] : 0.0f;
  const auto one = pv::align::cqt_magnitude(x, p);
  for (int threads : {2, 3, 48, 100}) {
    const auto many = pv::align::cqt_magnitude(x, p, threads);
    ASSERT_EQ(many.data.size(), one.data.size());
    EXPECT_TRUE(many.data == one.data) << threads << " threads";
  }
  auto moved = x;
  EXPECT_TRUE(pv::align::cqt_magnitude(std::move(moved), p, 2).data == one.data);
}

// The CQT computes only the low part of the spectrum (polyphase FFTs); here every value of three bins
// is recomputed from the definition: a direct DFT of the zero-padded signal, each bin's band weighted
// by its Hann window's response, and a direct inverse DFT at every frame.
class CqtDefinition : public ::testing::TestWithParam<pv::align::CqtParams> {};

TEST_P(CqtDefinition, MatchesADirectDft) {
  const pv::align::CqtParams p = GetParam();
  const int rate = p.rate, hop = p.hop;
  std::vector<float> x(rate / 2);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(0.3 * std::sin(2 * std::numbers::pi * 196.0 * i / rate) * std::exp(-3.0 * i / rate) +
                              0.1 * std::sin(2 * std::numbers::pi * 523.3 * i / rate + 0.4) + 0.02 * std::cos(0.37 * double(i * i % 1000)));
  const auto C = pv::align::cqt_magnitude(x, p);
  const double Q = 1.0 / (std::pow(2.0, 1.0 / p.bins_per_octave) - 1.0);
  const double fmin = 440.0 * std::pow(2.0, (p.fmin_midi - 69.0) / 12.0);
  const size_t longest = static_cast<size_t>(std::ceil(Q * rate / fmin));
  size_t M = (x.size() + longest) / hop + 2;
  auto smooth = [](size_t v) {
    for (size_t q : {2, 3, 5, 7})
      while (v % q == 0) v /= q;
    return v == 1;
  };
  while (!smooth(M)) ++M;
  const size_t L = M * hop;
  const double df = static_cast<double>(rate) / L;
  float peak = 0.0f;
  for (float v : C.data) peak = std::max(peak, v);
  for (int b : {5, p.bins / 2 + 7, p.bins - 1}) {
    const double f = fmin * std::pow(2.0, static_cast<double>(b) / p.bins_per_octave), T = Q / f;
    const long long c0 = std::llround(f / df), half = static_cast<long long>(M / 2);
    std::vector<std::complex<double>> band(M);
    for (long long k = -half; k < static_cast<long long>(M) - half; ++k) {
      const long long j = c0 + k;
      if (j < 0) continue;
      std::complex<double> X = 0.0;
      for (size_t n = 0; n < x.size(); ++n) X += double(x[n]) * std::polar(1.0, -2 * std::numbers::pi * double((j * n) % L) / L);
      const double u = (j * df - f) * T;
      const double h = std::fabs(u) < 1e-9 ? 1.0
                       : std::fabs(std::fabs(u) - 1.0) < 1e-9
                           ? 0.5
                           : std::sin(std::numbers::pi * u) / (std::numbers::pi * u) / (1.0 - u * u);
      band[static_cast<size_t>((k + static_cast<long long>(M)) % static_cast<long long>(M))] = X * h * 2.0 / double(L);
    }
    for (size_t i = 0; i < C.frames(); ++i) {
      std::complex<double> y = 0.0;
      for (size_t d = 0; d < M; ++d) y += band[d] * std::polar(1.0, 2 * std::numbers::pi * double((d * i) % M) / M);
      ASSERT_NEAR(C.frame(i)[b], std::abs(y), 1e-5 * peak) << "bin " << b << " frame " << i;
    }
  }
}
// The defaults (spectrum from 8 polyphase parts); bins up to 7.9 kHz (the whole-signal FFT); a 44.1 kHz
// rate with hop 100 (parts that must divide the FFT size).
INSTANTIATE_TEST_SUITE_P(Cqt, CqtDefinition,
                         ::testing::Values(pv::align::CqtParams{}, pv::align::CqtParams{22050, 60.0, 60, 12, 64},
                                           pv::align::CqtParams{44100, 36.0, 48, 12, 100}));

TEST(Cqt, RejectsBinsAboveNyquist) {
  pv::align::CqtParams p;
  p.rate = 1000;
  EXPECT_THROW(pv::align::cqt_magnitude(std::vector<float>(100), p), pv::Error);
}

// Random unit features; Y = X delayed by `shift` frames.
pv::align::Features random_features(int n, unsigned seed) {
  pv::align::Features f;
  f.bins = 8;
  f.hop = 64;
  f.rate = 22050;
  f.data.resize(size_t(n) * 8);
  unsigned s = seed;
  for (auto& v : f.data) v = float((s = s * 1103515245u + 12345u) >> 16 & 0x7fff) / 32768.0f;
  for (int i = 0; i < n; ++i) {
    double ss = 0;
    for (int b = 0; b < 8; ++b) ss += f.frame(i)[b] * f.frame(i)[b];
    for (int b = 0; b < 8; ++b) f.frame(i)[b] /= float(std::sqrt(ss));
  }
  return f;
}

TEST(Dtw, RecoversAShiftInsideTheBand) {
  auto X = random_features(400, 1);
  pv::align::Features Y = X;
  const int shift = 7;
  Y.data.insert(Y.data.begin(), X.data.begin(), X.data.begin() + shift * 8);  // repeat first frames
  auto band = pv::align::diagonal_band(400, 407, 10);
  auto r = pv::align::banded_dtw(X, Y, band);
  ASSERT_FALSE(r.path.empty());
  EXPECT_EQ(r.path.front(), std::make_pair(0, 0));
  EXPECT_EQ(r.path.back(), std::make_pair(399, 406));
  for (auto [i, j] : r.path)
    if (i > 20) {
      EXPECT_EQ(j, i + shift);
    }
  EXPECT_EQ(r.cells, band.cells());
}

TEST(Dtw, MultiscaleMatchesFullResolutionWithFewerCells) {
  auto X = random_features(3000, 3);
  pv::align::Features Y = X;
  const auto lead = random_features(40, 9);  // 40 unrelated frames before the copy
  Y.data.insert(Y.data.begin(), lead.data.begin(), lead.data.end());
  pv::align::MultiscaleOptions o;
  o.factor = 8;
  o.band_seconds = 1.0;
  o.fine_radius = 8;
  auto ms = pv::align::multiscale_dtw(X, Y, o);
  auto full = pv::align::banded_dtw(X, Y, pv::align::diagonal_band(3000, 3040, 350));
  EXPECT_EQ(ms.fine.path, full.path);
  EXPECT_LT(ms.fine.cells + ms.coarse.cells, full.cells / 5);
}

TEST(Band, RepairMakesItMonotoneAndConnected) {
  pv::align::Band b;
  b.lo = {3, 0, 10, 9};
  b.hi = {5, 2, 12, 11};
  b.repair(20);
  for (size_t i = 0; i + 1 < b.lo.size(); ++i) {
    EXPECT_LE(b.lo[i], b.lo[i + 1]);
    EXPECT_LE(b.hi[i], b.hi[i + 1]);
    EXPECT_LE(b.lo[i + 1], b.hi[i] + 1);
  }
  EXPECT_EQ(b.lo[0], 0);
  EXPECT_EQ(b.hi[3], 19);
}

TEST(Warp, MapInterpolatesExtrapolatesAndMovesEveryEvent) {
  pv::align::TimeMap m{{0.0, 1.0, 2.0}, {0.5, 1.5, 2.7}};
  EXPECT_DOUBLE_EQ(m(0.5), 1.0);
  EXPECT_DOUBLE_EQ(m(1.5), 2.1);
  EXPECT_DOUBLE_EQ(m(-1.0), -0.5);
  EXPECT_DOUBLE_EQ(m(3.0), 3.7);
  pv::Performance p;
  p.notes.push_back({60, 0.5, 1.5, 1.8, 80});
  p.pedals.push_back({1.0, 64, 127});
  p.pedals.push_back({1.9, 67, 0});
  auto w = pv::align::warp(p, m);
  EXPECT_DOUBLE_EQ(w.notes[0].onset, 1.0);
  EXPECT_DOUBLE_EQ(w.notes[0].key_offset, 2.1);
  EXPECT_NEAR(w.notes[0].sound_offset, 2.46, 1e-12);
  EXPECT_DOUBLE_EQ(w.pedals[0].time, 1.5);
  EXPECT_NEAR(w.pedals[1].time, 2.58, 1e-12);
  auto line = m.fit({0.0, 0.5, 1.0});
  EXPECT_NEAR(line.offset, 0.5, 1e-12);
  EXPECT_NEAR(line.slope, 1.0, 1e-12);
}

// A DTW map along offset + drift with a few ms of jitter, except a stretch that strays 150 ms off
// (rising through every value in between) and a last second that does: both are bridged, the rest
// is kept as it is.
TEST(Warp, StretchesOffTheClockLineAreBridged) {
  const auto line = [](double t) { return 0.3 + 1.0002 * t; };
  const auto jitter = [](double t) { return 0.002 * std::sin(1.7 * t); };
  const auto stray = [](double t) {
    if (t > 20.0 && t < 23.0) return 0.15 * std::sin(std::numbers::pi * (t - 20.0) / 3.0);
    return t > 59.0 ? 0.18 * (t - 59.0) : 0.0;
  };
  pv::align::TimeMap m, clean;
  std::vector<double> at;
  for (int k = 0; k <= 6000; ++k) {
    const double t = 0.01 * k;
    m.src.push_back(t), m.dst.push_back(line(t) + jitter(t) + stray(t));
    clean.src.push_back(t), clean.dst.push_back(line(t) + jitter(t));
    if (k % 25 == 0) at.push_back(t);
  }
  pv::align::TimeMap kept = clean;
  EXPECT_EQ(kept.drop_off_line(at, 0.05, 6.0), 0.0);
  EXPECT_EQ(kept.dst, clean.dst);
  const double dropped = m.drop_off_line(at, 0.05, 6.0);
  // Off by more than 10 ms: 20.2-22.8 s and 59.06-60 s.
  EXPECT_GT(dropped, 3.3);
  EXPECT_LT(dropped, 4.0);
  double worst = 0.0;
  for (int k = 0; k <= 6000; ++k) worst = std::max(worst, std::fabs(m(0.01 * k) - line(0.01 * k)));
  EXPECT_LT(worst, 0.012);
  EXPECT_DOUBLE_EQ(m(10.0), clean(10.0));
}

// A refined map along offset + drift with 3 ms of jitter and a stretch 20 ms off: the stretch is
// brought to within the limit of the line, the rest is left exactly as it is.
TEST(Warp, ClampToLineBoundsAStrayStretchAndKeepsTheJitter) {
  const auto line = [](double t) { return -1.2 + 0.99962 * t; };
  const auto jitter = [](double t) { return 0.003 * std::sin(2.1 * t); };
  pv::align::TimeMap m;
  std::vector<double> at;
  for (int k = 0; k <= 6000; ++k) {
    const double t = 0.01 * k;
    m.src.push_back(t), m.dst.push_back(line(t) + jitter(t) + (t > 30.0 && t < 33.0 ? 0.02 : 0.0));
    if (k % 20 == 0) at.push_back(t);
  }
  const pv::align::TimeMap before = m;
  const double beyond = m.clamp_to_line(at, 0.008, 0.25);
  EXPECT_GT(beyond, 0.03);  // the stretch: 3 of 60 s
  EXPECT_LT(beyond, 0.06);
  for (int k = 0; k <= 6000; ++k) {
    const double t = 0.01 * k;
    EXPECT_LE(std::fabs(m(t) - line(t)), 0.0085) << t;
    if (k > 0) {
      EXPECT_GE(m.dst[k], m.dst[k - 1]);
    }
  }
  EXPECT_DOUBLE_EQ(m(10.0), before(10.0));
  EXPECT_DOUBLE_EQ(m(50.0), before(50.0));
  EXPECT_LT(m(31.5), before(31.5) - 0.01);
}

// A map that is not one line (a 30 ms step halfway): more than the allowed fraction of the onsets is
// off any line, and the map is left alone.
TEST(Warp, ClampToLineLeavesAMapThatIsNotALine) {
  pv::align::TimeMap m;
  std::vector<double> at;
  for (int k = 0; k <= 600; ++k) {
    const double t = 0.1 * k;
    m.src.push_back(t), m.dst.push_back(0.5 + t + (t > 30.0 ? 0.03 : 0.0));
    at.push_back(t);
  }
  const pv::align::TimeMap before = m;
  EXPECT_GT(m.clamp_to_line(at, 0.008, 0.25), 0.25);
  EXPECT_EQ(m.dst, before.dst);
}

TEST(Warp, MapFromPathAveragesColumnsPerRow) {
  std::vector<std::pair<int, int>> path{{0, 0}, {1, 1}, {1, 2}, {1, 3}, {2, 4}};
  auto m = pv::align::map_from_path(path, 0.01, 0.02);
  ASSERT_EQ(m.src.size(), 3u);
  EXPECT_DOUBLE_EQ(m.dst[1], 0.04);
  EXPECT_DOUBLE_EQ(m.dst[2], 0.08);
}

TEST(Align, BadInputsGiveClearErrors) {
  pv::Performance empty;
  std::vector<float> audio = tone(220, 5.0, 22050);
  pv::align::AlignOptions o;
  o.midi_name = "m.mid";
  o.audio_name = "a.wav";
  try {
    pv::align::align(audio, empty, o);
    FAIL();
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("m.mid: MIDI has no notes"), std::string::npos) << e.what();
  }
  pv::Performance p;
  p.notes.push_back({57, 1.0, 2.0, 2.0, 80});
  p.notes.push_back({57, 60.0, 61.0, 61.0, 80});
  try {
    pv::align::align(std::vector<float>(22050 * 70, 0.0f), p, o);
    FAIL();
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a.wav: audio is silent"), std::string::npos) << e.what();
  }
  try {
    pv::align::align(audio, p, o);
    FAIL();
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("much shorter"), std::string::npos) << e.what();
  }
}

TEST(Align, RecoversAPlantedShiftOfItsOwnRender) {
  if (!std::filesystem::exists(pv::synth::SynthOptions{}.soundfont)) GTEST_SKIP() << "no SoundFont";
  pv::Performance p;
  const int pitches[] = {48, 52, 55, 60, 64, 67, 72, 67, 64, 60, 55, 52};
  for (int k = 0; k < 24; ++k) {
    const double t = 0.5 + 0.35 * k + (k % 3) * 0.04;
    p.notes.push_back({pitches[k % 12], t, t + 0.3, t + 0.3, 60 + (k * 7) % 50});
  }
  p.pedals.push_back({2.0, 64, 127});
  p.pedals.push_back({4.0, 64, 0});
  pv::Performance shifted = pv::align::warp(p, [](double t) { return t + 0.75; });
  auto audio = pv::synth::render(shifted, 22050);
  auto r = pv::align::align(audio, p);
  EXPECT_NEAR(r.report.offset_s, 0.75, 0.004);
  EXPECT_NEAR(r.report.drift_ppm, 0.0, 2000.0);
  ASSERT_EQ(r.aligned.notes.size(), p.notes.size());
  for (size_t k = 0; k < p.notes.size(); ++k) EXPECT_NEAR(r.aligned.notes[k].onset, shifted.notes[k].onset, 0.004);
  EXPECT_NEAR(r.aligned.pedals[0].time, 2.75, 0.006);
  EXPECT_GT(r.report.fine_cells, 0);
  EXPECT_TRUE(r.report.to_json().contains("drift_ppm"));
  // Diagnostic plots: valid PNGs; the path plot is the coarse matrix (render rows x audio columns).
  const auto dir = pvtest::temp_dir();
  pv::align::plot_path(dir / "plots" / "path.png", r);
  const auto path = pv::video::read_image(dir / "plots" / "path.png");
  EXPECT_EQ(path.height, static_cast<int>(r.dtw.coarse_x.frames()));
  EXPECT_EQ(path.width, static_cast<int>(r.dtw.coarse_y.frames()));
  pv::align::plot_onsets(dir / "onsets.png", r, audio, pv::align::AlignOptions{});
  const auto onsets = pv::video::read_image(dir / "onsets.png");
  EXPECT_EQ(onsets.height, 2 * 48 * 4 + 6);
  bool green = false;
  for (std::size_t i = 0; i + 2 < onsets.rgb.size(); i += 3)
    green |= onsets.rgb[i] == 40 && onsets.rgb[i + 1] == 220 && onsets.rgb[i + 2] == 60;
  EXPECT_TRUE(green) << "aligned onsets are marked";
}

TEST(Align, MovedAudioGivesTheSameMapAndIsReleased) {
  if (!std::filesystem::exists(pv::synth::SynthOptions{}.soundfont)) GTEST_SKIP() << "no SoundFont";
  pv::Performance p;
  for (int k = 0; k < 16; ++k) {
    const double t = 0.4 + 0.3 * k;
    p.notes.push_back({50 + (k * 5) % 24, t, t + 0.25, t + 0.25, 70});
  }
  auto audio = pv::synth::render(pv::align::warp(p, [](double t) { return 0.2 + t; }), 22050);
  const auto kept = pv::align::align(audio, p);
  const auto moved = pv::align::align(std::move(audio), p);
  EXPECT_TRUE(audio.empty());  // released by align once its features exist
  EXPECT_EQ(kept.map.src, moved.map.src);
  EXPECT_EQ(kept.map.dst, moved.map.dst);
  EXPECT_NEAR(moved.report.offset_s, 0.2, 0.004);
}

}  // namespace
