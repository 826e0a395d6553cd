#include "align/warp.hpp"

#include <algorithm>

namespace pv::align {

double TimeMap::operator()(double t) const {
  const std::size_t n = src.size();
  if (n == 0) return t;
  if (t <= src.front()) return dst.front() + outer_slope * (t - src.front());
  if (t >= src.back()) return dst.back() + outer_slope * (t - src.back());
  const std::size_t k = static_cast<std::size_t>(std::upper_bound(src.begin(), src.end(), t) - src.begin());
  const double a = (t - src[k - 1]) / (src[k] - src[k - 1]);
  return dst[k - 1] + a * (dst[k] - dst[k - 1]);
}

void TimeMap::restrict_to(double a, double b, double slope) {
  outer_slope = slope;
  if (src.empty()) return;
  const double ya = (*this)(a), yb = (*this)(b);
  std::vector<double> s2, d2;
  for (std::size_t k = 0; k < src.size(); ++k)
    if (src[k] >= a && src[k] <= b) s2.push_back(src[k]), d2.push_back(dst[k]);
  // Exact knots at the ends keep the map unchanged inside [a, b].
  if (s2.empty() || s2.front() > a) s2.insert(s2.begin(), a), d2.insert(d2.begin(), ya);
  if (b > s2.back()) s2.push_back(b), d2.push_back(std::max(yb, d2.back()));
  src.swap(s2);
  dst.swap(d2);
}

TimeMap::Line TimeMap::fit(const std::vector<double>& at) const {
  Line l;
  if (at.empty()) return l;
  double sx = 0, sy = 0;
  for (double t : at) sx += t, sy += (*this)(t);
  const double mx = sx / at.size(), my = sy / at.size();
  double sxx = 0, sxy = 0;
  for (double t : at) {
    const double dx = t - mx;
    sxx += dx * dx;
    sxy += dx * ((*this)(t)-my);
  }
  l.slope = sxx > 0 ? sxy / sxx : 1.0;
  l.offset = my - l.slope * mx;
  return l;
}

TimeMap map_from_path(const std::vector<std::pair<int, int>>& path, double row_period, double col_period) {
  TimeMap m;
  std::size_t k = 0;
  while (k < path.size()) {
    const int row = path[k].first;
    double s = 0.0;
    std::size_t c = 0;
    for (; k < path.size() && path[k].first == row; ++k, ++c) s += path[k].second;
    m.src.push_back(row * row_period);
    m.dst.push_back(s / static_cast<double>(c) * col_period);
  }
  return m;
}

Performance warp(const Performance& perf, const std::function<double(double)>& f) {
  Performance out = perf;
  for (Note& n : out.notes) {
    n.onset = f(n.onset);
    n.key_offset = std::max(n.onset, f(n.key_offset));
    n.sound_offset = std::max(n.key_offset, f(n.sound_offset));
  }
  for (PedalEvent& p : out.pedals) p.time = f(p.time);
  for (TempoChange& t : out.tempos) t.time = f(t.time);
  out.sort();
  return out;
}

}  // namespace pv::align
