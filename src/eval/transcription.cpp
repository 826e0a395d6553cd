#include "eval/transcription.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace pv::eval {

namespace {

// np.around(x, 4): multiply by 10^4, round half to even, divide.
inline double round4(double x) { return std::nearbyint(x * 10000.0) / 10000.0; }

inline bool hit(double dist, double tol, bool strict) { return strict ? dist < tol : dist <= tol; }

// Margin added to the search windows so that no pair passing the exact (rounded) test is missed;
// rounding to 4 decimals moves a distance by at most 5e-5.
constexpr double kSearchMargin = 1e-3;

// Indices sorted by key, for windowed candidate search.
struct SortedKeys {
  std::vector<int> idx;
  std::vector<double> key;
  explicit SortedKeys(const std::vector<double>& k) : idx(k.size()), key(k.size()) {
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return k[a] < k[b]; });
    for (std::size_t i = 0; i < idx.size(); ++i) key[i] = k[idx[i]];
  }
  // Appends indices whose key lies in [lo, hi] to out (unsorted).
  void range(double lo, double hi, std::vector<int>& out) const {
    auto b = std::lower_bound(key.begin(), key.end(), lo);
    auto e = std::upper_bound(b, key.end(), hi);
    for (auto it = b; it != e; ++it) out.push_back(idx[it - key.begin()]);
  }
};

// Builds mir_eval's graph G {est: [ref...]} from a hit predicate evaluated in np.where order
// (ref ascending, est ascending), then matches. `candidates(i, out)` lists est indices that may
// hit ref i (a superset); `is_hit(i, j)` is the exact test.
template <class Candidates, class IsHit>
Matching match_graph(int n_ref, int n_est, Candidates candidates, IsHit is_hit) {
  std::vector<std::vector<int>> adj(n_est);
  std::vector<int> order;
  std::vector<int> cand;
  for (int i = 0; i < n_ref; ++i) {
    cand.clear();
    candidates(i, cand);
    std::sort(cand.begin(), cand.end());
    for (int j : cand) {
      if (!is_hit(i, j)) continue;
      if (adj[j].empty()) order.push_back(j);
      adj[j].push_back(i);
    }
  }
  std::vector<int> m = bipartite_match(order, adj, n_ref);
  Matching out;
  for (int v = 0; v < n_ref; ++v)
    if (m[v] >= 0) out.emplace_back(v, m[v]);
  return out;
}

std::vector<double> offset_tolerances(const NoteList& ref, double ratio, double min_tol) {
  std::vector<double> tol(ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i)
    tol[i] = std::max(ratio * std::abs(ref.offset[i] - ref.onset[i]), min_tol);
  return tol;
}

void validate_params(const NoteParams& p) {
  if (!(p.onset_tolerance > 0) || !(p.pitch_tolerance > 0) || !(p.offset_min_tolerance > 0) ||
      (p.offset_ratio && !(*p.offset_ratio > 0)) || !(p.velocity_tolerance > 0) || !(p.beta > 0))
    throw Error("transcription metrics: tolerances and beta must be > 0");
}

}  // namespace

double midi_to_hz(double midi) { return 440.0 * std::pow(2.0, (midi - 69.0) / 12.0); }

NoteList from_notes(const std::vector<Note>& notes, bool pedal_offsets, std::string source) {
  NoteList out;
  out.source = std::move(source);
  for (const Note& n : notes)
    out.add(n.onset, pedal_offsets ? n.sound_offset : n.key_offset, midi_to_hz(n.pitch), n.velocity);
  return out;
}

void validate(const NoteList& n) {
  const std::size_t size = n.onset.size();
  if (n.offset.size() != size || n.pitch.size() != size || n.velocity.size() != size)
    throw InputError(n.source, "onset, offset, pitch and velocity lists differ in length");
  for (std::size_t i = 0; i < size; ++i) {
    auto bad = [&](const std::string& what) {
      return InputError(n.source, "note " + std::to_string(i) + " (onset " + std::to_string(n.onset[i]) +
                                      " s): " + what);
    };
    if (!std::isfinite(n.onset[i]) || !std::isfinite(n.offset[i]) || !std::isfinite(n.pitch[i]) ||
        !std::isfinite(n.velocity[i]))
      throw bad("non-finite value");
    if (n.onset[i] < 0 || n.offset[i] < 0) throw bad("negative time");
    if (n.offset[i] <= n.onset[i]) throw bad("duration must be strictly positive (mir_eval rejects it)");
    if (n.pitch[i] <= 0) throw bad("pitch must be positive");
    if (n.velocity[i] < 0) throw bad("velocity must not be negative");
  }
}

