#include "fingering/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

namespace pv::fing {
namespace {
int label_index(const Note& n) {
  if ((n.hand != Hand::Left && n.hand != Hand::Right) || n.finger < 1 || n.finger > 5) return 10;
  return (n.hand == Hand::Left ? 0 : 5) + n.finger - 1;
}
}  // namespace

void FingeringScore::add(const FingeringScore& o) {
  gt_notes += o.gt_notes;
  matched += o.matched;
  decided += o.decided;
  hand_finger_correct += o.hand_finger_correct;
  hand_correct += o.hand_correct;
  gt_unlabelled += o.gt_unlabelled;
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 11; ++j) confusion[i][j] += o.confusion[i][j];
}

FingeringScore evaluate_fingering(const std::vector<Note>& pred, const std::vector<Note>& gt, double tol) {
  FingeringScore s;
  std::map<int, std::vector<size_t>> by_pitch;  // pitch -> predicted notes sorted by onset
  for (size_t i = 0; i < pred.size(); ++i) by_pitch[pred[i].pitch].push_back(i);
  for (auto& [p, v] : by_pitch)
    std::sort(v.begin(), v.end(), [&](size_t a, size_t b) { return pred[a].onset < pred[b].onset; });
  std::vector<bool> used(pred.size(), false);
  for (const Note& g : gt) {
    ++s.gt_notes;
    int gi = label_index(g);
    if (gi == 10) ++s.gt_unlabelled;
    auto it = by_pitch.find(g.pitch);
    long best = -1;
    double bd = tol;
    if (it != by_pitch.end())
      for (size_t i : it->second) {
        double d = std::abs(pred[i].onset - g.onset);
        if (!used[i] && d <= bd) bd = d, best = long(i);
      }
    int pi = 10;
    if (best >= 0) {
      used[size_t(best)] = true;
      ++s.matched;
      pi = label_index(pred[size_t(best)]);
    }
    s.confusion[gi][pi]++;
    if (gi == 10 || pi == 10) continue;
    ++s.decided;
    s.hand_correct += (gi < 5) == (pi < 5);
    s.hand_finger_correct += gi == pi;
  }
  return s;
}

std::string score_json(const FingeringScore& s) {
  nlohmann::json j;
  j["gt_notes"] = s.gt_notes;
  j["matched"] = s.matched;
  j["decided"] = s.decided;
  j["gt_unlabelled"] = s.gt_unlabelled;
  j["hand_finger_accuracy"] = s.hand_finger_accuracy();
  j["hand_accuracy"] = s.hand_accuracy();
  j["coverage"] = s.coverage();
  j["undecided_or_noinfo"] = 1.0 - s.coverage();
  nlohmann::json c = nlohmann::json::array();
  for (const auto& row : s.confusion) c.push_back(row);
  j["confusion_labels"] = {"L1", "L2", "L3", "L4", "L5", "R1", "R2", "R3", "R4", "R5", "none"};
  j["confusion"] = c;
  return j.dump(2);
}

}  // namespace pv::fing
