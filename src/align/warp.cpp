#include "align/warp.hpp"

#include <algorithm>
#include <cmath>

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

TimeMap::Line fit_line(const std::vector<double>& x, const std::vector<double>& y, const std::vector<char>* use) {
  TimeMap::Line l;
  double n = 0, sx = 0, sy = 0;
  for (std::size_t k = 0; k < x.size(); ++k)
    if (!use || (*use)[k]) n += 1, sx += x[k], sy += y[k];
  if (n == 0) return l;
  const double mx = sx / n, my = sy / n;
  double sxx = 0, sxy = 0;
  for (std::size_t k = 0; k < x.size(); ++k)
    if (!use || (*use)[k]) sxx += (x[k] - mx) * (x[k] - mx), sxy += (x[k] - mx) * (y[k] - my);
  l.slope = sxx > 0 ? sxy / sxx : 1.0;
  l.offset = my - l.slope * mx;
  return l;
}

TimeMap::Line TimeMap::fit(const std::vector<double>& at) const {
  std::vector<double> y(at.size());
  for (std::size_t k = 0; k < at.size(); ++k) y[k] = (*this)(at[k]);
  return fit_line(at, y);
}

TimeMap::Line TimeMap::robust_line(const std::vector<double>& at, double* mad_out) const {
  std::vector<double> y(at.size()), r(at.size());
  for (std::size_t k = 0; k < at.size(); ++k) y[k] = (*this)(at[k]);
  Line l{y.empty() ? 0.0 : y.front() - at.front(), 1.0};
  double mad = 0.0;
  std::vector<char> in(at.size(), 1);
  for (int iter = 0; iter < 4 && !at.empty(); ++iter) {
    if (std::count(in.begin(), in.end(), 1) < 2) break;
    l = fit_line(at, y, &in);
    for (std::size_t k = 0; k < at.size(); ++k) r[k] = std::fabs(y[k] - l.offset - l.slope * at[k]);
    std::vector<double> s(r);
    std::nth_element(s.begin(), s.begin() + s.size() / 2, s.end());
    mad = s[s.size() / 2];
    for (std::size_t k = 0; k < at.size(); ++k) in[k] = r[k] <= std::max(3.0 * mad, 0.002);
  }
  if (mad_out) *mad_out = mad;
  return l;
}

double TimeMap::clamp_to_line(const std::vector<double>& at, double limit, double max_fraction) {
  if (at.size() < 2 || src.empty()) return 0.0;
  const Line l = robust_line(at);
  std::size_t n = 0;
  for (double t : at) n += std::fabs((*this)(t) - l.offset - l.slope * t) > limit;
  const double beyond = static_cast<double>(n) / static_cast<double>(at.size());
  if (beyond > max_fraction) return beyond;
  for (std::size_t k = 0; k < src.size(); ++k) {
    const double c = l.offset + l.slope * src[k];
    dst[k] = std::clamp(dst[k], c - limit, c + limit);
  }
  return beyond;
}

double TimeMap::drop_off_line(const std::vector<double>& at, double min_limit, double mad_factor) {
  if (at.size() < 2 || src.size() < 3) return 0.0;
  double mad = 0.0;
  const Line l = robust_line(at, &mad);
  const double sigma = 1.4826 * mad, limit = std::max(min_limit, mad_factor * sigma);
  // A stray stretch is dropped out to where it comes back near the line (within 3 sigma, at least
  // 10 ms), not just where it crosses the limit.
  const double near = std::max(0.01, 3.0 * sigma);
  const std::size_t N = src.size();
  std::vector<double> res(N);
  for (std::size_t k = 0; k < N; ++k) res[k] = std::fabs(dst[k] - l.offset - l.slope * src[k]);
  std::vector<char> off(N, 0);
  for (std::size_t k = 0; k < N; ++k) off[k] = res[k] > limit;
  for (std::size_t k = 1; k < N; ++k)
    if (off[k - 1] && res[k] > near) off[k] = 1;
  for (std::size_t k = N - 1; k-- > 0;)
    if (off[k + 1] && res[k] > near) off[k] = 1;
  std::vector<double> s2, d2;
  double dropped = 0.0;
  for (std::size_t k = 0; k < N; ++k) {
    if (!off[k]) s2.push_back(src[k]), d2.push_back(dst[k]);
    else if (k > 0) dropped += src[k] - src[k - 1];
  }
  if (s2.size() < 2) return 0.0;
  src.swap(s2);
  dst.swap(d2);
  return dropped;
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
