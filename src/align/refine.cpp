#include "align/refine.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "align/fftw_lock.hpp"
#include "core/error.hpp"

namespace pv::align {
namespace {

constexpr double kDbStep = 0.75, kDbBase = -160.0;  // AttackGram quantisation

double db_of(std::uint8_t q) { return kDbBase + kDbStep * q; }

}  // namespace

double attack_gram_db(std::uint8_t q) { return db_of(q); }
std::uint8_t attack_gram_quantise(double db) {
  return static_cast<std::uint8_t>(std::clamp(std::lround((db - kDbBase) / kDbStep), 0L, 255L));
}

AttackGram attack_gram(const std::vector<float>& signal, int rate, int window, int hop) {
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
  float* in = static_cast<float*>(fftwf_malloc(sizeof(float) * window));
  auto* out = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * nbins));
  if (!in || !out) {
    fftwf_free(in);
    fftwf_free(out);
    throw Error("attack_gram: out of memory");
  }
  fftwf_plan plan;
  {
    std::lock_guard lock(fftw_plan_mutex());
    plan = fftwf_plan_dft_r2c_1d(window, in, out, FFTW_ESTIMATE);
  }
  const long long n = static_cast<long long>(signal.size());
  for (std::size_t t = 0; t < T; ++t) {
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
      const double db = 10.0 * std::log10(std::max(p / ref, 1e-30));
      row[b] = attack_gram_quantise(db);
    }
  }
  {
    std::lock_guard lock(fftw_plan_mutex());
    fftwf_destroy_plan(plan);
  }
  fftwf_free(in);
  fftwf_free(out);
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
    for (int b : bands) {
      // Rise above the band's recent maximum: noise and decaying sound never count as an attack.
      std::uint8_t before = 0;
      for (long long j = 2; j <= back; ++j) before = std::max(before, now[b - j * B]);
      s += std::max(0.0, std::max(db_of(now[b]), floor_db) - std::max(db_of(before), floor_db));
    }
    return s;
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

}  // namespace

TimeMap refine_map(const TimeMap& map, const Performance& midi, const AttackGram& render, const AttackGram& audio,
                   double (*render_time)(double, int), int rate, const RefineOptions& opt, RefineStats* stats) {
  RefineStats st;
  std::vector<const Note*> notes;
  for (const Note& n : midi.notes) notes.push_back(&n);
  std::sort(notes.begin(), notes.end(), [](const Note* a, const Note* b) { return a->onset < b->onset; });
  // Groups of (near-)simultaneous onsets, in MIDI time order: [first, end) indices.
  std::vector<std::pair<std::size_t, std::size_t>> groups;
  for (std::size_t k = 0; k < notes.size();) {
    std::size_t e = k;
    while (e < notes.size() && notes[e]->onset - notes[k]->onset < opt.group_s) ++e;
    groups.push_back({k, e});
    k = e;
  }
  const double Pr = render.period(), Pa = audio.period();
  const double floor_r = max_db(render) - 80.0, floor_a = max_db(audio) - 80.0;
  // Look-back for the recent maximum: about one window length.
  const int lag_r = std::max(2, static_cast<int>(std::lround(0.0116 / Pr)));
  const int lag_a = std::max(2, static_cast<int>(std::lround(0.0116 / Pa)));
  std::vector<double> at, corr, weight;  // render time of the group, correction (s), attack strength
  std::vector<double> rise_audio, rise_render;  // leading edge to peak (s)
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    ++st.groups;
    const auto [k, e] = groups[gi];
    std::set<int> bandset;
    for (std::size_t q = k; q < e; ++q) {
      const double f0 = 440.0 * std::pow(2.0, (notes[q]->pitch - 69) / 12.0);
      for (int h = 1; h <= opt.max_partial; ++h) {
        const double f = f0 * h;
        for (int b = 0; b < render.bands(); ++b)
          if (f >= render.band_lo_hz[b] && f < render.band_hi_hz[b]) bandset.insert(b);
      }
    }
    if (bandset.empty()) continue;
    const std::vector<int> bands(bandset.begin(), bandset.end());
    const double s = render_time(notes[k]->onset, rate);
    // Neighbouring groups bound the searches so that another attack is not taken for this one.
    const double prev = gi > 0 ? render_time(notes[groups[gi - 1].first]->onset, rate) : -1e300;
    const double next = gi + 1 < groups.size() ? render_time(notes[groups[gi + 1].first]->onset, rate) : 1e300;
    const double r_lo = std::max(s - 0.012, 0.5 * (prev + s)), r_hi = std::min(s + 0.015, 0.5 * (s + next));
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
    const TimeMap correction{at, med};
    for (std::size_t k = 0; k < out.src.size(); ++k) {
      const double t = out.src[k];
      double c;
      if (t <= at.front()) c = med.front();
      else if (t >= at.back()) c = med.back();
      else c = correction(t);
      out.dst[k] += c;
    }
    for (std::size_t k = 1; k < out.dst.size(); ++k) out.dst[k] = std::max(out.dst[k], out.dst[k - 1]);
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
    if (again.attack_fraction != opt.attack_fraction || again.audio_fraction != opt.audio_fraction) {
      out = refine_map(map, midi, render, audio, render_time, rate, again, &st);
      // The first pass's rise times made the choice: they are the ones reported.
      st.audio_rise_q75_ms = first.audio_rise_q75_ms;
      st.render_rise_q75_ms = first.render_rise_q75_ms;
    }
  }
  if (stats) *stats = st;
  return out;
}

}  // namespace pv::align
