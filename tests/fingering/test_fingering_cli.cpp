// End-to-end: simulate-hands -> fingering -> eval-fingering on a generated piece (no real data needed).
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/pedal_rule.hpp"
#include "fingering/pig.hpp"
#include "io/json/metadata.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"
#include "test_util.hpp"

using namespace pv;

namespace {
// A two-hand study: RH scale runs with thumb crossings, LH broken chords, some chords.
std::vector<Note> study() {
  std::vector<Note> v;
  const int rh[] = {60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60};
  const int rf[] = {1, 2, 3, 1, 2, 3, 4, 5, 4, 3, 2, 1, 3, 2, 1};
  double t = 0.5;
  for (int rep = 0; rep < 4; ++rep)
    for (int i = 0; i < 15; ++i, t += 0.25) {
      Note n;
      n.pitch = rh[i];
      n.onset = t;
      n.key_offset = n.sound_offset = t + 0.22;
      n.velocity = 70;
      n.hand = Hand::Right;
      n.finger = rf[i];
      v.push_back(n);
      if (i % 2 == 0) {
        const int lh[] = {48, 52, 55, 52};
        const int lf[] = {5, 3, 1, 3};
        Note l = n;
        l.pitch = lh[(i / 2) % 4];
        l.key_offset = l.sound_offset = t + 0.45;
        l.hand = Hand::Left;
        l.finger = lf[(i / 2) % 4];
        v.push_back(l);
      }
    }
  return v;
}
}  // namespace

TEST(FingeringCli, SimulateLabelEvaluate) {
  auto dir = pvtest::temp_dir();
  auto gt = study();
  fing::write_pig(dir / "gt.txt", gt);
  auto sim = pvtest::run_cli("simulate-hands " + (dir / "gt.txt").string() + " -o " + (dir / "hands.json").string() +
                             " --json --seed 3");
  ASSERT_EQ(sim.rc, 0) << sim.out;
  auto sj = nlohmann::json::parse(sim.out);
  EXPECT_GT(sj["frames"].get<int>(), 60 * 15);

  auto r = pvtest::run_cli("fingering --notes " + (dir / "gt.txt").string() + " --hands " +
                           (dir / "hands.json").string() +
                           " --corners '118,562;1802,548;1812,768;106,784' --frame-size 1920x1080 -o " +
                           (dir / "F.tsv").string() + " --pig " + (dir / "F.pig").string() + " --undecided " +
                           (dir / "queue.tsv").string() + " --roll " + (dir / "roll.png").string() + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["notes"].get<size_t>(), gt.size());
  EXPECT_GE(j["auto_share"].get<double>(), 0.9);
  auto rows = tsv::read_fingering(dir / "F.tsv");
  ASSERT_EQ(rows.size(), gt.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].pitch, gt[i].pitch);  // input order kept
  EXPECT_TRUE(std::filesystem::exists(dir / "queue.tsv"));
  auto png = read_file(dir / "roll.png");
  ASSERT_GT(png.size(), 100u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_EQ(fing::read_pig(dir / "F.pig").size(), gt.size());

  auto e = pvtest::run_cli("eval-fingering " + (dir / "F.tsv").string() + " " + (dir / "gt.txt").string() + " --json");
  ASSERT_EQ(e.rc, 0) << e.out;
  auto ej = nlohmann::json::parse(e.out);
  EXPECT_GE(ej["hand_finger_accuracy"].get<double>(), 0.95);
  EXPECT_GE(ej["coverage"].get<double>(), 0.9);
  auto text = pvtest::run_cli("eval-fingering " + (dir / "F.tsv").string() + " " + (dir / "gt.txt").string());
  EXPECT_EQ(text.rc, 0);
  EXPECT_NE(text.out.find("confusion"), std::string::npos);
}