// mir_eval.util._bipartite_match (Hopcroft–Karp after D. Eppstein), replicated step by step,
// including the iteration order of every Python dict and list, so ties resolve identically.
// u = estimated notes (graph keys), v = reference notes.
std::vector<int> bipartite_match(const std::vector<int>& order, const std::vector<std::vector<int>>& adj,
                                 int n_ref) {
  constexpr int kAbsent = -2, kFree = -1;  // pred[u]: not in dict / `unmatched` sentinel (first layer)
  const int n_est = static_cast<int>(adj.size());
  std::vector<int> matching(n_ref, -1);  // v -> u
  for (int u : order)
    for (int v : adj[u])
      if (matching[v] < 0) {
        matching[v] = u;
        break;
      }

  std::vector<int> pred(n_est, kAbsent);
  std::vector<std::vector<int>> preds(n_ref), new_layer(n_ref);
  std::vector<char> in_preds(n_ref, 0), in_new_layer(n_ref, 0);
  std::vector<int> layer, next_layer, new_layer_keys, unmatched, touched;

  // recurse(v): depth is bounded by the number of layers.
  auto recurse = [&](auto&& self, int v) -> bool {
    if (!in_preds[v]) return false;
    std::vector<int> L = std::move(preds[v]);
    in_preds[v] = 0;
    for (int u : L) {
      if (pred[u] == kAbsent) continue;
      int pu = pred[u];
      pred[u] = kAbsent;
      if (pu == kFree || self(self, pu)) {
        matching[v] = u;
        return true;
      }
    }
    return false;
  };

  while (true) {
    unmatched.clear();
    for (int v : touched) in_preds[v] = 0, preds[v].clear();
    touched.clear();
    for (int u : order) pred[u] = kFree;
    for (int v = 0; v < n_ref; ++v)
      if (matching[v] >= 0) pred[matching[v]] = kAbsent;
    layer.clear();
    for (int u : order)
      if (pred[u] == kFree) layer.push_back(u);

    while (!layer.empty() && unmatched.empty()) {
      new_layer_keys.clear();
      for (int u : layer)
        for (int v : adj[u])
          if (!in_preds[v]) {
            if (!in_new_layer[v]) in_new_layer[v] = 1, new_layer_keys.push_back(v);
            new_layer[v].push_back(u);
          }
      next_layer.clear();
      for (int v : new_layer_keys) {
        in_new_layer[v] = 0;
        preds[v] = std::move(new_layer[v]);
        new_layer[v].clear();
        in_preds[v] = 1;
        touched.push_back(v);
        if (matching[v] >= 0) {
          next_layer.push_back(matching[v]);
          pred[matching[v]] = v;
        } else {
          unmatched.push_back(v);
        }
      }
      layer.swap(next_layer);
    }
    if (unmatched.empty()) return matching;
    for (int v : unmatched) recurse(recurse, v);
  }
}

Matching match_notes(const NoteList& ref, const NoteList& est, const NoteParams& p) {
  validate_params(p);
  const int nr = static_cast<int>(ref.size()), ne = static_cast<int>(est.size());
  std::vector<double> ref_log(nr), est_log(ne);
  for (int i = 0; i < nr; ++i) ref_log[i] = std::log2(ref.pitch[i]);
  for (int j = 0; j < ne; ++j) est_log[j] = std::log2(est.pitch[j]);
  std::vector<double> off_tol;
  if (p.offset_ratio) off_tol = offset_tolerances(ref, *p.offset_ratio, p.offset_min_tolerance);
  SortedKeys by_onset(est.onset);
  return match_graph(
      nr, ne,
      [&](int i, std::vector<int>& out) {
        by_onset.range(ref.onset[i] - p.onset_tolerance - kSearchMargin,
                       ref.onset[i] + p.onset_tolerance + kSearchMargin, out);
      },
      [&](int i, int j) {
        if (!hit(round4(std::abs(ref.onset[i] - est.onset[j])), p.onset_tolerance, p.strict)) return false;
        if (!hit(std::abs(1200 * (ref_log[i] - est_log[j])), p.pitch_tolerance, p.strict)) return false;
        if (p.offset_ratio && !hit(round4(std::abs(ref.offset[i] - est.offset[j])), off_tol[i], p.strict))
          return false;
        return true;
      });
}

