#include "fingering/assign.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace pv::fing {

const char* status_name(Status s) {
  switch (s) {
    case Status::Auto: return "auto";
    case Status::Undecided: return "undecided";
    case Status::Noinfo: return "noinfo";
  }
  return "?";
}

Config Config::reference() {
  Config c;
  c.fix_handedness = false;
  c.onset_weight = 1.0;
  c.seen_frames_only = false;
  c.margin = 2.0;    // never decisive
  c.min_best = 2.0;  // never
  c.chord_exclusive = false;
  c.fill_gap_frames = 0;
  c.floating_weight = 0.0;
  return c;
}

namespace {

std::optional<HandObservation>& slot(HandFrame& f, int h) { return h == 0 ? f.left : f.right; }

double hand_u(const HandObservation& o, const kb::Keyboard88& kb) {
  double u = 0;
  for (int i : {0, 5, 9, 13, 17}) u += kb.to_plane({o.points[i].x, o.points[i].y}).x;
  return u / 5;
}

}  // namespace

int fill_gaps(std::vector<HandFrame>& frames, int max_gap) {
  if (max_gap <= 0) return 0;
  int filled = 0;
  const long n = long(frames.size());
  for (int h = 0; h < 2; ++h) {
    long last = -1;
    for (long k = 0; k < n; ++k) {
      if (!slot(frames[k], h)) continue;
      if (last >= 0 && k - last > 1 && k - last - 1 <= max_gap) {
        const auto& a = *slot(frames[last], h);
        const auto& b = *slot(frames[k], h);
        for (long g = last + 1; g < k; ++g) {
          float t = float(g - last) / float(k - last);
          HandObservation o = a;
          for (int i = 0; i < 21; ++i) {
            o.points[i].x = a.points[i].x + t * (b.points[i].x - a.points[i].x);
            o.points[i].y = a.points[i].y + t * (b.points[i].y - a.points[i].y);
            o.points[i].z = a.points[i].z + t * (b.points[i].z - a.points[i].z);
          }
          o.presence = std::min(a.presence, b.presence);
          slot(frames[g], h) = o;
          ++filled;
        }
      }
      last = k;
    }
  }
  return filled;
}

int fix_handedness(std::vector<HandFrame>& frames, const kb::Keyboard88& kb, double margin) {
  // 1. Both hands seen: a left hand right of the right hand by more than `margin` white keys means swapped
  //    labels, unless the hands got there continuously (really crossed hands). 2. One hand seen: compared with both hands' positions in the nearest two-hand frames before
  //    and after (within 2 s at 60 fps); clearly nearer the other hand -> relabelled. No state is carried
  //    from frame to frame, so one wrong decision does not propagate.
  const long n = long(frames.size()), window = 120;
  int changed = 0;
  std::vector<std::array<double, 2>> pos(size_t(n), {0.0, 0.0});
  std::vector<char> both(size_t(n), 0);
  long last_both = -1000000;
  for (long k = 0; k < n; ++k) {
    auto& f = frames[k];
    if (!(f.left && f.right)) continue;
    double ul = hand_u(*f.left, kb), ur = hand_u(*f.right, kb);
    bool contradicts = ul > ur + margin;
    if (contradicts && k - last_both <= 10) {
      // Hands that really cross move there gradually: keep the labels when they continue the last two-hand
      // frame better than the swapped ones would (a flipped label is a jump).
      const auto& q = pos[size_t(last_both)];
      double keep = std::abs(ul - q[0]) + std::abs(ur - q[1]), cross = std::abs(ur - q[0]) + std::abs(ul - q[1]);
      if (keep <= cross) contradicts = false;
    }
    last_both = k;
    if (contradicts) {
      std::swap(f.left, f.right);
      std::swap(ul, ur);
      ++changed;
    }
    pos[k] = {ul, ur};
    both[k] = 1;
  }
  std::vector<long> prev(size_t(n), -1), next(size_t(n), -1);
  for (long k = 0, p = -1; k < n; ++k) {
    if (both[k]) p = k;
    prev[k] = p;
  }
  for (long k = n - 1, q = -1; k >= 0; --k) {
    if (both[k]) q = k;
    next[k] = q;
  }
  for (long k = 0; k < n; ++k) {
    auto& f = frames[k];
    if (both[k] || !(f.left || f.right)) continue;
    int h = f.left ? 0 : 1;
    double u = hand_u(*slot(f, h), kb);
    double ref[2] = {0, 0};
    int cnt = 0;
    for (long j : {prev[k], next[k]})
      if (j >= 0 && std::abs(j - k) <= window) ref[0] += pos[j][0], ref[1] += pos[j][1], ++cnt;
    if (!cnt) continue;
    double own = std::abs(u - ref[h] / cnt), other = std::abs(u - ref[1 - h] / cnt);
    if (other + 2.0 < own) {
      slot(f, 1 - h) = std::move(slot(f, h));
      slot(f, h).reset();
      ++changed;
    }
  }
  return changed;
}

