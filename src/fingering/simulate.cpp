#include "fingering/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.hpp"

namespace pv::fing {
namespace {

struct Press {
  double onset, offset;
  int finger;  // 1..5
  double u, v;
};

struct Proportions {
  double spacing, thumb_extra, white_v, black_v, rest_v, thumb_v, mcp_back, wrist_back, mcp_spread, spot;
};
Proportions proportions(int variant, double D, double bl) {
  if (variant == 1) return {0.9, 0.5, D * 0.66, bl * 0.82, D * 0.62, D * 0.80, 2.6, 3.2, 0.9, 0.18};
  return {1.0, 0.3, D * 0.80, bl * 0.70, D * 0.72, D * 0.88, 3.0, 3.6, 0.85, 0.12};
}

}  // namespace

std::vector<HandFrame> simulate_hands(const std::vector<Note>& notes, const kb::Keyboard88& kb,
                                      const SimConfig& cfg, SimStats* stats) {
  if (!(cfg.fps > 0)) throw Error("simulate-hands: fps must be positive");
  std::mt19937 rng(cfg.seed);
  std::normal_distribution<double> N01(0.0, 1.0);
  std::uniform_real_distribution<double> U01(0.0, 1.0);
  const double D = kb.depth(), bl = kb.params().black_ratio * D;
  const Proportions P = proportions(cfg.variant, D, bl);

  double end = 0;
  std::vector<Press> presses[2];
  for (const Note& n : notes) {
    end = std::max(end, n.key_offset);
    if ((n.hand != Hand::Left && n.hand != Hand::Right) || n.finger < 1 || n.finger > 5) continue;
    if (n.pitch < kb::kLowestPitch || n.pitch >= kb::kLowestPitch + kb::kKeys) continue;
    int w = kb::white_index(n.pitch);
    double du = (U01(rng) * 2 - 1) * P.spot, dv = (U01(rng) * 2 - 1) * 0.6;
    Press p{n.onset, std::max(n.key_offset, n.onset + 0.5 / cfg.fps), n.finger, 0, 0};
    if (kb::is_black(n.pitch)) {
      int b = w + 1;
      int r = b % 7;
      double shift = (r == 1 || r == 4) ? 1.0 / 12 : (r == 3 || r == 6) ? -1.0 / 12 : 0.0;
      p.u = b + shift + du * 0.5;
      p.v = P.black_v + dv * 0.5;
    } else {
      p.u = w + 0.5 + du;
      p.v = P.white_v + dv;
    }
    presses[n.hand == Hand::Left ? 0 : 1].push_back(p);
  }
  for (auto& v : presses)
    std::sort(v.begin(), v.end(), [](const Press& a, const Press& b) { return a.onset < b.onset; });

  const long nframes = long(std::ceil((end + cfg.tail) * cfg.fps)) + 1;
  std::vector<HandFrame> frames(size_t(std::max(0L, nframes)));
  SimStats st;
  st.frames = int(frames.size());

  for (int h = 0; h < 2; ++h) {
    const auto& pr = presses[h];
    if (pr.empty()) continue;
    const double side = h == 1 ? 1.0 : -1.0;  // finger numbers increase to the right for the right hand
    auto nat = [&](int f) { return side * ((f - 3) * P.spacing + (f == 1 ? -P.thumb_extra : 0.0)); };
    // Hand-centre keyframes: (onset, centre implied by the notes struck then).
    std::vector<std::pair<double, double>> centre;
    for (size_t i = 0; i < pr.size();) {
      size_t j = i;
      double s = 0;
      while (j < pr.size() && pr[j].onset - pr[i].onset < 1e-6) s += pr[j].u - nat(pr[j].finger), ++j;
      centre.push_back({pr[i].onset, s / double(j - i)});
      i = j;
    }
    auto centre_at = [&](double t) {
      if (t <= centre.front().first) return centre.front().second;
      if (t >= centre.back().first) return centre.back().second;
      auto it = std::upper_bound(centre.begin(), centre.end(), std::make_pair(t, -1e300));
      auto a = *(it - 1), b = *it;
      double x = (t - a.first) / std::max(1e-9, b.first - a.first);
      return a.second + x * (b.second - a.second);
    };
    // Busy intervals (merged note spans, gaps shorter than lift_gap bridged).
    std::vector<std::pair<double, double>> busy;
    for (const auto& p : pr) {
      if (!busy.empty() && p.onset - busy.back().second < cfg.lift_gap)
        busy.back().second = std::max(busy.back().second, p.offset);
      else
        busy.push_back({p.onset, p.offset});
    }
    const double ramp = 0.15;
    auto lift_at = [&](double t) {  // 0 on the keys .. 1 fully lifted
      double best = 1.0;
      for (const auto& b : busy) {
        double d = t < b.first ? b.first - t : t > b.second ? t - b.second : 0.0;
        best = std::min(best, std::clamp(d / ramp, 0.0, 1.0));
      }
      return best;
    };
    double jx = 0, jy = 0;
    const double rho = 0.8, js = cfg.jitter * std::sqrt(1 - rho * rho);
    bool missing = false;
    const double p_start = cfg.drop_rate <= 0 ? 0 : cfg.drop_rate / (cfg.drop_burst * std::max(1e-9, 1 - cfg.drop_rate));
    size_t first = 0;  // first press that may still matter
    for (long k = 0; k < nframes; ++k) {
      const double t = k / cfg.fps;
      jx = rho * jx + js * N01(rng);
      jy = rho * jy + js * N01(rng);
      missing = missing ? (U01(rng) >= 1.0 / cfg.drop_burst) : (U01(rng) < p_start);
      // Fingertips.
      bool pressing[6] = {};
      double tu[6], tv[6];
      while (first < pr.size() && pr[first].offset + 1.0 < t) ++first;
      for (size_t i = first; i < pr.size() && pr[i].onset - 0.06 <= t; ++i) {
        const auto& p = pr[i];
        if (t < p.offset) {  // pressing (or arriving within 60 ms of the onset)
          pressing[p.finger] = true;
          tu[p.finger] = p.u;
          tv[p.finger] = p.v;
        }
      }
      const double c = centre_at(t);
      for (int f = 1; f <= 5; ++f) {
        if (pressing[f]) continue;
        int lo = 0, hi = 0;
        for (int g = f - 1; g >= 1; --g)
          if (pressing[g]) { lo = g; break; }
        for (int g = f + 1; g <= 5; ++g)
          if (pressing[g]) { hi = g; break; }
        if (lo && hi)
          tu[f] = tu[lo] + (tu[hi] - tu[lo]) * (f - lo) / double(hi - lo);
        else if (lo)
          tu[f] = tu[lo] + nat(f) - nat(lo);
        else if (hi)
          tu[f] = tu[hi] + nat(f) - nat(hi);
        else
          tu[f] = c + nat(f);
        tv[f] = f == 1 ? P.thumb_v : P.rest_v;
      }
      double lift = lift_at(t);
      if (lift > 0.99) ++st.lifted;
      if (missing) {
        ++st.dropped;
        continue;
      }
      // Joints from the tips.
      double mc = 0, tvm = 0;
      for (int f = 2; f <= 5; ++f) mc += tu[f] - nat(f) * P.mcp_spread, tvm += tv[f];
      mc /= 4;
      tvm /= 4;
      const double vm = tvm + P.mcp_back;
      Point2 uv[21];
      uv[0] = {mc, vm + P.wrist_back};
      for (int f = 2; f <= 5; ++f) {
        Point2 m{mc + nat(f) * P.mcp_spread, vm}, tip{tu[f], tv[f]};
        uv[4 * f - 3] = m;
        uv[4 * f - 2] = {m.x + 0.45 * (tip.x - m.x), m.y + 0.45 * (tip.y - m.y)};
        uv[4 * f - 1] = {m.x + 0.78 * (tip.x - m.x), m.y + 0.78 * (tip.y - m.y)};
        uv[4 * f] = tip;
      }
      Point2 cmc{mc - side * 1.2, vm + 2.4}, t1{tu[1], tv[1]};
      uv[1] = cmc;
      uv[2] = {cmc.x + 0.45 * (t1.x - cmc.x), cmc.y + 0.45 * (t1.y - cmc.y)};
      uv[3] = {cmc.x + 0.75 * (t1.x - cmc.x), cmc.y + 0.75 * (t1.y - cmc.y)};
      uv[4] = t1;
      const double depth = 1.0 - (1.0 - cfg.lift_depth) * lift;
      HandObservation o;
      for (int i = 0; i < 21; ++i) {
        double nx = N01(rng), ny = N01(rng);
        if (cfg.variant == 1 && U01(rng) < 0.03) nx *= 3, ny *= 3;  // occasional outliers
        Point2 q{uv[i].x + jx + cfg.noise * nx, uv[i].y + jy + cfg.noise * ny};
        Point2 p = kb.from_plane(q);
        p = {0.5 + (p.x - 0.5) / depth, 0.5 + (p.y - 0.5) / depth};
        double dz = std::hypot(uv[i].x - uv[0].x, uv[i].y - uv[0].y);
        o.points[i] = {float(p.x), float(p.y), float(-0.004 * dz)};
      }
      o.presence = 0.95f;
      o.handedness = 0.9f;
      (h == 0 ? frames[k].left : frames[k].right) = o;
    }
  }
  // Handedness flips (bursts), applied to both hands' labels.
  bool flipped = false;
  const double f_start = cfg.flip_rate <= 0 ? 0 : cfg.flip_rate / (cfg.flip_burst * std::max(1e-9, 1 - cfg.flip_rate));
  for (auto& f : frames) {
    flipped = flipped ? (U01(rng) >= 1.0 / cfg.flip_burst) : (U01(rng) < f_start);
    if (flipped && (f.left || f.right)) {
      std::swap(f.left, f.right);
      ++st.flipped;
    }
  }
  if (stats) *stats = st;
  return frames;
}

}  // namespace pv::fing
