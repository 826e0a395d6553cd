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
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double last[2] = {nan, nan};
  int changed = 0;
  for (auto& f : frames) {
    if (f.left && f.right) {
      double ul = hand_u(*f.left, kb), ur = hand_u(*f.right, kb);
      if (ul > ur + margin) {
        std::swap(f.left, f.right);
        std::swap(ul, ur);
        ++changed;
      }
      last[0] = ul;
      last[1] = ur;
    } else if (f.left || f.right) {
      int h = f.left ? 0 : 1;
      double u = hand_u(*slot(f, h), kb);
      if (!std::isnan(last[0]) && !std::isnan(last[1])) {
        double own = std::abs(u - last[h]), other = std::abs(u - last[1 - h]);
        if (other + 2.0 < own) {  // clearly where the other hand was: a flipped label
          slot(f, 1 - h) = std::move(slot(f, h));
          slot(f, h).reset();
          h = 1 - h;
          ++changed;
        }
      }
      last[h] = u;
    }
  }
  return changed;
}

std::vector<NoteLabel> assign(const std::vector<Note>& notes, const std::vector<HandFrame>& frames_in, double fps,
                              const kb::Keyboard88& kb, const Config& cfg, Summary* summary) {
  if (!(fps > 0)) throw Error("fingering: frame rate must be positive");
  Summary sum;
  std::vector<HandFrame> frames = frames_in;
  if (cfg.fill_gap_frames > 0) fill_gaps(frames, cfg.fill_gap_frames);
  if (cfg.fix_handedness) sum.swapped_frames = fix_handedness(frames, kb, cfg.handedness_margin);
  FloatingResult fl;
  if (cfg.apply_floating) {
    fl = detect_floating(frames, cfg.floating);
    sum.floating_hand_frames = fl.floating_count;
  }
  const long nf = long(frames.size());
  // Per frame and hand: usable flag and the five prepared fingertip points.
  struct HandPts {
    bool usable = false;
    kb::Keyboard88::Query tip[5];
  };
  std::vector<std::array<HandPts, 2>> pts(frames.size());
  const double w = cfg.tip_weight;
  for (long k = 0; k < nf; ++k)
    for (int h = 0; h < 2; ++h) {
      const auto& o = slot(frames[k], h);
      if (!o || (cfg.apply_floating && fl.floating[k][h])) continue;
      auto& hp = pts[k][h];
      hp.usable = true;
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
            sc[hh * 5 + f] += wt * s;
          }
        }
      lab.seen_frames += seen;
      denom += cfg.seen_frames_only ? (seen ? wt : 0.0) : wt;
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