std::vector<NoteLabel> assign(const std::vector<Note>& notes, const std::vector<HandFrame>& frames_in, double fps,
                              const kb::Keyboard88& kb, const Config& cfg, Summary* summary) {
  if (!(fps > 0)) throw Error("fingering: frame rate must be positive");
  Summary sum;
  std::vector<HandFrame> frames = frames_in;
  if (cfg.fix_handedness) sum.swapped_frames = fix_handedness(frames, kb, cfg.handedness_margin);
  if (cfg.fill_gap_frames > 0) fill_gaps(frames, cfg.fill_gap_frames);  // after the labels are right
  FloatingResult fl;
  if (cfg.apply_floating) {
    fl = detect_floating(frames, cfg.floating);
    sum.floating_hand_frames = fl.floating_count;
  }
  const long nf = long(frames.size());
  // Per frame and hand: usable flag and the five prepared fingertip points.
  struct HandPts {
    bool usable = false;
    double weight = 1.0;
    kb::Keyboard88::Query tip[5];
  };
  std::vector<std::array<HandPts, 2>> pts(frames.size());
  const double w = cfg.tip_weight;
  for (long k = 0; k < nf; ++k)
    for (int h = 0; h < 2; ++h) {
      const auto& o = slot(frames[k], h);
      const bool floating = cfg.apply_floating && fl.floating[k][h];
      if (!o || (floating && cfg.floating_weight <= 0)) continue;
      auto& hp = pts[k][h];
      hp.usable = true;
      hp.weight = floating ? cfg.floating_weight : 1.0;
      for (int f = 0; f < 5; ++f) {
        const auto& t = o->points[4 * f + 4];
        const auto& d = o->points[4 * f + 3];
        hp.tip[f] = kb.prepare({w * t.x + (1 - w) * d.x, w * t.y + (1 - w) * d.y});
      }
    }
  const double h = kb.half_white() * cfg.near;
  const bool reference_rules = cfg.margin > 1.0 && cfg.min_best > 1.0;

  std::vector<NoteLabel> out(notes.size());
  std::vector<std::array<double, 10>> scores(notes.size());
  for (size_t i = 0; i < notes.size(); ++i) {
    const Note& n = notes[i];
    NoteLabel& lab = out[i];
    auto& sc = scores[i];
    sc.fill(0.0);
    int key = n.pitch - kb::kLowestPitch;
    long f0 = long(std::ceil(n.onset * fps - 1e-9)), f1 = long(std::ceil(n.key_offset * fps - 1e-9));
    if (f1 <= f0) {
      f0 = long(std::lround(n.onset * fps));
      f1 = f0 + 1;
    }
    lab.frames = int(f1 - f0);
    if (key < 0 || key >= kb::kKeys) continue;  // not on the 88 keys: Noinfo
    const bool note_black = kb::is_black(n.pitch);
    double denom = 0;
    for (long k = f0; k < f1; ++k) {
      double wt = (k / fps - n.onset < cfg.onset_seconds) ? cfg.onset_weight : 1.0;
      bool seen = false;
      if (k >= 0 && k < nf)
        for (int hh = 0; hh < 2; ++hh) {
          const auto& hp = pts[k][hh];
          if (!hp.usable) continue;
          seen = true;
          for (int f = 0; f < 5; ++f) {
            double d = kb.distance_prepared(hp.tip[f], key);
            double s = d <= 0 ? 1.0 : d < h ? (1 - d / h) * (1 - d / h) : 0.0;
            if (s > 0 && d > 0 && cfg.black_white_check && !note_black) {
              // The reference's disabled exception: a fingertip on a black key does not play a white note.
              int at = kb.key_at_prepared(hp.tip[f]);
              if (at >= 0 && kb::is_black(at + kb::kLowestPitch)) s = 0;
            }
            sc[hh * 5 + f] += wt * hp.weight * s;
          }
        }
      lab.seen_frames += seen;
      if (cfg.seen_frames_only) {
        double hw = 0;  // frame weight: the best usable hand's weight (floating hands count less)
        if (k >= 0 && k < nf)
          for (int hh = 0; hh < 2; ++hh)
            if (pts[k][hh].usable) hw = std::max(hw, pts[k][hh].weight);
        denom += wt * hw;
      } else {
        denom += wt;
      }
    }
    if (denom <= 0) continue;
    for (auto& s : sc) s /= denom;
  }

  auto decide = [&](size_t i, const std::vector<int>& banned) {
    NoteLabel& lab = out[i];
    const auto& sc = scores[i];
    std::vector<Candidate> all;
    for (int c = 0; c < 10; ++c) {
      if (std::find(banned.begin(), banned.end(), c) != banned.end()) continue;
      if (sc[c] > 0) all.push_back({c < 5 ? Hand::Left : Hand::Right, c % 5 + 1, sc[c]});
    }
    std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    lab.candidates.clear();
    int ncand = 0, nstrong = 0;
    for (const auto& c : all) {
      if (c.score >= cfg.candidate) ++ncand;
      if (c.score > cfg.strong) ++nstrong;
    }
    lab.status = Status::Noinfo;
    lab.hand = Hand::Noinfo;
    lab.finger = 0;
    if (reference_rules) {
      for (const auto& c : all)
        if (c.score >= cfg.candidate) lab.candidates.push_back(c);
      if (ncand == 1 || (ncand > 1 && nstrong == 1))
        lab.status = Status::Auto;
      else if (ncand > 1)
        lab.status = Status::Undecided;
    } else {
      for (size_t k = 0; k < all.size() && k < 4; ++k) lab.candidates.push_back(all[k]);
      double best = all.empty() ? 0 : all[0].score, second = all.size() > 1 ? all[1].score : 0;
      if (best >= cfg.candidate) {
        if (ncand == 1 || nstrong == 1 || best - second >= cfg.margin)
          lab.status = Status::Auto;
        else
          lab.status = Status::Undecided;
      } else if (best >= cfg.min_best) {
        lab.status = best - second >= cfg.margin * best ? Status::Auto : Status::Undecided;
      }
    }
    if (lab.status == Status::Auto) {  // best-scoring candidate (the strong one when several)
      lab.hand = lab.candidates[0].hand;
      lab.finger = lab.candidates[0].finger;
    }
  };
  for (size_t i = 0; i < notes.size(); ++i) decide(i, {});

  if (cfg.chord_exclusive) {
    // Simultaneous notes (onsets within one frame) of one hand must use distinct fingers: the weaker
    // claimant of a finger is decided again without it.
    std::vector<size_t> order(notes.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return notes[a].onset < notes[b].onset; });
    const double tol = 1.0 / fps;
    for (size_t s = 0; s < order.size();) {
      size_t e = s + 1;
      while (e < order.size() && notes[order[e]].onset - notes[order[s]].onset < tol) ++e;
      if (e - s > 1) {
        for (int pass = 0; pass < 3; ++pass) {
          bool changed = false;
          for (size_t a = s; a < e; ++a)
            for (size_t b = s; b < e; ++b) {
              size_t ia = order[a], ib = order[b];
              if (ia == ib || out[ia].status != Status::Auto || out[ib].status != Status::Auto) continue;
              if (out[ia].hand != out[ib].hand || out[ia].finger != out[ib].finger) continue;
              int c = (out[ia].hand == Hand::Left ? 0 : 5) + out[ia].finger - 1;
              size_t loser = scores[ia][c] >= scores[ib][c] ? ib : ia;
              decide(loser, {c});
              changed = true;
            }
          if (!changed) break;
        }
      }
      s = e;
    }
  }

  for (const auto& l : out) {
    ++sum.notes;
    if (l.status == Status::Auto) ++sum.auto_;
    else if (l.status == Status::Undecided) ++sum.undecided;
    else ++sum.noinfo;
  }
  if (summary) *summary = sum;
  return out;
}

}  // namespace pv::fing
