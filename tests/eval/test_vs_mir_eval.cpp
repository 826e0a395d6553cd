// Randomized comparison against Debian's mir_eval 0.7 (skipped when python3 cannot import it):
// every metric within 1e-9 and the same matchings, on note lists built to provoke ties.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "core/pedal_rule.hpp"
#include "eval/files.hpp"
#include "eval/transcription.hpp"
#include "io/midi/midi.hpp"
#include "jitter.hpp"
#include "python_ref.hpp"
#include "test_util.hpp"

using namespace pv::eval;

namespace {

const char* kScript = R"PY(
import sys, json, glob, os
import numpy as np
import mir_eval
from mir_eval import transcription, transcription_velocity, multipitch, util
out = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], '*_ref.txt'))):
    name = os.path.basename(f)[:-8]
    r = np.loadtxt(f, ndmin=2); e = np.loadtxt(f.replace('_ref', '_est'), ndmin=2)
    ri, rp, rv = r[:, 0:2], util.midi_to_hz(r[:, 2]), r[:, 3]
    ei, ep, ev = e[:, 0:2], util.midi_to_hz(e[:, 2]), e[:, 3]
    res = {}
    res['transcription'] = dict(transcription.evaluate(ri, rp, ei, ep))
    res['velocity'] = dict(transcription_velocity.evaluate(ri, rp, rv, ei, ep, ev))
    res['match'] = [list(map(int, m)) for m in transcription.match_notes(ri, rp, ei, ep)]
    res['match_no_offset'] = [list(map(int, m)) for m in transcription.match_notes(ri, rp, ei, ep, offset_ratio=None)]
    res['match_onset'] = [list(map(int, m)) for m in transcription.match_note_onsets(ri, ei)]
    res['match_velocity'] = [list(map(int, m)) for m in transcription_velocity.match_notes(ri, rp, rv, ei, ep, ev, offset_ratio=None)]
    fps = 100.0
    n = int(max(int(r[:, 1].max() * fps), int(e[:, 1].max() * fps)))
    def roll(a):
        fr = [set() for _ in range(n)]
        for on, off, p, v in a:
            for k in range(int(on * fps), int(off * fps)):
                fr[k].add(int(p))
        return [util.midi_to_hz(np.array(sorted(s), dtype=float)) for s in fr]
    t = np.arange(n) / fps
    res['frames'] = dict(multipitch.evaluate(t, roll(r), t, roll(e)))
    out[name] = res
print(json.dumps(out))
)PY";

struct Case {
  std::vector<pv::Note> ref, est;
};

// Notes on a coarse time grid (many equal distances, exact 50 ms ties), a narrow pitch range
// (many candidate pairs), estimates derived from the reference with jitter, drops and inserts.
Case random_case(std::mt19937_64& rng, int n_ref) {
  std::uniform_int_distribution<int> pitch(58, 66), vel(20, 110), coin(0, 9);
  std::uniform_int_distribution<int> grid(0, 400);
  std::uniform_real_distribution<double> jitter(-0.06, 0.06), dur(0.02, 1.5);
  Case c;
  auto make = [&](double on, double len, int p, int v) {
    pv::Note n;
    n.onset = on, n.key_offset = n.sound_offset = on + len, n.pitch = p, n.velocity = v;
    return n;
  };
  for (int i = 0; i < n_ref; ++i) {
    double on = grid(rng) * 0.025, len = coin(rng) < 5 ? 0.01 * (1 + grid(rng) % 60) : dur(rng);
    c.ref.push_back(make(on, len, pitch(rng), vel(rng)));
  }
  for (const auto& r : c.ref) {
    int k = coin(rng);
    if (k == 0) continue;  // missed
    double on = r.onset, off = r.sound_offset;
    if (k < 4) on = std::max(0.0, on + (coin(rng) < 5 ? 0.05 * (coin(rng) < 5 ? 1 : -1) : jitter(rng)));
    if (k < 7) off = std::max(on + 0.01, off + jitter(rng) * 3);
    int p = r.pitch + (coin(rng) == 0 ? 1 : 0);
    c.est.push_back(make(on, off - on, p, std::clamp(r.velocity / 2 + coin(rng) * 3, 1, 127)));
    if (coin(rng) == 0) c.est.push_back(make(on + 0.01, 0.3, p, vel(rng)));  // duplicate
  }
  for (int i = 0; i < n_ref / 10; ++i) c.est.push_back(make(grid(rng) * 0.025, dur(rng), pitch(rng), vel(rng)));
  return c;
}

void write_case(const std::filesystem::path& f, const std::vector<pv::Note>& notes) {
  std::ofstream o(f);
  char buf[128];
  for (const auto& n : notes) {
    std::snprintf(buf, sizeof buf, "%.17g %.17g %d %d\n", n.onset, n.sound_offset, n.pitch, n.velocity);
    o << buf;
  }
}

Matching to_matching(const nlohmann::json& j) {
  Matching m;
  for (auto& p : j) m.emplace_back(p[0].get<int>(), p[1].get<int>());
  return m;
}

void expect_near(const Scores& got, const nlohmann::json& want, const std::string& what) {
  for (auto& [k, v] : want.items()) EXPECT_NEAR(score(got, k), v.get<double>(), 1e-9) << what << " " << k;
}

}  // namespace

