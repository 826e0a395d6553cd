#include "align/refine.hpp"

#include <fftw3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <set>

#include "core/fftw_lock.hpp"
#include "core/parallel.hpp"
#include "core/error.hpp"

namespace pv::align {
namespace {

constexpr double kDbStep = 0.75, kDbBase = -160.0;  // AttackGram quantisation

double db_of(std::uint8_t q) { return kDbBase + kDbStep * q; }

// Power of every byte, and the power thresholds between neighbouring bytes (byte q+1 from
// threshold[q] up): the same rounding as attack_gram_quantise without a logarithm per value.
struct PowerTables {
  std::array<double, 256> power;
  std::array<double, 255> threshold;
  PowerTables() {
    for (int q = 0; q < 256; ++q) power[q] = std::pow(10.0, db_of(static_cast<std::uint8_t>(q)) / 10.0);
    for (int q = 0; q < 255; ++q) threshold[q] = std::pow(10.0, (kDbBase + kDbStep * (q + 0.5)) / 10.0);
  }
};
const PowerTables& power_tables() {
  static const PowerTables t;
  return t;
}

}  // namespace

double attack_gram_db(std::uint8_t q) { return db_of(q); }
std::uint8_t attack_gram_quantise(double db) {
  return static_cast<std::uint8_t>(std::clamp(std::lround((db - kDbBase) / kDbStep), 0L, 255L));
}
double attack_gram_power(std::uint8_t q) { return power_tables().power[q]; }
std::uint8_t attack_gram_quantise_power(double p) {
  if (!(p > 0.0)) return 0;
  const auto& th = power_tables().threshold;
  // First guess from the binary exponent (log2 p ≈ e - 2 + 2m for m in [0.5, 1): within 0.09 of
  // log2, i.e. 0.35 of a step); the guess is then moved to the exact threshold.
  int e = 0;
  const double m = std::frexp(p, &e);
  const double db = 10.0 * std::numbers::log10e * std::numbers::ln2 * (e - 2 + 2.0 * m);
  int q = static_cast<int>(std::clamp(std::lround((db - kDbBase) / kDbStep), 0L, 255L));
  while (q < 255 && p >= th[q]) ++q;
  while (q > 0 && p < th[q - 1]) --q;
  return static_cast<std::uint8_t>(q);
}

AttackGram attack_gram(const std::vector<float>& signal, int rate, int window, int hop, int threads) {
  if (rate <= 0 || window < 16 || hop <= 0) throw Error("attack_gram: bad parameters");
  AttackGram g;
  g.rate = rate, g.hop = hop, g.window = window;
  const double bin_hz = static_cast<double>(rate) / window;
  const int nbins = window / 2 + 1;
  // Bands: single bins from 150 Hz to 2 kHz, sixth-octave bands above, up to 8.6 kHz (or Nyquist).
  std::vector<std::pair<int, int>> bins;  // [first, last] FFT bin of each band
  int k = std::max(1, static_cast<int>(std::ceil(150.0 / bin_hz)));
  for (; k * bin_hz <= 2000.0 && k < nbins; ++k) bins.push_back({k, k});
  const double top = std::min(8600.0, 0.45 * rate);
  for (double lo = k * bin_hz; lo < top && k < nbins;) {
    const double hi = lo * std::pow(2.0, 1.0 / 6.0);
    int last = k;
    while (last + 1 < nbins && (last + 1) * bin_hz < hi) ++last;
    bins.push_back({k, last});
    k = last + 1;
    lo = k * bin_hz;
  }
  for (const auto& [a, b] : bins) {
    g.band_lo_hz.push_back((a - 0.5) * bin_hz);
    g.band_hi_hz.push_back((b + 0.5) * bin_hz);
  }
  const int B = g.bands();
  const std::size_t T = signal.size() / hop + 1;
  g.data.assign(T * B, 0);
  std::vector<float> win(window);
  double wsum = 0.0;
  for (int i = 0; i < window; ++i) {
    win[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / window));
    wsum += win[i];
  }
  // Power relative to a full-scale sinusoid at a bin centre.
  const double ref = 0.25 * wsum * wsum;
  const long long n = static_cast<long long>(signal.size());
  // Frames [t0, t1): one FFT buffer and plan per thread.
  auto frames = [&](std::size_t t0, std::size_t t1) {
    float* in = static_cast<float*>(fftwf_malloc(sizeof(float) * window));
    auto* out = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * nbins));
    fftwf_plan plan = nullptr;
    if (in && out) {
      std::lock_guard lock(fftw_planner_mutex());
      plan = fftwf_plan_dft_r2c_1d(window, in, out, FFTW_ESTIMATE);
    }
    if (plan) {
      for (std::size_t t = t0; t < t1; ++t) {
        const long long start = static_cast<long long>(t) * hop - window / 2;
        for (int i = 0; i < window; ++i) {
          const long long s = start + i;
          in[i] = s >= 0 && s < n ? signal[static_cast<std::size_t>(s)] * win[i] : 0.0f;
        }
        fftwf_execute(plan);
        std::uint8_t* row = g.data.data() + t * B;
        for (int b = 0; b < B; ++b) {
          double p = 0.0;
          for (int q = bins[b].first; q <= bins[b].second; ++q) p += out[q][0] * out[q][0] + out[q][1] * out[q][1];
          row[b] = attack_gram_quantise_power(p / ref);
        }
      }
      std::lock_guard lock(fftw_planner_mutex());
      fftwf_destroy_plan(plan);
    }
    fftwf_free(in);
    fftwf_free(out);
    return plan != nullptr;
  };
  const int parts = std::clamp(threads, 1, 16);
  run_parts(parts, [&](int k) {
    if (!frames(T * k / parts, T * (k + 1) / parts)) throw Error("attack_gram: out of memory");
  });
  return g;
}

