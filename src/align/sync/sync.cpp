#include "align/sync/sync.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "align/sync/gcc_phat.hpp"
#include "core/error.hpp"
#include "core/fftw_lock.hpp"
#include "core/parallel.hpp"
#include "core/progress.hpp"
#include "dsp/resampler.hpp"

namespace pv::sync {
namespace {

double rms(std::span<const float> v) {
  if (v.empty()) return 0.0;
  double s = 0.0;
  for (float f : v) s += static_cast<double>(f) * f;
  return std::sqrt(s / static_cast<double>(v.size()));
}

void scale_to_unit_rms(std::vector<float>& v) {
  const double r = rms(v);
  if (r <= 0.0) return;
  const auto g = static_cast<float>(1.0 / r);
  for (float& f : v) f *= g;
}

// Onset strength (half-wave rectified log-spectral flux), one value per hop.
std::vector<float> onset_envelope(std::span<const float> x, int rate, int hop) {
  const int frame = 256;
  const int bins = frame / 2 + 1;
  std::vector<float> env;
  if (x.size() < static_cast<std::size_t>(frame)) return env;
  const std::size_t frames = (x.size() - frame) / hop + 1;
  env.assign(frames, 0.0f);
  double* in = fftw_alloc_real(frame);
  fftw_complex* out = fftw_alloc_complex(bins);
  fftw_plan plan;
  {
    std::lock_guard lock(fftw_planner_mutex());
    plan = fftw_plan_dft_r2c_1d(frame, in, out, FFTW_ESTIMATE);
  }
  std::vector<double> window(frame), prev(bins, 0.0), cur(bins);
  for (int i = 0; i < frame; ++i) window[i] = 0.5 - 0.5 * std::cos(2.0 * M_PI * (i + 0.5) / frame);
  const int lo = std::max(1, static_cast<int>(30.0 * frame / rate));
  for (std::size_t f = 0; f < frames; ++f) {
    const float* p = x.data() + f * hop;
    for (int i = 0; i < frame; ++i) in[i] = p[i] * window[i];
    fftw_execute(plan);
    double flux = 0.0;
    for (int k = lo; k < bins; ++k) {
      cur[k] = std::log1p(10.0 * std::hypot(out[k][0], out[k][1]));
      if (f > 0) flux += std::max(0.0, cur[k] - prev[k]);
    }
    std::swap(prev, cur);
    env[f] = static_cast<float>(flux);
  }
  {
    std::lock_guard lock(fftw_planner_mutex());
    fftw_destroy_plan(plan);
  }
  fftw_free(in);
  fftw_free(out);
  // Remove the slowly varying part (a 1 s moving average) so that only onsets correlate.
  const std::size_t half = static_cast<std::size_t>(rate / hop / 2);
  std::vector<double> cum(frames + 1, 0.0);
  for (std::size_t i = 0; i < frames; ++i) cum[i + 1] = cum[i] + env[i];
  std::vector<float> hp(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    const std::size_t a = i > half ? i - half : 0, b = std::min(frames, i + half + 1);
    hp[i] = env[i] - static_cast<float>((cum[b] - cum[a]) / static_cast<double>(b - a));
  }
  return hp;
}

struct Line {
  double a = 0.0, b = 0.0;
  double at(double t) const { return a + b * t; }
};

// Weighted least squares o = a + b t over the chosen windows (slope fixed at 0 when `fit_slope` is off).
Line fit_line(const std::vector<WindowOffset>& w, const std::vector<int>& idx, bool fit_slope) {
  double sw = 0, st = 0, so = 0, stt = 0, sto = 0;
  for (int i : idx) {
    const double wt = w[i].psr;
    sw += wt;
    st += wt * w[i].ref_time;
    so += wt * w[i].offset;
    stt += wt * w[i].ref_time * w[i].ref_time;
    sto += wt * w[i].ref_time * w[i].offset;
  }
  Line l;
  if (sw <= 0) return l;
  const double den = sw * stt - st * st;
  if (fit_slope && den > 1e-12 * sw * sw) {
    l.b = (sw * sto - st * so) / den;
    l.a = (so - l.b * st) / sw;
  } else {
    l.a = so / sw;
  }
  return l;
}


// The best-supported line through pairs of points (|slope| <= max_slope, within `tol`), refined by
// weighted least squares on its inliers (returned in `in`).
Line robust_line(const std::vector<WindowOffset>& w, double tol, double max_slope, std::vector<int>& in) {
  auto inliers_of = [&](const Line& l) {
    std::vector<int> r;
    for (int i = 0; i < static_cast<int>(w.size()); ++i)
      if (std::abs(w[i].offset - l.at(w[i].ref_time)) <= tol) r.push_back(i);
    return r;
  };
  auto score_of = [&](const std::vector<int>& r) {
    double s = 0;
    for (int i : r) s += w[i].psr + 1e-9;
    return s;
  };
  Line best;
  double best_score = -1;
  auto consider = [&](const Line& l) {
    const double sc = score_of(inliers_of(l));
    if (sc > best_score) {
      best_score = sc;
      best = l;
    }
  };
  const std::size_t ns = w.size();
  for (std::size_t p = 0; p < ns; ++p) {
    consider({w[p].offset, 0.0});
    for (std::size_t q = p + 1; q < ns; ++q) {
      if (w[q].ref_time - w[p].ref_time < 1.0) continue;
      const double slope = (w[q].offset - w[p].offset) / (w[q].ref_time - w[p].ref_time);
      if (std::abs(slope) <= max_slope) consider({w[p].offset - slope * w[p].ref_time, slope});
    }
  }
  in = inliers_of(best);
  Line line = best;
  for (int iter = 0; iter < 3 && in.size() >= 2; ++iter) {
    line = fit_line(w, in, w[in.back()].ref_time - w[in.front()].ref_time >= 20.0);
    auto next = inliers_of(line);
    if (next.empty()) break;
    in = std::move(next);
  }
  return line;
}

}  // namespace

std::vector<float> resample(std::span<const float> in, double in_rate, double out_rate) {
  return dsp::resample(in, in_rate, out_rate, dsp::ResampleQuality::High);
}

namespace {

// Set on the thread that measures the second direction: one progress bar is shown, not two.
thread_local bool quiet_progress = false;

// One estimate. `seed`: a known coarse line (offset at ref_time 0, slope) that replaces the
// onset-envelope stage.
Result estimate_pass(std::span<const float> ref_in, int ref_rate, std::span<const float> tgt_in, int tgt_rate,
                     const Options& opt, const Line* seed = nullptr) {
  if (ref_rate <= 0 || tgt_rate <= 0) throw Error("sync: sample rate must be positive");
  if (ref_in.empty()) throw Error("sync: the reference audio is empty");
  if (tgt_in.empty()) throw Error("sync: the target audio is empty");
  const int fs = std::min({opt.analysis_rate, ref_rate, tgt_rate});
  if (fs < 2000) throw Error("sync: sample rate too low (" + std::to_string(fs) + " Hz; need at least 2000)");
  if (opt.window_s <= 0 || opt.hop_s <= 0 || opt.coarse_window_s <= 0 || opt.coarse_windows < 1)
    throw Error("sync: window lengths and counts must be positive");

  // Silence is judged on the input (about -100 dBFS RMS).
  if (rms(ref_in) < 1e-5) throw Error("sync: the reference audio is silent");
  if (rms(tgt_in) < 1e-5) throw Error("sync: the target audio is silent");

  std::vector<float> x = resample(ref_in, ref_rate, fs);
  std::vector<float> y = resample(tgt_in, tgt_rate, fs);  // replaced below by its de-drifted version
  scale_to_unit_rms(x);
  scale_to_unit_rms(y);
  const double min_len_s = 1.0;
  if (x.size() < min_len_s * fs) throw Error("sync: the reference audio is shorter than 1 s");
  if (y.size() < min_len_s * fs) throw Error("sync: the target audio is shorter than 1 s");

  const double max_drift = opt.max_drift_ppm * 1e-6;
  const double max_off = opt.max_offset_s > 0 ? opt.max_offset_s : 1e30;
  Result res;

  // --- Coarse: GCC-PHAT of onset envelopes, reference excerpts against the whole target.
  const int hop = std::max(1, fs / 200);
  const double env_rate = static_cast<double>(fs) / hop;
  const std::vector<float> ex = onset_envelope(x, fs, hop);
  const std::vector<float> ey = onset_envelope(y, fs, hop);
  const long er = static_cast<long>(ex.size()), et = static_cast<long>(ey.size());
  const long lw = std::min(er, static_cast<long>(opt.coarse_window_s * env_rate));
  // Excerpts every ~20 s (at most coarse_windows of them).
  const int kc = lw >= er ? 1
                          : std::clamp(static_cast<int>(std::ceil((er - lw) / (20.0 * env_rate))) + 1, 2,
                                       std::max(2, opt.coarse_windows));
  std::vector<WindowOffset> coarse;
  if (seed) {
    coarse.push_back({0.0, seed->a, 1.0, false});
  } else {
    GccPhat gcc(GccPhat::fft_size_for(static_cast<std::size_t>(lw + et)));
    const double env_rms = rms(ex);
    // Each excerpt's correlation over the offset o (frames), kept to be stacked: a repetitive piece
    // in a reverberant room can give one excerpt a stronger peak at a repeat than at the truth,
    // but only the truth adds up over all excerpts.
    const long o_lo = -er, o_hi = et;
    std::vector<double> ostack(static_cast<std::size_t>(o_hi - o_lo + 1), 0.0);
    struct Excerpt {
      long a, omin, omax;
      std::vector<float> corr;  // index o - omin
    };
    std::vector<Excerpt> excerpts;
    for (int k = 0; k < kc; ++k) {
      const long a = kc == 1 ? 0 : static_cast<long>(std::llround(static_cast<double>(er - lw) * k / (kc - 1)));
      std::span<const float> xs(ex.data() + a, static_cast<std::size_t>(lw));
      if (rms(xs) < 0.1 * env_rms) continue;
      // offset o (frames) = lag - a: the excerpt [a, a + lw) lands on [a + o, a + o + lw) of the target,
      // which it must overlap by min_overlap (this also keeps the lag inside the linear part of the
      // correlation); o also stays within the user's limit.
      const long min_overlap = std::min(lw, static_cast<long>(env_rate)) / 2;
      const double lim = std::min(max_off * env_rate, 1e15);
      const long omin = std::max(-(a + lw) + min_overlap, static_cast<long>(-lim));
      const long omax = std::min(et - a - min_overlap, static_cast<long>(lim));
      if (omin > omax) continue;
      gcc.find(xs, ey, omin + a, omax + a, Weighting{0.0, 0.5, 1.0}, 2);
      Excerpt e{a, omin, omax, {}};
      const long n = static_cast<long>(gcc.size());
      for (long o = omin; o <= omax; ++o) {
        const long lag = o + a;
        e.corr.push_back(static_cast<float>(gcc.correlation()[lag >= 0 ? lag : lag + n]));
      }
      excerpts.push_back(std::move(e));
    }
    // Stack with a tolerance for drift: each excerpt adds its largest value within the offset change
    // the drift limit allows between it and the middle of the reference.
    const double t_mid_env = er / 2.0;
    for (const Excerpt& e : excerpts) {
      const long tol = 1 + static_cast<long>(std::ceil(max_drift * std::abs(e.a + lw / 2.0 - t_mid_env)));
      for (long o = std::max(o_lo, e.omin - tol); o <= std::min(o_hi, e.omax + tol); ++o) {
        float best = -1e30f;
        for (long q = std::max(e.omin, o - tol); q <= std::min(e.omax, o + tol); ++q) best = std::max(best, e.corr[q - e.omin]);
        if (best > -1e30f) ostack[o - o_lo] += best;
      }
    }
    const long o_star = o_lo + static_cast<long>(std::max_element(ostack.begin(), ostack.end()) - ostack.begin());
    // Each excerpt's own peak near the stacked offset becomes a point of the coarse line.
    for (const Excerpt& e : excerpts) {
      const long tol = 2 + static_cast<long>(std::ceil(max_drift * std::abs(e.a + lw / 2.0 - t_mid_env)));
      const long q0 = std::max(e.omin + 1, o_star - tol), q1 = std::min(e.omax - 1, o_star + tol);
      if (q0 > q1) continue;
      long qb = q0;
      for (long q = q0; q <= q1; ++q)
        if (e.corr[q - e.omin] > e.corr[qb - e.omin]) qb = q;
      double o = static_cast<double>(qb);
      const double l = e.corr[qb - 1 - e.omin], c = e.corr[qb - e.omin], r = e.corr[qb + 1 - e.omin];
      if (l - 2 * c + r < 0) o += std::clamp(0.5 * (l - r) / (l - 2 * c + r), -1.0, 1.0);
      double s1 = 0, s2 = 0;
      for (float v : e.corr) s1 += v, s2 += static_cast<double>(v) * v;
      const double nn = static_cast<double>(e.corr.size());
      const double sd = std::sqrt(std::max(1e-300, s2 / nn - (s1 / nn) * (s1 / nn)));
      coarse.push_back({(e.a + lw / 2.0) / env_rate, o / env_rate, std::max(0.0, (c - s1 / nn) / sd), false});
    }
  }
  if (coarse.empty()) throw Error("sync: no part of the reference has enough onsets to correlate");
  std::vector<int> cin;
  const Line cline = seed ? *seed : robust_line(coarse, 0.01, max_drift, cin);
  const double cspan = cin.size() >= 3 ? coarse[cin.back()].ref_time - coarse[cin.front()].ref_time : 0.0;
  // Slope uncertainty of the coarse line (a few ms of envelope error over its span).
  const double dslope = seed || cspan < 60.0 ? max_drift : std::clamp(0.01 / cspan, 5e-6, max_drift);
  // Undo the coarse drift on the target clock (tau = target_time / (1 + drift)): within a fine window a
  // drift of a few hundred ppm would smear the sharp GCC-PHAT peaks over several samples.
  const double pre_drift = !seed && cspan >= 60.0 ? cline.b : 0.0;
  if (pre_drift != 0.0) y = resample(y, fs, fs / (1.0 + pre_drift));
  const double b_c = 0.0;

  // --- Fine: GCC-PHAT windows along the reference, searched around the coarse line.
  const long wlen = std::min(static_cast<long>(x.size()), static_cast<long>(opt.window_s * fs));
  const long whop = std::max(1L, static_cast<long>(opt.hop_s * fs));
  const long nwin = 1 + (static_cast<long>(x.size()) - wlen) / whop;
  const double t_mid = x.size() / 2.0 / fs;
  // coarse offset at t_mid on the de-drifted target clock
  const double c_c = (cline.at(t_mid) + t_mid) / (1.0 + pre_drift) - t_mid;
  res.coarse_offset = cline.a;
  auto coarse_at = [&](double t) { return c_c + b_c * (t - t_mid); };
  const Weighting band{opt.band_low_hz / fs, std::min(0.5, opt.band_high_hz / fs), opt.phat_beta};
  const long exclude = std::max(2L, static_cast<long>(0.001 * fs));
  const long kstack = static_cast<long>(0.08 * fs);  // stacked lags +-80 ms around a candidate line
  std::map<std::size_t, std::unique_ptr<GccPhat>> correlators;
  std::vector<float> seg;
  struct Window {
    double t;
    long lag0;  // target sample index minus reference sample index at corr[0]
    std::vector<float> corr;
  };
  std::vector<Window> wins;
  std::vector<double> auto_ref(2 * kstack + 1, 0.0), auto_tgt(2 * kstack + 1, 0.0);
  std::optional<Progress> progress;
  if (!quiet_progress) progress.emplace("sync", nwin);
  for (long j = 0; j < nwin; ++j) {
    if (progress) progress->update(j);
    const long sx = j * whop;
    const double tc = (sx + wlen / 2.0) / fs;
    std::span<const float> xs(x.data() + sx, static_cast<std::size_t>(wlen));
    if (rms(xs) < 0.05) continue;  // quiet passage (-26 dB below the reference's RMS)
    const long m = kstack + static_cast<long>(std::ceil((0.01 + dslope * std::abs(tc - t_mid)) * fs));
    const long sy = sx + static_cast<long>(std::llround(coarse_at(tc) * fs)) - m;
    const long ylen = wlen + 2 * m;
    const long cover_a = std::max(sy + m, 0L), cover_b = std::min(sy + m + wlen, static_cast<long>(y.size()));
    if (cover_b - cover_a < wlen / 2) continue;  // the target does not cover this window
    seg.assign(static_cast<std::size_t>(ylen), 0.0f);
    const long ca = std::max(sy, 0L), cb = std::min(sy + ylen, static_cast<long>(y.size()));
    std::copy(y.begin() + ca, y.begin() + cb, seg.begin() + (ca - sy));
    if (rms(seg) < 0.05 * std::sqrt(static_cast<double>(cb - ca) / ylen)) continue;
    const std::size_t n = GccPhat::fft_size_for(static_cast<std::size_t>(wlen + ylen));
    auto& gcc = correlators[n];
    if (!gcc) gcc = std::make_unique<GccPhat>(n);
    gcc->find(xs, seg, 0, 2 * m, band, exclude);
    wins.push_back({tc, sy - sx, std::vector<float>(gcc->correlation(), gcc->correlation() + 2 * m + 1)});
    // Whitened autocorrelations: each recording's own reflection delays (used to tell which of two
    // stacked peaks is the direct sound).
    gcc->find(xs, xs, 0, 2 * kstack, band, exclude);
    for (long k = 0; k <= 2 * kstack; ++k) auto_ref[k] += gcc->correlation()[k];
    std::span<const float> ys(seg.data() + m, static_cast<std::size_t>(wlen));
    gcc->find(ys, ys, 0, 2 * kstack, band, exclude);
    for (long k = 0; k <= 2 * kstack; ++k) auto_tgt[k] += gcc->correlation()[k];
  }
  if (progress) progress->finish();
  if (wins.empty()) throw Error("sync: the two recordings do not overlap in any passage with sound");
  res.windows_voiced = static_cast<int>(wins.size());

  // Stack the windows' correlations along lines o(t) = c + b (t - t_mid): along the right slope the
  // direct sound and the rooms' reflections add up coherently, far above one window's noise.
  std::vector<double> stack(2 * kstack + 1);
  auto build = [&](double b, std::vector<double>& st) {
    std::fill(st.begin(), st.end(), 0.0);
    for (const auto& w : wins) {
      const long base = std::lround((c_c + b * (w.t - t_mid)) * fs) - w.lag0 - kstack;
      const long n = static_cast<long>(w.corr.size());
      for (long k = 0; k <= 2 * kstack; ++k) {
        const long i = base + k;
        if (i >= 0 && i < n) st[k] += w.corr[i];
      }
    }
  };
  double b_best = b_c, score_best = -1e300;
  {
    double half_span = 0;
    for (const auto& w : wins) half_span = std::max(half_span, std::abs(w.t - t_mid));
    const double step = half_span > 0 ? 0.25 / fs / half_span : 2 * dslope;
    const long steps = std::min(4000L, static_cast<long>(std::ceil(dslope / step)));
    std::vector<double> st(stack.size());
    for (long i = -steps; i <= steps; ++i) {
      const double b = b_c + (steps ? dslope * static_cast<double>(i) / steps : 0.0);
      build(b, st);
      const double peak = *std::max_element(st.begin(), st.end());
      if (peak > score_best) {
        score_best = peak;
        b_best = b;
      }
    }
  }
  build(b_best, stack);

  // In a room the strongest stacked peak can be a reflection: the direct sound reaches the (more
  // distant) target first, so take the earliest local maximum that comes close to the strongest.
  long kmax = 0;
  for (long k = 1; k < static_cast<long>(stack.size()); ++k)
    if (stack[k] > stack[kmax]) kmax = k;
  auto is_max = [&](long k) { return stack[k] >= stack[k - 1] && stack[k] > stack[k + 1]; };
  // A peak that sits one of the reference's own reflection delays before a comparable later peak is
  // that reflection (reference echo x target direct), not the direct sound.
  auto echo_of_ref = [&](long k) {
    for (long l = k + exclude; l < static_cast<long>(stack.size()) - 1; ++l) {
      if (!is_max(l) || stack[l] < 0.7 * stack[k]) continue;
      const long g = l - k;
      if (g > 2 * kstack - 1) break;
      double rx = 0, ry = 0;
      for (long d = std::max(1L, g - 1); d <= g + 1; ++d) {
        rx = std::max(rx, auto_ref[d] / auto_ref[0]);
        ry = std::max(ry, auto_tgt[d] / auto_tgt[0]);
      }
      if (rx >= 0.04 && rx > 4.0 * ry) return true;
    }
    return false;
  };
  long kbest = kmax;
  auto reverberance = [&](const std::vector<double>& ac) {
    double e = 0;
    for (long d = 2 * exclude; d <= 2 * kstack; ++d) e += ac[d] * ac[d];
    return ac[0] > 0 ? e / (ac[0] * ac[0]) : 0.0;
  };
  res.reference_reverb = reverberance(auto_ref);
  res.target_reverb = reverberance(auto_tgt);
  for (long k = 1; k < kmax; ++k)
    if (is_max(k) && stack[k] >= opt.direct_peak_ratio * stack[kmax] && !echo_of_ref(k)) {
      kbest = k;
      break;
    }
  {
    // Stacked energy before vs after the chosen peak, symmetrically around it: with a drier
    // reference the room's reflections all come after the direct sound.
    double pre = 0, post = 0;
    const long span = std::min(kbest, static_cast<long>(stack.size()) - 1 - kbest);
    for (long d = exclude + 1; d <= span; ++d) {
      pre += std::pow(std::max(0.0, stack[kbest - d]), 2);
      post += std::pow(std::max(0.0, stack[kbest + d]), 2);
    }
    res.pre_peak_energy = pre + post > 0 ? pre / (pre + post) : 0.5;
  }
  double sum = 0, sum2 = 0;
  long cnt = 0;
  for (long k = 0; k < static_cast<long>(stack.size()); ++k) {
    if (std::abs(k - kmax) <= exclude) continue;
    sum += stack[k];
    sum2 += stack[k] * stack[k];
    ++cnt;
  }
  const double smean = cnt ? sum / cnt : 0.0;
  const double sstd = cnt ? std::sqrt(std::max(0.0, sum2 / cnt - smean * smean)) : 0.0;
  res.psr = sstd > 0 ? (stack[kmax] - smean) / sstd : 0.0;
  double delta = static_cast<double>(kbest - kstack);
  if (kbest > 0 && kbest + 1 < static_cast<long>(stack.size())) {
    const double a = stack[kbest - 1], b = stack[kbest], c = stack[kbest + 1];
    const double den = a - 2 * b + c;
    if (den < 0) delta += std::clamp(0.5 * (a - c) / den, -1.0, 1.0);
  }
  const double c_final = c_c + delta / fs;
  const Line chosen{c_final - b_best * t_mid, b_best};

  // How much of the stack adds up coherently: ~0 for unrelated recordings (the windows'
  // correlations are independent noise), up to 1 for identical ones.
  double e_stack = 0.0, e_sum = 0.0;
  for (double v : stack) e_stack += v * v;
  for (const auto& w : wins) {
    const long base = std::lround((c_c + b_best * (w.t - t_mid)) * fs) - w.lag0 - kstack;
    for (long k = 0; k <= 2 * kstack; ++k) {
      const long i = base + k;
      if (i >= 0 && i < static_cast<long>(w.corr.size())) e_sum += static_cast<double>(w.corr[i]) * w.corr[i];
    }
  }
  const double coherence =
      wins.size() > 1 && e_sum > 0
          ? std::clamp((e_stack / e_sum - 1.0) / (static_cast<double>(wins.size()) - 1.0), 0.0, 1.0)
          : 1.0;

  // Each window's own peak next to the chosen alignment (for the report and the residual).
  auto& w = res.windows;
  for (const auto& win : wins) {
    const double want = chosen.at(win.t) * fs - win.lag0;
    const long n = static_cast<long>(win.corr.size());
    const long lo = std::max(1L, static_cast<long>(std::floor(want)) - exclude);
    const long hi = std::min(n - 2, static_cast<long>(std::ceil(want)) + exclude);
    if (lo > hi) continue;
    long kb = lo;
    for (long k = lo; k <= hi; ++k)
      if (win.corr[k] > win.corr[kb]) kb = k;
    double lag = static_cast<double>(kb);
    const double a = win.corr[kb - 1], b = win.corr[kb], c = win.corr[kb + 1];
    const double den = a - 2 * b + c;
    if (den < 0) lag += std::clamp(0.5 * (a - c) / den, -1.0, 1.0);
    double s1 = 0, s2 = 0;
    for (float v : win.corr) {
      s1 += v;
      s2 += static_cast<double>(v) * v;
    }
    const double nn = static_cast<double>(n);
    const double sd = std::sqrt(std::max(1e-300, s2 / nn - (s1 / nn) * (s1 / nn)));
    const double off = (lag + win.lag0) / fs;
    const double psr = (b - s1 / nn) / sd;
    w.push_back({win.t, off, psr, psr >= opt.min_psr && std::abs(off - chosen.at(win.t)) <= opt.inlier_tol_s});
  }
  // Back to the target's own clock: target_time = (1 + pre_drift) tau.
  const double g = 1.0 + pre_drift;
  for (auto& v : w) v.offset = g * (v.ref_time + v.offset) - v.ref_time;
  const Line final_line{g * chosen.a, g * (1.0 + chosen.b) - 1.0};
  double sse = 0;
  for (const auto& v : w)
    if (v.inlier) {
      ++res.windows_used;
      sse += std::pow(v.offset - final_line.at(v.ref_time), 2);
    }
  res.offset = final_line.a;
  res.drift_ppm = final_line.b * 1e6;
  res.residual_rms_s = res.windows_used ? std::sqrt(sse / res.windows_used) : 0.0;
  res.confidence = coherence;
  if (coherence < opt.min_coherence)
    throw Error("sync: no consistent offset between the two recordings (coherence " + std::to_string(coherence) +
                "; are they recordings of the same sound?)");
  return res;
}


// `seed`: a coarse line known from elsewhere, replacing the first pass's onset-envelope stage.
Result one_way(std::span<const float> ref, int ref_rate, std::span<const float> tgt, int tgt_rate,
               const Options& opt, const Line* seed_in = nullptr) {
  // First pass: offset and drift. Within one fine window a drift left in the target smears the sharp
  // direct-sound peak (300 ppm over 3 s: 0.9 ms) while the broad reverberant part survives, so a
  // drift found here is undone on the whole target and the offset measured again on the de-drifted
  // target, where only a small residual drift is searched.
  Options first = opt;
  first.min_coherence = -1.0;
  const Result r1 = estimate_pass(ref, ref_rate, tgt, tgt_rate, first, seed_in);
  if (std::abs(r1.drift_ppm) < opt.redrift_ppm) {
    if (r1.confidence < opt.min_coherence) return estimate_pass(ref, ref_rate, tgt, tgt_rate, opt, seed_in);  // throws
    return r1;
  }
  const double g1 = 1.0 + r1.drift_ppm * 1e-6;
  // De-drifted target: its time tau = target_time / g1, sampled at tgt_rate.
  const std::vector<float> y = resample(tgt, tgt_rate, tgt_rate / g1);
  Options second = opt;
  second.max_drift_ppm = std::min(opt.max_drift_ppm, opt.redrift_ppm);
  // The first pass's onset-envelope offset (not its chosen peak, which may be a reflection) on the
  // de-drifted clock.
  const Line seed{r1.coarse_offset / g1, 0.0};
  // The second pass finds its own onset-envelope line on the de-drifted target; when that disagrees
  // with the first pass (a repetitive passage can fool one excerpt), the first pass's centres it.
  Result r = estimate_pass(ref, ref_rate, y, tgt_rate, second);
  if (std::abs(r.coarse_offset - seed.a) > 0.02) r = estimate_pass(ref, ref_rate, y, tgt_rate, second, &seed);
  // tau = o2 + (1 + d2) t  ->  target_time = g1 o2 + g1 (1 + d2) t.
  const double g2 = 1.0 + r.drift_ppm * 1e-6;
  r.offset *= g1;
  r.drift_ppm = (g1 * g2 - 1.0) * 1e6;
  r.coarse_offset = r1.coarse_offset;
  for (auto& w : r.windows) w.offset = g1 * (w.ref_time + w.offset) - w.ref_time;
  r.residual_rms_s *= g1;
  return r;
}

// y = a + (1 + b) x seen from the other side: x = -a / (1 + b) + y / (1 + b).
Line inverse(const Line& l) {
  const double g = 1.0 + l.b;
  return {-l.a / g, 1.0 / g - 1.0};
}

// The same estimate with the roles exchanged, expressed in the caller's convention.
Result inverted(const Result& b) {
  const Line l = inverse({b.offset, b.drift_ppm * 1e-6});
  Result r = b;
  r.offset = l.a;
  r.drift_ppm = l.b * 1e6;
  r.coarse_offset = -b.coarse_offset;
  std::swap(r.reference_reverb, r.target_reverb);
  r.windows.clear();
  for (const auto& w : b.windows) r.windows.push_back({w.ref_time + w.offset, -w.offset, w.psr, w.inlier});
  return r;
}

}  // namespace

Result estimate(std::span<const float> ref, int ref_rate, std::span<const float> tgt, int tgt_rate,
                const Options& opt) {
  // The direct sound is told from reflections by the side they fall on: the earliest strong stacked
  // peak is taken, which is right when the reference is the drier recording. Both directions are
  // measured; the one whose chosen peak has the least stacked energy before it (the reflections of
  // a drier reference fall after its direct sound) wins.
  // The two directions are measured at the same time, the second on its own thread.
  Result a, b;
  bool have_a = false, have_b = false;
  std::string why;
  run_parts(opt.both_directions ? 2 : 1, [&](int k) {
    try {
      if (k == 0) {
        a = one_way(ref, ref_rate, tgt, tgt_rate, opt);
        have_a = true;
      } else {
        quiet_progress = true;
        b = inverted(one_way(tgt, tgt_rate, ref, ref_rate, opt));
        have_b = true;
      }
    } catch (const Error& e) {
      if (k == 0) why = e.what();
    }
  });
  if (!have_a && !have_b) throw Error(why);
  // A repetitive piece can lead one direction's onset-envelope stage to a repeat, seconds off, where
  // nothing adds up and that direction gives up; when it is the drier-reference one, the other
  // direction alone would be left to pick a reflection. It is measured again from the other's
  // coarse offset.
  if (have_a != have_b && opt.both_directions) {
    try {
      if (!have_a) {
        const Line seed{b.coarse_offset, b.drift_ppm * 1e-6};
        a = one_way(ref, ref_rate, tgt, tgt_rate, opt, &seed);
        have_a = true;
      } else {
        const Line seed = inverse({a.coarse_offset, a.drift_ppm * 1e-6});
        b = inverted(one_way(tgt, tgt_rate, ref, ref_rate, opt, &seed));
        have_b = true;
      }
    } catch (const Error&) {
    }
  }
  if (!have_a) return b;
  if (!have_b) return a;
  return b.pre_peak_energy < a.pre_peak_energy ? b : a;
}


Performance map_performance(const Performance& perf, const Result& s, Direction dir) {
  auto map = [&](double t) { return dir == Direction::ReferenceToTarget ? s.to_target(t) : s.to_reference(t); };
  Performance out = perf;
  for (auto& n : out.notes) {
    n.onset = map(n.onset);
    n.key_offset = map(n.key_offset);
    n.sound_offset = map(n.sound_offset);
  }
  for (auto& p : out.pedals) p.time = map(p.time);
  for (auto& t : out.tempos) t.time = map(t.time);
  out.sort();
  return out;
}

}  // namespace pv::sync
