#include "align/refine.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace pv::align {

OnsetRise onset_rise(const Features& mag, double fmin_midi, double floor_db) {
  OnsetRise r;
  r.bins = mag.bins;
  r.period = mag.frame_period();
  r.fmin_midi = fmin_midi;
  const std::size_t T = mag.frames();
  const int B = mag.bins;
  r.data.assign(T * B, 0);
  float vmax = 0.0f;
  for (float v : mag.data) vmax = std::max(vmax, v);
  if (vmax <= 0.0f || T < 3) return r;
  const float fl = static_cast<float>(floor_db);
  // dB of frames i-1, i, i+1 in a ring of three rows (each frame converted once).
  std::vector<float> ring(3 * static_cast<std::size_t>(B));
  auto row = [&](std::size_t i) { return ring.data() + (i % 3) * B; };
  auto convert = [&](std::size_t i) {
    float* d = row(i);
    for (int b = 0; b < B; ++b) d[b] = std::max(fl, 20.0f * std::log10(std::max(mag.data[i * B + b], 1e-30f) / vmax));
  };
  convert(0);
  convert(1);
  for (std::size_t i = 1; i + 1 < T; ++i) {
    convert(i + 1);
    const float *next = row(i + 1), *prev = row(i - 1);
    for (int b = 0; b < B; ++b)
      r.data[i * B + b] = static_cast<std::uint8_t>(std::clamp((next[b] - prev[b]) * 4.0f, 0.0f, 255.0f));
  }
  return r;
}

namespace {

// Sum of the rise over `bins` at frame i.
double strength(const OnsetRise& r, long long i, const std::vector<int>& bins) {
  if (i < 0 || i >= static_cast<long long>(r.frames())) return 0.0;
  double s = 0.0;
  for (int b : bins) s += r.data[static_cast<std::size_t>(i) * r.bins + b];
  return s;
}

// Sub-frame position of the strongest frame in [a, b] (parabolic interpolation); -1 if flat.
double peak(const OnsetRise& r, long long a, long long b, const std::vector<int>& bins, double* value) {
  long long best = -1;
  double bv = 0.0;
  for (long long i = a; i <= b; ++i) {
    const double v = strength(r, i, bins);
    if (v > bv) bv = v, best = i;
  }
  *value = bv;
  if (best < 0) return -1.0;
  const double l = strength(r, best - 1, bins), c = bv, n = strength(r, best + 1, bins);
  const double den = l - 2 * c + n;
  const double d = den < 0 ? std::clamp(0.5 * (l - n) / den, -0.5, 0.5) : 0.0;
  return static_cast<double>(best) + d;
}

}  // namespace

TimeMap refine_map(const TimeMap& map, const Performance& midi, const OnsetRise& render, const OnsetRise& audio,
                   double (*render_time)(double, int), int rate, const RefineOptions& opt, RefineStats* stats) {
  RefineStats st;
  // Groups of (near-)simultaneous onsets, in MIDI time order.
  std::vector<const Note*> notes;
  for (const Note& n : midi.notes) notes.push_back(&n);
  std::sort(notes.begin(), notes.end(), [](const Note* a, const Note* b) { return a->onset < b->onset; });
  std::vector<double> at, corr;  // render time of the group, correction (s)
  const double P = render.period;
  for (std::size_t k = 0; k < notes.size();) {
    const double t0 = notes[k]->onset;
    std::set<int> binset;
    std::size_t e = k;
    for (; e < notes.size() && notes[e]->onset - t0 < opt.group_s; ++e)
      for (double h : {1.0, 2.0, 3.0, 4.0}) {
        const int b = static_cast<int>(std::lround(notes[e]->pitch + 12.0 * std::log2(h) - render.fmin_midi));
        if (b >= 0 && b < render.bins) binset.insert(b);
      }
    // The next onset bounds the search so that a later attack is not taken for this one.
    const double next = e < notes.size() ? notes[e]->onset : 1e300;
    k = e;
    ++st.groups;
    if (binset.empty()) continue;
    const std::vector<int> bins(binset.begin(), binset.end());
    const double s = render_time(t0, rate);
    const long long rs = static_cast<long long>(std::floor(s / P));
    const long long re = std::min<long long>(rs + static_cast<long long>(0.02 / P),
                                             static_cast<long long>(std::floor(render_time(next, rate) / P)) - 1);
    double rv = 0.0;
    const double rpk = peak(render, rs - 1, std::max(rs, re), bins, &rv);
    if (rpk < 0 || rv < 4 * 6.0) continue;  // weaker than a 6 dB rise
    const double a_center = map(rpk * P);
    const double W = opt.search_s;
    double av = 0.0;
    const double apk = peak(audio, static_cast<long long>(std::floor((a_center - W) / P)),
                            static_cast<long long>(std::ceil((a_center + W) / P)), bins, &av);
    if (apk < 0 || av < 4 * 3.0) continue;
    const double c = apk * P - a_center;
    if (std::fabs(c) > opt.max_correction_s) continue;
    at.push_back(s);
    corr.push_back(c);
  }
  st.used = static_cast<int>(corr.size());
  TimeMap out = map;
  if (!corr.empty()) {
    // Median filter of the corrections over neighbouring groups.
    std::vector<double> med(corr.size());
    for (std::size_t k = 0; k < corr.size(); ++k) {
      const std::size_t a = k >= static_cast<std::size_t>(opt.median_radius) ? k - opt.median_radius : 0;
      const std::size_t b = std::min(corr.size(), k + opt.median_radius + 1);
      std::vector<double> w(corr.begin() + a, corr.begin() + b);
      std::nth_element(w.begin(), w.begin() + w.size() / 2, w.end());
      med[k] = w[w.size() / 2];
    }
    std::vector<double> absc(med.size());
    for (std::size_t k = 0; k < med.size(); ++k) absc[k] = std::fabs(med[k]) * 1e3;
    std::nth_element(absc.begin(), absc.begin() + absc.size() / 2, absc.end());
    st.median_abs_correction_ms = absc[absc.size() / 2];
    const TimeMap correction{at, med};  // interpolated; constant beyond the ends
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
  if (stats) *stats = st;
  return out;
}

}  // namespace pv::align