namespace {

// Onset strength of a band set at frame i: the summed rise (dB) of every band above its own maximum
// over the frames i-lag .. i-2, levels floored at `floor_db`.
struct Onsets {
  const AttackGram& g;
  std::vector<int> bands;
  double floor_db;
  int lag;
  double at(long long i) const {
    if (i - lag < 0 || i >= static_cast<long long>(g.frames())) return 0.0;
    const int B = g.bands();
    const std::uint8_t* now = g.data.data() + static_cast<std::size_t>(i) * B;
    const long long back = std::min<long long>(i, lag);
    double s = 0.0;
    for (int b : bands) s += rise(now, B, back, b);
    return s;
  }
  // Band b's rise above its recent maximum at frame i (0 outside): noise and decaying sound never
  // count as an attack.
  double at(long long i, int b) const {
    if (i - lag < 0 || i >= static_cast<long long>(g.frames())) return 0.0;
    return rise(g.data.data() + static_cast<std::size_t>(i) * g.bands(), g.bands(), std::min<long long>(i, lag), b);
  }
  double rise(const std::uint8_t* now, int B, long long back, int b) const {
    std::uint8_t before = 0;
    for (long long j = 2; j <= back; ++j) before = std::max(before, now[b - j * B]);
    return std::max(0.0, std::max(db_of(now[b]), floor_db) - std::max(db_of(before), floor_db));
  }
  // Sub-frame onset position in [a, b]; -1 if flat. `value`: the strongest frame's strength, `peak`:
  // its sub-frame position (parabolic fit). With `fraction` > 0 the onset is where the strength first
  // reaches that fraction of the strongest frame, walking back from it (dips of up to 3 frames
  // bridged), interpolated linearly: reflections keep the strength rising for ms after the direct
  // sound in a reverberant room, so the strongest frame comes late; its leading edge does not.
  // With 0 the onset is the peak.
  double onset(long long a, long long b, double fraction, double* value, double* peak) const {
    long long best = -1;
    double bv = 0.0;
    for (long long i = a; i <= b; ++i) {
      const double v = at(i);
      if (v > bv) bv = v, best = i;
    }
    *value = bv;
    if (best < 0) return -1.0;
    *peak = parabolic(best);
    if (fraction <= 0.0) return *peak;
    const double th = fraction * bv;
    long long first = best;
    for (long long j = best - 1; j >= a && j >= first - 4; --j)
      if (at(j) >= th) first = j;
    const double below = at(first - 1), above = at(first);
    return static_cast<double>(first) - (above > below ? std::clamp((above - th) / (above - below), 0.0, 1.0) : 0.0);
  }
  double parabolic(long long best) const {
    const double l = at(best - 1), c = at(best), n = at(best + 1);
    const double den = l - 2 * c + n;
    const double d = den < 0 ? std::clamp(0.5 * (l - n) / den, -0.5, 0.5) : 0.0;
    return static_cast<double>(best) + d;
  }
};

double max_db(const AttackGram& g) {
  std::uint8_t m = 0;
  for (std::uint8_t v : g.data) m = std::max(m, v);
  return db_of(m);
}

// A group of (near-)simultaneous MIDI onsets: its render time, its neighbours' (which bound the
// searches so that another attack is not taken for this one) and the bands of its notes' partials.
struct OnsetGroup {
  double s, prev, next;
  std::vector<int> bands;
  // Where the render's attack is looked for.
  double render_lo() const { return std::max(s - 0.012, 0.5 * (prev + s)); }
  double render_hi() const { return std::min(s + 0.015, 0.5 * (s + next)); }
};

std::vector<OnsetGroup> onset_groups(const Performance& midi, const AttackGram& render,
                                     double (*render_time)(double, int), int rate, const RefineOptions& opt) {
  std::vector<const Note*> notes;
  for (const Note& n : midi.notes) notes.push_back(&n);
  std::sort(notes.begin(), notes.end(), [](const Note* a, const Note* b) { return a->onset < b->onset; });
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // [first, end) indices, MIDI time order
  for (std::size_t k = 0; k < notes.size();) {
    std::size_t e = k;
    while (e < notes.size() && notes[e]->onset - notes[k]->onset < opt.group_s) ++e;
    spans.push_back({k, e});
    k = e;
  }
  std::vector<OnsetGroup> groups(spans.size());
  for (std::size_t gi = 0; gi < spans.size(); ++gi) {
    const auto [k, e] = spans[gi];
    OnsetGroup& g = groups[gi];
    g.s = render_time(notes[k]->onset, rate);
    g.prev = gi > 0 ? render_time(notes[spans[gi - 1].first]->onset, rate) : -1e300;
    g.next = gi + 1 < spans.size() ? render_time(notes[spans[gi + 1].first]->onset, rate) : 1e300;
    std::set<int> bandset;
    for (std::size_t q = k; q < e; ++q) {
      const double f0 = 440.0 * std::pow(2.0, (notes[q]->pitch - 69) / 12.0);
      for (int h = 1; h <= opt.max_partial; ++h) {
        const double f = f0 * h;
        for (int b = 0; b < render.bands(); ++b)
          if (f >= render.band_lo_hz[b] && f < render.band_hi_hz[b]) bandset.insert(b);
      }
    }
    g.bands.assign(bandset.begin(), bandset.end());
  }
  return groups;
}

int lookback_frames(const AttackGram& g) { return std::max(2, static_cast<int>(std::lround(0.0116 / g.period()))); }

// Adds to every knot of `map` the correction interpolated between (at[k], c[k]) (held beyond the
// ends), keeping the map monotone.
void add_correction(TimeMap& map, const std::vector<double>& at, const std::vector<double>& c) {
  const TimeMap correction{at, c};
  for (std::size_t k = 0; k < map.src.size(); ++k) {
    const double t = map.src[k];
    map.dst[k] += t <= at.front() ? c.front() : t >= at.back() ? c.back() : correction(t);
  }
  for (std::size_t k = 1; k < map.dst.size(); ++k) map.dst[k] = std::max(map.dst[k], map.dst[k - 1]);
}

}  // namespace

