// pianovam eval-fingering PRED GT: hand+finger accuracy, hand accuracy, coverage and confusion.
#include <cstdio>
#include <memory>

#include "cli/verb.hpp"
#include "core/error.hpp"
#include "fingering/evaluate.hpp"
#include "fingering/files.hpp"

namespace {

struct EvalFingOpts {
  std::string pred, gt;
  double tolerance = 0.05;
  bool json = false;
};

int run_eval_fingering(const EvalFingOpts& o) {
  if (!(o.tolerance >= 0)) throw pv::UsageError("--onset-tolerance must be >= 0");
  auto pred = pv::fing::read_labelled_notes(o.pred);
  auto gt = pv::fing::read_labelled_notes(o.gt);
  auto s = pv::fing::evaluate_fingering(pred, gt, o.tolerance);
  if (o.json) {
    std::printf("%s\n", pv::fing::score_json(s).c_str());
    return 0;
  }
  std::printf("GT notes %d (unlabelled %d), matched %d, decided %d\n", s.gt_notes, s.gt_unlabelled, s.matched,
              s.decided);
  std::printf("hand+finger accuracy (decided) %.2f %%\nhand accuracy (decided)        %.2f %%\n",
              100 * s.hand_finger_accuracy(), 100 * s.hand_accuracy());
  std::printf("coverage %.2f %% (undecided or noinfo %.2f %%)\n", 100 * s.coverage(), 100 * (1 - s.coverage()));
  static const char* names[11] = {"L1", "L2", "L3", "L4", "L5", "R1", "R2", "R3", "R4", "R5", "--"};
  std::printf("confusion (rows GT, columns prediction):\n    ");
  for (const auto* n : names) std::printf("%6s", n);
  std::printf("\n");
  for (int i = 0; i < 11; ++i) {
    std::printf("%4s", names[i]);
    for (int j = 0; j < 11; ++j) std::printf("%6d", s.confusion[i][j]);
    std::printf("\n");
  }
  return 0;
}

pv::cli::Verb reg{"eval-fingering", 62, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "eval-fingering", "Compare predicted fingering with ground truth (Fingering TSV or PIG, notes joined on "
                        "pitch and onset): hand+finger and hand accuracy on decided notes, coverage, confusion");
  auto o = std::make_shared<EvalFingOpts>();
  cmd->add_option("pred", o->pred, "Predicted fingering (Fingering TSV or PIG)")->required();
  cmd->add_option("gt", o->gt, "Ground-truth fingering (Fingering TSV or PIG)")->required();
  cmd->add_option("--onset-tolerance", o->tolerance, "Onset tolerance for joining notes, seconds (default 0.05)");
  cmd->add_flag("--json", o->json, "Print the metrics as JSON");
  return [o]() { return run_eval_fingering(*o); };
}};

}  // namespace