Matching match_note_onsets(const NoteList& ref, const NoteList& est, const NoteParams& p) {
  validate_params(p);
  SortedKeys by_onset(est.onset);
  return match_graph(
      static_cast<int>(ref.size()), static_cast<int>(est.size()),
      [&](int i, std::vector<int>& out) {
        by_onset.range(ref.onset[i] - p.onset_tolerance - kSearchMargin,
                       ref.onset[i] + p.onset_tolerance + kSearchMargin, out);
      },
      [&](int i, int j) {
        return hit(round4(std::abs(ref.onset[i] - est.onset[j])), p.onset_tolerance, p.strict);
      });
}

Matching match_note_offsets(const NoteList& ref, const NoteList& est, const NoteParams& p) {
  validate_params(p);
  const double ratio = p.offset_ratio.value_or(0.2);
  std::vector<double> tol = offset_tolerances(ref, ratio, p.offset_min_tolerance);
  SortedKeys by_offset(est.offset);
  return match_graph(
      static_cast<int>(ref.size()), static_cast<int>(est.size()),
      [&](int i, std::vector<int>& out) {
        by_offset.range(ref.offset[i] - tol[i] - kSearchMargin, ref.offset[i] + tol[i] + kSearchMargin, out);
      },
      [&](int i, int j) { return hit(round4(std::abs(ref.offset[i] - est.offset[j])), tol[i], p.strict); });
}

Matching match_notes_velocity(const NoteList& ref, const NoteList& est, const NoteParams& p) {
  Matching m = match_notes(ref, est, p);
  if (m.empty() || ref.size() == 0) return {};
  // Reference velocities scaled to [0, 1] over the whole reference (range at least 1).
  auto [mn_it, mx_it] = std::minmax_element(ref.velocity.begin(), ref.velocity.end());
  const double vmin = *mn_it, range = std::max(1.0, *mx_it - vmin);
  const std::size_t n = m.size();
  std::vector<double> x(n), y(n);
  for (std::size_t k = 0; k < n; ++k) {
    y[k] = (ref.velocity[m[k].first] - vmin) / range;
    x[k] = est.velocity[m[k].second];
  }
  // Least squares y ≈ slope·x + intercept (np.linalg.lstsq; minimum-norm solution when all x agree).
  double xm = numpy_sum(x.data(), n) / n, ym = numpy_sum(y.data(), n) / n;
  double sxx = 0, sxy = 0;
  for (std::size_t k = 0; k < n; ++k) sxx += (x[k] - xm) * (x[k] - xm), sxy += (x[k] - xm) * (y[k] - ym);
  double slope, intercept;
  if (sxx > 0) {
    slope = sxy / sxx;
    intercept = ym - slope * xm;
  } else {
    slope = x[0] * ym / (x[0] * x[0] + 1.0);
    intercept = ym / (x[0] * x[0] + 1.0);
  }
  Matching kept;
  for (std::size_t k = 0; k < n; ++k)
    if (std::abs(slope * x[k] + intercept - y[k]) < p.velocity_tolerance) kept.push_back(m[k]);
  return kept;
}