TimeMap lag_scan(const TimeMap& map, const Performance& midi, const AttackGram& render, const AttackGram& audio,
                 double (*render_time)(double, int), int rate, const RefineOptions& opt, double* median_lag_ms) {
  if (median_lag_ms) *median_lag_ms = 0.0;
  if (opt.lag_search_s <= 0.0) return map;
  const double Pr = render.period(), Pa = audio.period();
  if (std::fabs(Pr - Pa) > 1e-9) throw Error("lag_scan: render and recording attack grams differ in frame period");
  const auto groups = onset_groups(midi, render, render_time, rate, opt);
  const Onsets ro_base{render, {}, max_db(render) - 80.0, lookback_frames(render)};
  const Onsets ao_base{audio, {}, max_db(audio) - 80.0, lookback_frames(audio)};
  const int L = static_cast<int>(std::lround(opt.lag_search_s / Pa));
  const int H = 4;  // render frames on each side of the render's attack peak
  // Per group: its correlation against the lag in [-L, L] frames.
  std::vector<double> at;
  std::vector<std::vector<float>> score;
  std::vector<double> r(2 * H + 1), a;
  for (const OnsetGroup& g : groups) {
    if (g.bands.empty()) continue;
    Onsets ro = ro_base;
    ro.bands = g.bands;
    const Onsets& ao = ao_base;
    double rv = 0.0, r_peak = 0.0;
    if (ro.onset(static_cast<long long>(std::ceil(g.render_lo() / Pr)),
                 static_cast<long long>(std::floor(g.render_hi() / Pr)), 0.0, &rv, &r_peak) < 0 ||
        rv < opt.min_render_rise_db)
      continue;
    const long long rc = std::lround(r_peak);
    const long long ac = std::lround(map(rc * Pr) / Pa);
    // Band by band: the render's attack (its spectral shape as well as its time) against the recording.
    std::vector<double> c(2 * L + 1, 0.0);
    for (int b : g.bands) {
      for (int i = -H; i <= H; ++i) r[i + H] = ro.at(rc + i, b);
      a.resize(2 * (L + H) + 1);
      for (int j = -L - H; j <= L + H; ++j) a[j + L + H] = ao.at(ac + j, b);
      for (int i = -H; i <= H; ++i)
        if (r[i + H] > 0.0)
          for (int d = -L; d <= L; ++d) c[d + L] += r[i + H] * a[d + i + L + H];
    }
    // As z-scores over the lags: every group counts the same.
    double m = 0.0, m2 = 0.0;
    for (double v : c) m += v, m2 += v * v;
    m /= static_cast<double>(c.size());
    const double sd = std::sqrt(std::max(0.0, m2 / static_cast<double>(c.size()) - m * m));
    if (sd <= 1e-9) continue;
    std::vector<float> sc(2 * L + 1);
    for (int d = 0; d <= 2 * L; ++d) sc[d] = static_cast<float>((c[d] - m) / sd);
    at.push_back(g.s);
    score.push_back(std::move(sc));
  }
  if (at.size() < 2) return map;
  // Pooled over the groups within ±lag_window_s (a running sum): the lag where attacks agree.
  std::vector<double> lag(at.size()), conf(at.size());
  std::vector<double> pooled(2 * L + 1, 0.0);
  std::size_t lo = 0, hi = 0;
  for (std::size_t k = 0; k < at.size(); ++k) {
    for (; at[lo] < at[k] - opt.lag_window_s; ++lo)
      for (int d = 0; d <= 2 * L; ++d) pooled[d] -= score[lo][d];
    for (; hi < at.size() && at[hi] <= at[k] + opt.lag_window_s; ++hi)
      for (int d = 0; d <= 2 * L; ++d) pooled[d] += score[hi][d];
    const int best = static_cast<int>(std::max_element(pooled.begin(), pooled.end()) - pooled.begin());
    // Its leading edge: reverberation only ever adds agreement at later lags.
    int edge = best;
    while (edge > 0 && pooled[edge - 1] >= opt.lag_edge_fraction * pooled[best]) --edge;
    lag[k] = (edge - L) * Pa;
    // Each group's scores have unit variance over the lags: n groups that do not agree sum to about
    // sqrt(n) at any lag, n that agree to about n times their peak score.
    conf[k] = pooled[best] / std::sqrt(static_cast<double>(hi - lo));
  }
  // Only where the attacks agree clearly.
  std::size_t kept = 0;
  for (std::size_t k = 0; k < at.size(); ++k)
    if (conf[k] >= opt.lag_min_confidence) at[kept] = at[k], lag[kept] = lag[k], ++kept;
  at.resize(kept), lag.resize(kept);
  if (at.empty()) return map;
  if (median_lag_ms) {
    std::vector<double> m(lag);
    std::nth_element(m.begin(), m.begin() + m.size() / 2, m.end());
    *median_lag_ms = m[m.size() / 2] * 1e3;
  }
  TimeMap out = map;
  add_correction(out, at, lag);
  return out;
}

