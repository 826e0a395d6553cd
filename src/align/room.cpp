#include "align/room.hpp"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

#include "core/parallel.hpp"

namespace pv::align {
namespace {

constexpr double kMaxDecayS = 0.33;

// One-pole filter of the power in every column of a frames × bins table, through get/put.
template <class Get, class Put>
void decay_filter(std::size_t frames, int bins, double period, const RoomModel& room, Get get, Put put) {
  const double a = std::exp(-period / room.tau_s);
  const double d = std::clamp(room.direct, 0.0, 1.0);
  std::vector<double> state(bins, 0.0);
  for (std::size_t t = 0; t < frames; ++t)
    for (int b = 0; b < bins; ++b) {
      const double p = get(t, b);
      state[b] = a * state[b] + (1.0 - a) * p;
      put(t, b, d * p + (1.0 - d) * state[b]);
    }
}

}  // namespace

Features pool_power(const Features& f, int factor) {
  Features out;
  out.bins = f.bins;
  out.hop = f.hop * factor;
  out.rate = f.rate;
  const std::size_t T = f.frames(), n = (T + factor - 1) / factor;
  out.data.assign(n * f.bins, 0.0f);
  std::vector<double> acc(f.bins);
  for (std::size_t c = 0; c < n; ++c) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const std::size_t a = c * factor, e = std::min(T, a + factor);
    for (std::size_t t = a; t < e; ++t)
      for (int b = 0; b < f.bins; ++b) acc[b] += double(f.data[t * f.bins + b]) * f.data[t * f.bins + b];
    for (int b = 0; b < f.bins; ++b) out.data[c * f.bins + b] = static_cast<float>(std::sqrt(acc[b] / (e - a)));
  }
  return out;
}

namespace {

Features rows(const Features& f, std::size_t a, std::size_t b) {
  Features out;
  out.bins = f.bins, out.hop = f.hop, out.rate = f.rate;
  out.data.assign(f.data.begin() + static_cast<std::ptrdiff_t>(a * f.bins),
                  f.data.begin() + static_cast<std::ptrdiff_t>(b * f.bins));
  return out;
}

}  // namespace

RoomFit estimate_room_fine(const Features& render, const Features& audio, double floor_db,
                           const MultiscaleOptions& dtw) {
  RoomFit fit;
  const int k = std::max(1, dtw.factor);
  Features xc = pool_power(render, k);
  to_alignment_features(xc, floor_db);
  const Features yc = pool(audio, k);
  const int nc = static_cast<int>(xc.frames()), mc = static_cast<int>(yc.frames());
  if (nc < 8 || mc < 8) return fit;
  const int radius = std::max(2, static_cast<int>(std::ceil(dtw.band_seconds / xc.frame_period())));
  const DtwResult coarse = banded_dtw(xc, yc, diagonal_band(nc, mc, radius));
  std::vector<int> col(nc, 0);  // last coarse column of every coarse row
  for (const auto& [i, j] : coarse.path) col[i] = j;
  // Excerpts: [start, end) fine rows, with a warm-up before start for the reverberation to build up.
  const double P = render.frame_period();
  const std::size_t T = render.frames(), len = static_cast<std::size_t>(20.0 / P),
                    warm = static_cast<std::size_t>(1.5 / P), margin = static_cast<std::size_t>(1.0 / P);
  std::vector<std::pair<std::size_t, std::size_t>> excerpts;
  if (T <= len + 2 * margin) excerpts.push_back({0, T});
  else
    for (double c : {1.0 / 6, 3.0 / 6, 5.0 / 6}) {
      const std::size_t mid = static_cast<std::size_t>(c * T);
      const std::size_t a = mid > len / 2 ? mid - len / 2 : 0;
      excerpts.push_back({a, std::min(T, a + len)});
      if (T < 3 * len) break;
    }
  auto score = [&](const RoomModel& room) {
    double sum = 0.0;
    for (const auto& [a, b] : excerpts) {
      const std::size_t w0 = a > warm ? a - warm : 0;
      Features x = rows(render, w0, b);
      apply_room(x, room);
      x = rows(x, a - w0, b - w0);
      to_alignment_features(x, floor_db);
      const std::size_t ca = std::min<std::size_t>(col[std::min<std::size_t>(a / k, nc - 1)] * k, audio.frames() - 1);
      const std::size_t cb = std::min<std::size_t>(col[std::min<std::size_t>((b - 1) / k, nc - 1)] * k + k, audio.frames());
      const std::size_t ya = ca > margin ? ca - margin : 0, yb = std::min(audio.frames(), cb + margin);
      if (yb <= ya + 8 || x.frames() < 8) continue;
      MultiscaleOptions o = dtw;
      o.band_seconds = 1.0;
      sum += multiscale_dtw(x, rows(audio, ya, yb), o).fine.mean_path_distance;
    }
    return sum / static_cast<double>(excerpts.size());
  };
  fit.dry_distance = fit.distance = score(RoomModel{});
  // Coordinate search: decay time at a middling direct share, then the direct share, then the time.
  // Decay times beyond kMaxDecayS (RT60 4.6 s, longer than any hall a piano is recorded in) are not
  // tried: such a fit only makes up for the model's missing early build-up of reflections, and it can
  // hold the whole path early (bench_align, Liszt etude 10 in the concert hall: a 6.4 s fit, every
  // note 82 ms early; without it 10 ms).
  // The candidates of a step are scored in parallel (pure functions of shared, read-only inputs).
  RoomModel best{};
  double best_d = fit.dry_distance;
  auto consider = [&](const std::vector<RoomModel>& models) {
    std::vector<double> d(models.size());
    const int threads = static_cast<int>(std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), 4)));
    run_parts(threads, [&](int w) {
      for (std::size_t c = static_cast<std::size_t>(w); c < models.size(); c += static_cast<std::size_t>(threads))
        d[c] = score(models[c]);
    });
    for (std::size_t c = 0; c < models.size(); ++c)
      if (d[c] < best_d) best_d = d[c], best = models[c];
  };
  consider({{0.2, 0.05}, {0.2, 0.1}, {0.2, 0.15}, {0.2, 0.22}, {0.2, 0.33}});
  if (!best.dry()) {
    const double tau = best.tau_s;
    consider({{0.5, tau}, {0.3, tau}, {0.12, tau}, {0.07, tau}, {0.04, tau}});
    const double direct = best.direct;
    std::vector<RoomModel> last{{direct, tau * 0.7}};
    if (tau * 1.4 <= kMaxDecayS) last.push_back({direct, tau * 1.4});
    consider(last);
  }
  fit.model = best;
  fit.distance = best_d;
  return fit;
}

void apply_room(Features& f, const RoomModel& room) {
  if (room.dry() || f.frames() == 0) return;
  const int B = f.bins;
  decay_filter(
      f.frames(), B, f.frame_period(), room,
      [&](std::size_t t, int b) { return double(f.data[t * B + b]) * f.data[t * B + b]; },
      [&](std::size_t t, int b, double p) { f.data[t * B + b] = static_cast<float>(std::sqrt(p)); });
}

void apply_room(AttackGram& g, const RoomModel& room) {
  if (room.dry() || g.frames() == 0) return;
  const int B = g.bands();
  decay_filter(
      g.frames(), B, g.period(), room,
      [&](std::size_t t, int b) { return attack_gram_power(g.data[t * B + b]); },
      [&](std::size_t t, int b, double p) { g.data[t * B + b] = attack_gram_quantise_power(p); });
}

}  // namespace pv::align
