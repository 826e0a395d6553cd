// Acceptance on real fingering ground truth (PIG, ../shared/data/fingering/pig) with simulated hands.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "sim_eval.hpp"
#include "test_util.hpp"

using namespace pv;

namespace {

struct Pooled {
  fing::FingeringScore score;
  fing::Summary summary;
  int files = 0;
};

Pooled run(int first, int last, const fing::SimConfig& base, const fing::Config& cfg,
           kb::Model model = kb::Model::Rectified) {
  Pooled p;
  int seed = 1;
  for (const auto& f : pvtest::pig_files(pvtest::shared_data() / "fingering/pig", first, last)) {
    auto gt = fing::read_pig(f);
    fing::SimConfig sim = base;
    sim.seed = seed++;
    auto r = pvtest::sim_eval(gt, sim, cfg, model);
    p.score.add(r.score);
    p.summary.notes += r.summary.notes;
    p.summary.auto_ += r.summary.auto_;
    p.summary.undecided += r.summary.undecided;
    p.summary.noinfo += r.summary.noinfo;
    ++p.files;
  }
  return p;
}

void report(const char* what, const Pooled& p) {
  std::printf("[fingering] %-44s files %2d notes %6d  hand+finger %.2f %%  hand %.2f %%  auto %.2f %%  "
              "undecided %.2f %%  noinfo %.2f %%\n",
              what, p.files, p.summary.notes, 100 * p.score.hand_finger_accuracy(), 100 * p.score.hand_accuracy(),
              100.0 * p.summary.auto_ / std::max(1, p.summary.notes),
              100.0 * p.summary.undecided / std::max(1, p.summary.notes),
              100.0 * p.summary.noinfo / std::max(1, p.summary.notes));
}

}  // namespace

TEST(FingeringReal, PigParsesAllFiles) {
  PV_REQUIRE_SHARED("fingering/pig");
  auto files = pvtest::pig_files(pvtest::shared_data() / "fingering/pig", 100, 199);
  ASSERT_GE(files.size(), 60u);
  size_t notes = 0;
  for (const auto& f : files) {
    auto n = fing::read_pig(f);
    for (const auto& x : n) {
      ASSERT_TRUE(x.hand == Hand::Left || x.hand == Hand::Right) << f;
      ASSERT_GE(x.finger, 1);
      ASSERT_LE(x.finger, 5);
    }
    // Round trip through our PIG writer keeps pitch, hand, finger.
    auto back = fing::parse_pig(fing::format_pig(n), "rt");
    ASSERT_EQ(back.size(), n.size());
    for (size_t i = 0; i < n.size(); ++i) {
      ASSERT_EQ(back[i].pitch, n[i].pitch);
      ASSERT_EQ(back[i].hand, n[i].hand);
      ASSERT_EQ(back[i].finger, n[i].finger);
    }
    notes += n.size();
  }
  EXPECT_GT(notes, 10000u);
}

// Tuning set 101-125, held-out 126-150, moderate noise; default (improved) rules.
TEST(FingeringReal, SimulatedModerateNoiseMeetsAcceptance) {
  PV_REQUIRE_SHARED("fingering/pig");
  fing::SimConfig sim;  // moderate defaults
  auto tune = run(101, 125, sim, fing::Config{});
  auto held = run(126, 150, sim, fing::Config{});
  report("improved, tuning pieces 101-125", tune);
  report("improved, held-out pieces 126-150", held);
  for (const auto* p : {&tune, &held}) {
    EXPECT_GE(p->score.hand_finger_accuracy(), 0.97);
    EXPECT_LE(double(p->summary.undecided + p->summary.noinfo) / p->summary.notes, 0.08);
  }
}

TEST(FingeringReal, IndependentSimulatorHeldOut) {
  PV_REQUIRE_SHARED("fingering/pig");
  fing::SimConfig sim;
  sim.variant = 1;
  auto held = run(126, 150, sim, fing::Config{});
  report("improved, independent simulator, held-out", held);
  EXPECT_GE(held.score.hand_finger_accuracy(), 0.97);
  EXPECT_LE(double(held.summary.undecided + held.summary.noinfo) / held.summary.notes, 0.08);
}

// The reference rules on the same data, and floating-hand variants: printed for comparison.
TEST(FingeringReal, ReferenceRulesForComparison) {
  PV_REQUIRE_SHARED("fingering/pig");
  fing::SimConfig sim;
  auto ref = run(126, 150, sim, fing::Config::reference(), kb::Model::Reference);
  report("reference rules + reference keyboard, held-out", ref);
  auto imp = run(126, 150, sim, fing::Config{});
  // The improvements must not be worse than the reference on the same input.
  EXPECT_GE(imp.score.hand_finger_accuracy(), ref.score.hand_finger_accuracy());
  EXPECT_LE(imp.summary.noinfo + imp.summary.undecided, ref.summary.noinfo + ref.summary.undecided);
  // Floating-hand handling measured: applied (default, floating frames weighted 0.3), excluded (the reference's
  // intent), and ignored (the reference's actual behaviour).
  fing::Config excl;
  excl.floating_weight = 0.0;
  fing::Config ign;
  ign.apply_floating = false;
  report("improved, floating frames excluded, held-out", run(126, 150, sim, excl));
  report("improved, floating ignored, held-out", run(126, 150, sim, ign));
}