TEST(VsMirEval, RandomNoteListsMatchExactly) {
  std::string py = pvtest::python_with("mir_eval, numpy");
  if (py.empty()) GTEST_SKIP() << "python3 with mir_eval not available";
  auto dir = pvtest::temp_dir();
  std::mt19937_64 rng(20251125);
  std::vector<Case> cases;
  for (int i = 0; i < 50; ++i) {
    cases.push_back(random_case(rng, i < 40 ? 5 + i : 100 * (i - 37)));
    char name[32];
    std::snprintf(name, sizeof name, "c%03d", i);
    write_case(dir / (std::string(name) + "_ref.txt"), cases.back().ref);
    write_case(dir / (std::string(name) + "_est.txt"), cases.back().est);
  }
  std::string out;
  ASSERT_EQ(pvtest::run_python(py, dir, kScript, "\"" + dir.string() + "\"", out), 0) << out;
  auto want = nlohmann::json::parse(out);
  ASSERT_EQ(want.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "c%03d", static_cast<int>(i));
    const auto& w = want[name];
    NoteList ref = from_notes(cases[i].ref), est = from_notes(cases[i].est);
    expect_near(evaluate_transcription(ref, est), w["transcription"], name);
    expect_near(evaluate_velocity(ref, est), w["velocity"], name);
    NoteParams no_off;
    no_off.offset_ratio.reset();
    EXPECT_EQ(match_notes(ref, est), to_matching(w["match"])) << name;
    EXPECT_EQ(match_notes(ref, est, no_off), to_matching(w["match_no_offset"])) << name;
    EXPECT_EQ(match_note_onsets(ref, est), to_matching(w["match_onset"])) << name;
    EXPECT_EQ(match_notes_velocity(ref, est, no_off), to_matching(w["match_velocity"])) << name;
    expect_near(evaluate_frames(piano_roll(cases[i].ref), piano_roll(cases[i].est)), w["frames"], name);
  }
}

namespace {
// Real notes: madmom's ground truth "onset pitch duration [velocity]" lines.
std::vector<pv::Note> read_onset_pitch_duration(const std::filesystem::path& f) {
  std::vector<pv::Note> out;
  std::ifstream in(f);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    pv::Note n;
    double dur;
    ls >> n.onset >> n.pitch >> dur;
    if (!(ls >> n.velocity)) n.velocity = 64;
    n.key_offset = n.sound_offset = n.onset + dur;
    out.push_back(n);
  }
  return out;
}
}  // namespace

// Real performances: madmom's transcriptor output against its ground truth, and ASAP performance
// MIDIs (pedal rule applied) against degraded copies; every metric within 1e-9 of mir_eval.
TEST(VsMirEval, RealTranscriptions) {
  PV_REQUIRE_SHARED("performance-midi");
  PV_REQUIRE_SHARED("real-audio");
  std::string py = pvtest::python_with("mir_eval, numpy");
  if (py.empty()) GTEST_SKIP() << "python3 with mir_eval not available";
  auto dir = pvtest::temp_dir();
  auto data = pvtest::shared_data();
  std::vector<Case> cases;
  cases.push_back({read_onset_pitch_duration(data / "real-audio/stereo_sample.notes"),
                   read_onset_pitch_duration(data / "real-audio/stereo_sample.piano_transcriptor.txt")});
  const char* files[] = {"bach_wtc1-prelude-bwv846_Shi05M.mid", "schubert_moment-musical-no3_Tetzloff09M.mid",
                         "rachmaninoff_prelude-op23no4_WuuE07M.mid", "beethoven_sonata31-op110-2_ADIG05M.mid"};
  unsigned seed = 1;
  for (const char* f : files) {
    pv::Performance perf = pv::midi::read(data / "performance-midi" / f);
    pv::PedalRule{}.apply(perf);
    std::erase_if(perf.notes, [](const pv::Note& n) { return n.sound_offset <= n.onset; });
    cases.push_back({perf.notes, pvtest::jittered(perf.notes, seed++)});
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    write_case(dir / ("r" + std::to_string(i) + "_ref.txt"), cases[i].ref);
    write_case(dir / ("r" + std::to_string(i) + "_est.txt"), cases[i].est);
  }
  std::string out;
  ASSERT_EQ(pvtest::run_python(py, dir, kScript, "\"" + dir.string() + "\"", out), 0) << out;
  auto want = nlohmann::json::parse(out);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::string name = "r" + std::to_string(i);
    const auto& w = want[name];
    NoteList ref = from_notes(cases[i].ref), est = from_notes(cases[i].est);
    expect_near(evaluate_transcription(ref, est), w["transcription"], name);
    expect_near(evaluate_velocity(ref, est), w["velocity"], name);
    EXPECT_EQ(match_notes(ref, est), to_matching(w["match"])) << name;
    expect_near(evaluate_frames(piano_roll(cases[i].ref), piano_roll(cases[i].est)), w["frames"], name);
    EXPECT_GT(score(evaluate_transcription(ref, est), "F-measure_no_offset"), 0.5) << name;
  }
}