TEST(FingeringCli, MidiInputKeepsNoteTsvOrder) {
  auto dir = pvtest::temp_dir();
  auto gt = study();
  Performance perf;
  perf.notes = gt;
  perf.sort();
  midi::write(dir / "m.mid", perf);
  fing::write_pig(dir / "gt.txt", gt);
  ASSERT_EQ(pvtest::run_cli("simulate-hands " + (dir / "gt.txt").string() + " -o " + (dir / "h.json").string()).rc, 0);
  auto r = pvtest::run_cli("fingering --midi " + (dir / "m.mid").string() + " --hands " + (dir / "h.json").string() +
                           " --corners '118,562;1802,548;1812,768;106,784' -o " + (dir / "F.tsv").string());
  ASSERT_EQ(r.rc, 0) << r.out;
  Performance back = midi::read(dir / "m.mid");
  PedalRule{}.apply(back);
  auto rows = tsv::read_fingering(dir / "F.tsv");
  ASSERT_EQ(rows.size(), back.notes.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].pitch, back.notes[i].pitch);
    EXPECT_NEAR(rows[i].onset, back.notes[i].onset, 1e-3);
  }
  // Reference mode runs on the same input.
  auto ref = pvtest::run_cli("fingering --midi " + (dir / "m.mid").string() + " --hands " + (dir / "h.json").string() +
                             " --corners '118,562;1802,548;1812,768;106,784' --reference --json -o " +
                             (dir / "R.tsv").string());
  ASSERT_EQ(ref.rc, 0) << ref.out;
  EXPECT_EQ(nlohmann::json::parse(ref.out)["mode"], "reference");
}

TEST(FingeringCli, BadInputAndUsage) {
  auto dir = pvtest::temp_dir();
  fing::write_pig(dir / "gt.txt", study());
  write_file_atomic(dir / "bad.json", "{\"0\": {\"Left\": [[1,2]]}}");
  // Neither --corners nor --metadata: usage error.
  EXPECT_EQ(pvtest::run_cli("fingering --notes " + (dir / "gt.txt").string() + " --hands " +
                            (dir / "bad.json").string() + " -o " + (dir / "F.tsv").string())
                .rc,
            2);
  EXPECT_EQ(pvtest::run_cli("fingering --notes " + (dir / "gt.txt").string() + " --hands " +
                            (dir / "bad.json").string() + " --corners '1,2;3' -o " + (dir / "F.tsv").string())
                .rc,
            2);
  // Malformed hands file: input error, no output written.
  auto r = pvtest::run_cli("fingering --notes " + (dir / "gt.txt").string() + " --hands " + (dir / "bad.json").string() +
                               " --corners '118,562;1802,548;1812,768;106,784' -o " + (dir / "F.tsv").string(),
                           true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("bad.json"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "F.tsv"));
  EXPECT_EQ(pvtest::run_cli("eval-fingering " + (dir / "nope.tsv").string() + " " + (dir / "gt.txt").string()).rc, 1);
  EXPECT_EQ(pvtest::run_cli("simulate-hands " + (dir / "gt.txt").string() + " --drop-rate 2 -o " +
                            (dir / "h.json").string())
                .rc,
            2);
  EXPECT_EQ(pvtest::run_cli("fingering --help").rc, 0);
  EXPECT_EQ(pvtest::run_cli("simulate-hands --help").rc, 0);
  EXPECT_EQ(pvtest::run_cli("eval-fingering --help").rc, 0);
}