TimeMap refine_map(const TimeMap& map, const Performance& midi, const AttackGram& render, const AttackGram& audio,
                   double (*render_time)(double, int), int rate, const RefineOptions& opt, RefineStats* stats) {
  RefineStats st;
  const auto groups = onset_groups(midi, render, render_time, rate, opt);
  const double Pr = render.period(), Pa = audio.period();
  const double floor_r = max_db(render) - 80.0, floor_a = max_db(audio) - 80.0;
  // Look-back for the recent maximum: about one window length.
  const int lag_r = lookback_frames(render), lag_a = lookback_frames(audio);
  std::vector<double> at, corr, weight;  // render time of the group, correction (s), attack strength
  std::vector<double> rise_audio, rise_render;  // leading edge to peak (s)
  for (const OnsetGroup& g : groups) {
    ++st.groups;
    if (g.bands.empty()) continue;
    const std::vector<int>& bands = g.bands;
    const double s = g.s, prev = g.prev, next = g.next;
    const double r_lo = g.render_lo(), r_hi = g.render_hi();
    const Onsets ro{render, bands, floor_r, lag_r};
    double rv = 0.0, r_peak = 0.0;
    const double rpk = ro.onset(static_cast<long long>(std::ceil(r_lo / Pr)), static_cast<long long>(std::floor(r_hi / Pr)),
                                opt.attack_fraction, &rv, &r_peak);
    if (rpk < 0 || rv < opt.min_render_rise_db) continue;
    const double a_center = map(rpk * Pr);
    const double W = std::max(0.012, std::min({opt.search_s, 0.5 * (s - prev), 0.5 * (next - s)}));
    const Onsets ao{audio, bands, floor_a, lag_a};
    double av = 0.0, a_peak = 0.0;
    const double apk = ao.onset(static_cast<long long>(std::floor((a_center - W) / Pa)),
                                static_cast<long long>(std::ceil((a_center + W) / Pa)),
                                opt.audio_fraction >= 0.0 ? opt.audio_fraction : opt.attack_fraction, &av, &a_peak);
    if (apk < 0 || av < opt.min_audio_rise_db) continue;
    rise_audio.push_back((a_peak - apk) * Pa);
    rise_render.push_back((r_peak - rpk) * Pr);
    const double c = apk * Pa - a_center;
    if (std::fabs(c) > opt.max_correction_s) continue;
    at.push_back(s);
    corr.push_back(c);
    weight.push_back(std::min(av, rv));
  }
  if (!rise_audio.empty()) {
    const auto q75_ms = [](std::vector<double> v) {
      const auto k = v.begin() + static_cast<std::ptrdiff_t>(0.75 * static_cast<double>(v.size() - 1));
      std::nth_element(v.begin(), k, v.end());
      return *k * 1e3;
    };
    st.audio_rise_q75_ms = q75_ms(rise_audio);
    st.render_rise_q75_ms = q75_ms(rise_render);
  }
  st.used = static_cast<int>(corr.size());
  TimeMap out = map;
  if (!corr.empty()) {
    std::vector<double> med(corr.size());
    for (std::size_t k = 0; k < corr.size(); ++k) {
      const std::size_t a = k >= static_cast<std::size_t>(opt.median_radius) ? k - opt.median_radius : 0;
      const std::size_t b = std::min(corr.size(), k + opt.median_radius + 1);
      // Weighted median: strong attacks are the reliable ones.
      std::vector<std::pair<double, double>> w;
      double total = 0.0;
      for (std::size_t q = a; q < b; ++q) {
        const double wq = weight[q];
        w.push_back({corr[q], wq});
        total += wq;
      }
      std::sort(w.begin(), w.end());
      double acc = 0.0;
      med[k] = w.back().first;
      for (const auto& [v, wq] : w)
        if ((acc += wq) >= 0.5 * total) {
          med[k] = v;
          break;
        }
    }
    std::vector<double> absc(med.size());
    for (std::size_t k = 0; k < med.size(); ++k) absc[k] = std::fabs(med[k]) * 1e3;
    std::nth_element(absc.begin(), absc.begin() + absc.size() / 2, absc.end());
    st.median_abs_correction_ms = absc[absc.size() / 2];
    add_correction(out, at, med);
  }
  st.render_fraction = opt.attack_fraction;
  st.audio_fraction = opt.audio_fraction >= 0.0 ? opt.audio_fraction : opt.attack_fraction;
  if (stats) *stats = st;
  return out;
}