double numpy_sum(const double* a, std::size_t n) {
  if (n < 8) {
    double r = 0.0;
    for (std::size_t i = 0; i < n; ++i) r += a[i];
    return r;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_sum(a, n2) + numpy_sum(a + n2, n - n2);
}

double average_overlap_ratio(const NoteList& ref, const NoteList& est, const Matching& m) {
  if (m.empty()) return 0.0;
  std::vector<double> ratios;
  ratios.reserve(m.size());
  for (auto [i, j] : m) {
    double r0 = ref.onset[i], r1 = ref.offset[i], e0 = est.onset[j], e1 = est.offset[j];
    ratios.push_back((std::min(r1, e1) - std::max(r0, e0)) / (std::max(r1, e1) - std::min(r0, e0)));
  }
  return numpy_sum(ratios.data(), ratios.size()) / static_cast<double>(ratios.size());
}

double f_measure(double precision, double recall, double beta) {
  if (precision == 0 && recall == 0) return 0.0;
  const double b2 = beta * beta;
  return (1 + b2) * precision * recall / (b2 * precision + recall);
}

PRF precision_recall_f1_overlap(const NoteList& ref, const NoteList& est, const NoteParams& p, bool velocity) {
  validate(ref);
  validate(est);
  if (ref.size() == 0 || est.size() == 0) return {};
  Matching m = velocity ? match_notes_velocity(ref, est, p) : match_notes(ref, est, p);
  PRF r;
  r.precision = static_cast<double>(m.size()) / est.size();
  r.recall = static_cast<double>(m.size()) / ref.size();
  r.f_measure = f_measure(r.precision, r.recall, p.beta);
  r.overlap = average_overlap_ratio(ref, est, m);
  return r;
}

PRF onset_precision_recall_f1(const NoteList& ref, const NoteList& est, const NoteParams& p) {
  validate(ref);
  validate(est);
  if (ref.size() == 0 || est.size() == 0) return {};
  Matching m = match_note_onsets(ref, est, p);
  PRF r;
  r.precision = static_cast<double>(m.size()) / est.size();
  r.recall = static_cast<double>(m.size()) / ref.size();
  r.f_measure = f_measure(r.precision, r.recall, p.beta);
  return r;
}

PRF offset_precision_recall_f1(const NoteList& ref, const NoteList& est, const NoteParams& p) {
  validate(ref);
  validate(est);
  if (ref.size() == 0 || est.size() == 0) return {};
  Matching m = match_note_offsets(ref, est, p);
  PRF r;
  r.precision = static_cast<double>(m.size()) / est.size();
  r.recall = static_cast<double>(m.size()) / ref.size();
  r.f_measure = f_measure(r.precision, r.recall, p.beta);
  return r;
}

double score(const Scores& s, const std::string& name) {
  for (const auto& [k, v] : s)
    if (k == name) return v;
  throw Error("no metric named '" + name + "'");
}

namespace {
void add_prfo(Scores& s, const PRF& r, const std::string& suffix, bool overlap = true) {
  s.emplace_back("Precision" + suffix, r.precision);
  s.emplace_back("Recall" + suffix, r.recall);
  s.emplace_back("F-measure" + suffix, r.f_measure);
  if (overlap) s.emplace_back("Average_Overlap_Ratio" + suffix, r.overlap);
}
}  // namespace

Scores evaluate_transcription(const NoteList& ref, const NoteList& est, const NoteParams& params) {
  Scores s;
  NoteParams p = params;
  if (p.offset_ratio) add_prfo(s, precision_recall_f1_overlap(ref, est, p), "");
  NoteParams no_off = p;
  no_off.offset_ratio.reset();
  add_prfo(s, precision_recall_f1_overlap(ref, est, no_off), "_no_offset");
  PRF on = onset_precision_recall_f1(ref, est, p);
  s.emplace_back("Onset_Precision", on.precision);
  s.emplace_back("Onset_Recall", on.recall);
  s.emplace_back("Onset_F-measure", on.f_measure);
  if (p.offset_ratio) {
    PRF off = offset_precision_recall_f1(ref, est, p);
    s.emplace_back("Offset_Precision", off.precision);
    s.emplace_back("Offset_Recall", off.recall);
    s.emplace_back("Offset_F-measure", off.f_measure);
  }
  return s;
}

Scores evaluate_velocity(const NoteList& ref, const NoteList& est, const NoteParams& p) {
  Scores s;
  if (p.offset_ratio) add_prfo(s, precision_recall_f1_overlap(ref, est, p, true), "");
  NoteParams no_off = p;
  no_off.offset_ratio.reset();
  add_prfo(s, precision_recall_f1_overlap(ref, est, no_off, true), "_no_offset");
  return s;
}

FrameRoll piano_roll(const std::vector<Note>& notes, double fps, bool pedal_offsets, std::size_t min_frames) {
  if (!(fps > 0)) throw Error("piano roll: frame rate must be > 0");
  FrameRoll roll;
  roll.fps = fps;
  std::size_t n_frames = min_frames;
  auto frame_of = [&](double t) { return static_cast<std::int64_t>(std::floor(std::max(t, 0.0) * fps)); };
  for (const Note& n : notes)
    n_frames = std::max<std::size_t>(n_frames, frame_of(pedal_offsets ? n.sound_offset : n.key_offset));
  roll.frames.assign(n_frames, {});
  for (const Note& n : notes) {
    if (n.pitch < 0 || n.pitch > 127) throw Error("piano roll: pitch out of MIDI range");
    std::int64_t b = frame_of(n.onset), e = frame_of(pedal_offsets ? n.sound_offset : n.key_offset);
    for (std::int64_t k = b; k < e; ++k) roll.frames[k].push_back(n.pitch);
  }
  for (auto& f : roll.frames) {
    std::sort(f.begin(), f.end());
    f.erase(std::unique(f.begin(), f.end()), f.end());
  }
  return roll;
}

// mir_eval.multipitch.metrics with est on the ref time grid. Within a frame the pitches are
// distinct MIDI numbers (±1e-13 after Hz round trip), so the maximum matching within 0.5 semitone
// has |R ∩ E| pairs, and Σ_class min(#R, #E) pairs when octaves are ignored (chroma).
Scores evaluate_frames(const FrameRoll& ref, const FrameRoll& est) {
  const std::size_t n = std::max(ref.frames.size(), est.frames.size());
  static const std::vector<int> empty;
  double tp = 0, tp_c = 0, n_ref = 0, n_est = 0, acc_den = 0, acc_den_c = 0;
  double sub = 0, miss = 0, fa = 0, tot = 0, sub_c = 0, tot_c = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto& r = k < ref.frames.size() ? ref.frames[k] : empty;
    const auto& e = k < est.frames.size() ? est.frames[k] : empty;
    int t = 0;
    for (std::size_t a = 0, b = 0; a < r.size() && b < e.size();) {
      if (r[a] == e[b]) ++t, ++a, ++b;
      else if (r[a] < e[b]) ++a;
      else ++b;
    }
    int cr[12] = {}, ce[12] = {}, tc = 0;
    for (int x : r) ++cr[x % 12];
    for (int x : e) ++ce[x % 12];
    for (int c = 0; c < 12; ++c) tc += std::min(cr[c], ce[c]);
    const double nr = r.size(), ne = e.size();
    tp += t, tp_c += tc, n_ref += nr, n_est += ne;
    acc_den += nr + ne - t, acc_den_c += nr + ne - tc;
    sub += std::min(nr, ne) - t, sub_c += std::min(nr, ne) - tc;
    miss += std::max(nr - ne, 0.0), fa += std::max(ne - nr, 0.0);
    tot += std::max(nr, ne) - t, tot_c += std::max(nr, ne) - tc;
  }
  Scores s;
  auto acc = [&](double t, double den, const std::string& pre) {
    double prec = n_est > 0 ? t / n_est : 0.0, rec = n_ref > 0 ? t / n_ref : 0.0;
    s.emplace_back(pre + "Precision", prec);
    s.emplace_back(pre + "Recall", rec);
    s.emplace_back(pre + "Accuracy", den > 0 ? t / den : 0.0);
  };
  auto err = [&](double su, double to, const std::string& pre) {
    bool z = n_ref == 0;
    s.emplace_back(pre + "Substitution Error", z ? 0.0 : su / n_ref);
    s.emplace_back(pre + "Miss Error", z ? 0.0 : miss / n_ref);
    s.emplace_back(pre + "False Alarm Error", z ? 0.0 : fa / n_ref);
    s.emplace_back(pre + "Total Error", z ? 0.0 : to / n_ref);
  };
  acc(tp, acc_den, "");
  err(sub, tot, "");
  acc(tp_c, acc_den_c, "Chroma ");
  err(sub_c, tot_c, "Chroma ");
  s.emplace_back("F-measure", f_measure(score(s, "Precision"), score(s, "Recall")));
  return s;
}