TEST(FingeringCli, CornersFromMetadata) {
  auto dir = pvtest::temp_dir();
  fing::write_pig(dir / "gt.txt", study());
  ASSERT_EQ(pvtest::run_cli("simulate-hands " + (dir / "gt.txt").string() + " -o " + (dir / "h.json").string()).rc, 0);
  meta::Metadata m;
  SessionMetadata rec;
  rec.record_time = "2024-02-14_19-10-09";
  rec.split = "test";
  rec.corners = KeyboardCorners{{118, 562}, {1802, 548}, {1812, 768}, {106, 784}};
  m.records.push_back({"0", rec});
  meta::write(dir / "metadata.json", m);
  auto base = "fingering --notes " + (dir / "gt.txt").string() + " --hands " + (dir / "h.json").string() +
              " --metadata " + (dir / "metadata.json").string();
  auto r = pvtest::run_cli(base + " --id 2024-02-14_19-10-09 --json -o " + (dir / "F.tsv").string());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_GE(nlohmann::json::parse(r.out)["auto_share"].get<double>(), 0.9);
  EXPECT_EQ(pvtest::run_cli(base + " --id 1999-01-01_00-00-00 -o " + (dir / "G.tsv").string()).rc, 1);
  EXPECT_EQ(pvtest::run_cli(base + " -o " + (dir / "G.tsv").string()).rc, 2);  // --metadata without --id
}

TEST(FingeringCli, DuetGetsNoLabels) {
  auto dir = pvtest::temp_dir();
  auto gt = study();
  fing::write_pig(dir / "gt.txt", gt);
  ASSERT_EQ(pvtest::run_cli("simulate-hands " + (dir / "gt.txt").string() + " -o " + (dir / "h.json").string()).rc, 0);
  meta::Metadata m;
  SessionMetadata solo, duet;
  solo.record_time = "2024-02-14_19-10-09";
  solo.corners = KeyboardCorners{{118, 562}, {1802, 548}, {1812, 768}, {106, 784}};
  solo.p2_name = "";  // present but empty: still a solo
  duet = solo;
  duet.record_time = "2024-02-15_10-00-00";
  duet.p1_name = "A";
  duet.p2_name = "B";
  m.records.push_back({"0", solo});
  m.records.push_back({"1", duet});
  meta::write(dir / "metadata.json", m);
  auto base = "fingering --notes " + (dir / "gt.txt").string() + " --hands " + (dir / "h.json").string() +
              " --metadata " + (dir / "metadata.json").string();

  auto r = pvtest::run_cli(base + " --id 2024-02-15_10-00-00 --json -o " + (dir / "D.tsv").string() + " --undecided " +
                           (dir / "queue.tsv").string());
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["duet"].get<bool>());
  EXPECT_EQ(j["message"], "duet: second performer, no labels");
  EXPECT_EQ(j["noinfo"].get<size_t>(), gt.size());
  EXPECT_EQ(j["auto"].get<int>(), 0);
  EXPECT_DOUBLE_EQ(j["noinfo_share"].get<double>(), 1.0);
  auto rows = tsv::read_fingering(dir / "D.tsv");
  ASSERT_EQ(rows.size(), gt.size());
  for (const auto& n : rows) {
    EXPECT_EQ(n.hand, Hand::Noinfo);
    EXPECT_EQ(n.finger, 0);
  }
  // Every note is queued with status noinfo.
  auto queue = read_file(dir / "queue.tsv");
  EXPECT_EQ(size_t(std::count(queue.begin(), queue.end(), '\n')), gt.size() + 1);
  EXPECT_EQ(queue.find("\tauto\t"), std::string::npos);
  EXPECT_EQ(queue.find("\tundecided\t"), std::string::npos);
  // Said on stderr as well.
  auto text = pvtest::run_cli(base + " --id 1 -o " + (dir / "E.tsv").string(), true);
  ASSERT_EQ(text.rc, 0) << text.out;
  EXPECT_NE(text.out.find("duet: second performer, no labels"), std::string::npos);

  // The solo record of the same file is labelled.
  auto s = pvtest::run_cli(base + " --id 0 --json -o " + (dir / "S.tsv").string());
  ASSERT_EQ(s.rc, 0) << s.out;
  auto sj = nlohmann::json::parse(s.out);
  EXPECT_FALSE(sj["duet"].get<bool>());
  EXPECT_GE(sj["auto_share"].get<double>(), 0.9);
}
