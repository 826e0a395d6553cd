#pragma once
// Fingering metrics: prediction vs ground truth, notes joined on (pitch, onset).
#include <array>
#include <string>
#include <vector>

#include "core/performance.hpp"

namespace pv::fing {

struct FingeringScore {
  int gt_notes = 0;
  int matched = 0;           // GT notes with a predicted note (same pitch, onset within tolerance)
  int decided = 0;           // matched, predicted hand L/R + finger 1..5, and GT labelled
  int hand_finger_correct = 0;
  int hand_correct = 0;
  int gt_unlabelled = 0;     // GT notes without hand/finger (excluded from accuracy)
  // confusion[gt][pred]: index 0..4 left 1..5, 5..9 right 1..5, 10 = no label.
  std::array<std::array<int, 11>, 11> confusion{};
  double hand_finger_accuracy() const { return decided ? double(hand_finger_correct) / decided : 0.0; }
  double hand_accuracy() const { return decided ? double(hand_correct) / decided : 0.0; }
  double coverage() const {  // decided share of the labelled GT notes
    int labelled = gt_notes - gt_unlabelled;
    return labelled ? double(decided) / labelled : 0.0;
  }
  void add(const FingeringScore& o);  // pools counts (micro-average)
};

// onset_tolerance in seconds; each predicted note is used at most once (nearest onset first).
FingeringScore evaluate_fingering(const std::vector<Note>& pred, const std::vector<Note>& gt,
                                  double onset_tolerance = 0.05);

// JSON object text with the counts, rates and the confusion matrix.
std::string score_json(const FingeringScore& s);

}  // namespace pv::fing
