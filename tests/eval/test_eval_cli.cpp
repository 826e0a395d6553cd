// `pianovam eval` and `pianovam stats` end to end on generated files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "eval/files.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"
#include "jitter.hpp"
#include "test_util.hpp"

namespace {

std::vector<pv::Note> scale(int n, double start) {
  std::vector<pv::Note> v;
  for (int i = 0; i < n; ++i) {
    pv::Note x;
    x.pitch = 48 + (i * 7) % 36;
    x.onset = start + 0.25 * i;
    x.key_offset = x.sound_offset = x.onset + 0.4;
    x.velocity = 30 + (i * 13) % 90;
    v.push_back(x);
  }
  return v;
}

}  // namespace

TEST(EvalCli, SinglePairJsonAndCsv) {
  auto dir = pvtest::temp_dir();
  auto ref = scale(40, 0.5);
  pv::tsv::write_notes(dir / "ref.tsv", ref);
  pv::Performance est;
  est.notes = ref;
  est.notes.resize(30);  // 30 of 40 notes found
  pv::midi::write(dir / "est.mid", est);
  auto r = pvtest::run_cli("eval --ref " + (dir / "ref.tsv").string() + " --est " + (dir / "est.mid").string() +
                           " --json --csv " + (dir / "out.csv").string());
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_DOUBLE_EQ(j["metrics"]["note_precision"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["metrics"]["note_recall"].get<double>(), 0.75);
  auto t = pv::eval::read_csv(dir / "out.csv");
  ASSERT_EQ(t.keys.size(), 1u);
  EXPECT_DOUBLE_EQ(t.column("note_recall", "out.csv")[0], 0.75);
}

TEST(EvalCli, SplitMeanAndStats) {
  auto dir = pvtest::temp_dir();
  for (auto d : {"ref", "a", "b"}) std::filesystem::create_directories(dir / d);
  for (int f = 0; f < 8; ++f) {
    auto ref = scale(60 + f * 5, 0.1 * f);
    std::string name = "piece" + std::to_string(f);
    pv::tsv::write_notes(dir / "ref" / (name + ".tsv"), ref);
    pv::tsv::write_notes(dir / "a" / (name + ".tsv"), pvtest::jittered(ref, 100 + f));
    auto worse = pvtest::jittered(ref, 200 + f);
    worse.resize(worse.size() * 3 / 4);
    pv::tsv::write_notes(dir / "b" / (name + ".tsv"), worse);
  }
  for (auto sys : {"a", "b"}) {
    auto r = pvtest::run_cli("eval --ref-dir " + (dir / "ref").string() + " --est-dir " + (dir / sys).string() +
                             " --json --csv " + (dir / (std::string(sys) + ".csv")).string());
    ASSERT_EQ(r.rc, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["count"].get<int>(), 8);
    double sum = 0;
    for (auto& f : j["files"]) sum += f["metrics"]["note_f1"].get<double>();
    EXPECT_NEAR(j["mean"]["note_f1"].get<double>(), sum / 8, 1e-12);
  }
  auto r = pvtest::run_cli("stats ttest " + (dir / "a.csv").string() + " " + (dir / "b.csv").string() +
                           " --column note_f1 --column frame_f1 --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_GT(j["results"][0]["statistic"].get<double>(), 0) << "a keeps all notes, b drops a quarter";
  EXPECT_LT(j["results"][0]["pvalue"].get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(j["results"][0]["pvalue_bonferroni"].get<double>(),
                   std::min(1.0, 2 * j["results"][0]["pvalue"].get<double>()));
  r = pvtest::run_cli("stats wilcoxon " + (dir / "a.csv").string() + " " + (dir / "b.csv").string() + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["results"][0]["method"], "exact");
  EXPECT_NEAR(j["results"][0]["pvalue"].get<double>(), 2.0 / 256, 1e-12) << "all 8 differences positive";
}

TEST(EvalCli, ErrorsAndUsage) {
  auto dir = pvtest::temp_dir();
  pv::tsv::write_notes(dir / "ref.tsv", scale(5, 0));
  EXPECT_EQ(pvtest::run_cli("eval --ref " + (dir / "ref.tsv").string()).rc, 2);
  EXPECT_EQ(pvtest::run_cli("eval --ref a --est b --ref-dir c --est-dir d").rc, 2);
  pv::write_file_atomic(dir / "bad.tsv", "# onset\tkey_offset\tframe_offset\tnote\tvelocity\n1\t2\n");
  auto r = pvtest::run_cli("eval --ref " + (dir / "ref.tsv").string() + " --est " + (dir / "bad.tsv").string(), true);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("bad.tsv"), std::string::npos) << r.out;
  std::filesystem::create_directories(dir / "r");
  std::filesystem::create_directories(dir / "e");
  pv::tsv::write_notes(dir / "r" / "x.tsv", scale(5, 0));
  pv::tsv::write_notes(dir / "r" / "y.tsv", scale(5, 0));
  pv::tsv::write_notes(dir / "e" / "x.tsv", scale(5, 0));
  EXPECT_EQ(pvtest::run_cli("eval --ref-dir " + (dir / "r").string() + " --est-dir " + (dir / "e").string()).rc, 1);
  EXPECT_EQ(pvtest::run_cli("eval --allow-missing --ref-dir " + (dir / "r").string() + " --est-dir " +
                            (dir / "e").string())
                .rc,
            0);
  EXPECT_EQ(pvtest::run_cli("stats ttest " + (dir / "ref.tsv").string()).rc, 2);
  EXPECT_EQ(pvtest::run_cli("stats anova a.csv b.csv").rc, 2);
}