Scores evaluate_all(const std::vector<Note>& ref_notes, const std::vector<Note>& est_notes, const NoteParams& params,
                    double fps, const std::string& ref_name, const std::string& est_name) {
  NoteList ref = from_notes(ref_notes, true, ref_name), est = from_notes(est_notes, true, est_name);
  NoteParams with_off = params, no_off = params;
  if (!with_off.offset_ratio) with_off.offset_ratio = 0.2;
  no_off.offset_ratio.reset();
  Scores s;
  auto add = [&](const std::string& pre, const PRF& r) {
    s.emplace_back(pre + "_precision", r.precision);
    s.emplace_back(pre + "_recall", r.recall);
    s.emplace_back(pre + "_f1", r.f_measure);
    s.emplace_back(pre + "_overlap", r.overlap);
  };
  add("note", precision_recall_f1_overlap(ref, est, no_off));
  add("note_offset", precision_recall_f1_overlap(ref, est, with_off));
  add("note_velocity", precision_recall_f1_overlap(ref, est, no_off, true));
  add("note_offset_velocity", precision_recall_f1_overlap(ref, est, with_off, true));
  Scores f = evaluate_frames(piano_roll(ref_notes, fps), piano_roll(est_notes, fps));
  s.emplace_back("frame_precision", score(f, "Precision"));
  s.emplace_back("frame_recall", score(f, "Recall"));
  s.emplace_back("frame_f1", score(f, "F-measure"));
  s.emplace_back("frame_accuracy", score(f, "Accuracy"));
  return s;
}

}  // namespace pv::eval