TimeMap refine_map_adaptive(const TimeMap& map, const Performance& midi, const AttackGram& render,
                            const AttackGram& audio, double (*render_time)(double, int), int rate,
                            const RefineOptions& opt, RefineStats* stats) {
  RefineStats first;
  TimeMap out = refine_map(map, midi, render, audio, render_time, rate, opt, &first);
  RefineStats st = first;
  // Too few attacks for the rise times to mean anything: the first pass stands.
  if (opt.audio_fraction < 0.0 && opt.attack_fraction > 0.0 && first.used >= 20) {
    const double slower = first.audio_rise_q75_ms - first.render_rise_q75_ms;
    RefineOptions again = opt;
    if (slower <= opt.dry_rise_ms) again.attack_fraction = 0.0;
    else if (slower > opt.reverberant_rise_ms) again.audio_fraction = opt.reverberant_audio_fraction;
    // The wide lag scan (the map as it was when off or unsure): in a reverberant room only where
    // the attacks agree more strongly.
    RefineOptions scan_opt = opt;
    if (slower > opt.reverberant_rise_ms) scan_opt.lag_min_confidence = opt.lag_min_confidence_reverberant;
    double lag_ms = 0.0;
    const TimeMap start = lag_scan(map, midi, render, audio, render_time, rate, scan_opt, &lag_ms);
    // The same start and the same edges would only repeat the first pass.
    if (start.dst != map.dst || again.attack_fraction != opt.attack_fraction || again.audio_fraction != opt.audio_fraction) {
      out = refine_map(start, midi, render, audio, render_time, rate, again, &st);
      st.lag_scan_median_ms = lag_ms;
      // The first pass's rise times made the choice: they are the ones reported.
      st.audio_rise_q75_ms = first.audio_rise_q75_ms;
      st.render_rise_q75_ms = first.render_rise_q75_ms;
    }
  }
  if (stats) *stats = st;
  return out;
}

}  // namespace pv::align
