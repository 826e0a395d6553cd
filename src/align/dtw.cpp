#include "align/dtw.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace pv::align {

std::int64_t Band::cells() const {
  std::int64_t c = 0;
  for (std::size_t i = 0; i < lo.size(); ++i) c += std::max(0, hi[i] - lo[i] + 1);
  return c;
}

void Band::repair(int m) {
  const int n = static_cast<int>(lo.size());
  if (n == 0) return;
  for (int i = 0; i < n; ++i) {
    lo[i] = std::clamp(lo[i], 0, m - 1);
    hi[i] = std::clamp(hi[i], 0, m - 1);
  }
  lo[0] = 0;
  hi[n - 1] = m - 1;
  for (int i = 1; i < n; ++i) hi[i] = std::max(hi[i], hi[i - 1]);       // prefix max
  for (int i = n - 2; i >= 0; --i) lo[i] = std::min(lo[i], lo[i + 1]);  // suffix min
  for (int i = 0; i < n; ++i) lo[i] = std::min(lo[i], hi[i]);
  // Consecutive rows must overlap or touch (a diagonal step needs lo[i+1] <= hi[i] + 1).
  for (int i = 0; i + 1 < n; ++i)
    if (lo[i + 1] > hi[i] + 1) hi[i] = lo[i + 1] - 1;
  for (int i = 1; i < n; ++i) hi[i] = std::max(hi[i], hi[i - 1]);
}

Band diagonal_band(int n, int m, int radius) {
  Band b;
  b.lo.resize(n);
  b.hi.resize(n);
  const int d = m - n;
  for (int i = 0; i < n; ++i) {
    b.lo[i] = std::min(i, i + d) - radius;
    b.hi[i] = std::max(i, i + d) + radius;
  }
  b.repair(m);
  return b;
}

Band band_around_path(const std::vector<std::pair<int, int>>& path, int factor, int n, int m, int radius) {
  Band b;
  b.lo.assign(n, std::numeric_limits<int>::max());
  b.hi.assign(n, std::numeric_limits<int>::min());
  for (auto [I, J] : path) {
    const int r0 = I * factor, r1 = std::min(n - 1, (I + 1) * factor - 1);
    const int c0 = J * factor - radius, c1 = (J + 1) * factor - 1 + radius;
    for (int i = r0; i <= r1; ++i) {
      b.lo[i] = std::min(b.lo[i], c0);
      b.hi[i] = std::max(b.hi[i], c1);
    }
  }
  // Rows the coarse path never reached (cannot happen for a full path) inherit their neighbour.
  for (int i = 0; i < n; ++i)
    if (b.lo[i] == std::numeric_limits<int>::max()) {
      b.lo[i] = i > 0 ? b.lo[i - 1] : 0;
      b.hi[i] = i > 0 ? b.hi[i - 1] : 0;
    }
  b.repair(m);
  return b;
}

double mean_band_distance(const Features& X, const Features& Y, const Band& band, int max_rows) {
  const int n = static_cast<int>(band.lo.size());
  const int step = std::max(1, n / std::max(1, max_rows));
  double s = 0.0;
  std::int64_t c = 0;
  for (int i = 0; i < n; i += step)
    for (int j = band.lo[i]; j <= band.hi[i]; ++j) {
      s += cosine_distance(X.frame(i), Y.frame(j), X.bins);
      ++c;
    }
  return c ? s / static_cast<double>(c) : 0.0;
}

DtwResult banded_dtw(const Features& X, const Features& Y, const Band& band, double penalty) {
  const int n = static_cast<int>(X.frames()), m = static_cast<int>(Y.frames());
  if (n == 0 || m == 0) throw Error("dtw: empty feature sequence");
  if (X.bins != Y.bins) throw Error("dtw: feature sizes differ");
  if (static_cast<int>(band.lo.size()) != n) throw Error("dtw: band does not match the rows");
  DtwResult r;
  r.penalty = penalty >= 0.0 ? penalty : mean_band_distance(X, Y, band);
  const double p = r.penalty;
  const int B = X.bins;

  std::vector<std::int64_t> start(n + 1, 0);
  for (int i = 0; i < n; ++i) start[i + 1] = start[i] + (band.hi[i] - band.lo[i] + 1);
  r.cells = start[n];
  // Direction per cell: 0 diagonal, 1 from the row above (i-1, j), 2 from the left (i, j-1).
  std::vector<std::uint8_t> dir(static_cast<std::size_t>(r.cells));
  constexpr double inf = std::numeric_limits<double>::infinity();
  int max_w = 0;
  for (int i = 0; i < n; ++i) max_w = std::max(max_w, band.hi[i] - band.lo[i] + 1);
  std::vector<double> prev(max_w + 1, inf), cur(max_w + 1, inf);
  int plo = 0, phi = -1;  // previous row's columns
  for (int i = 0; i < n; ++i) {
    const int lo = band.lo[i], hi = band.hi[i];
    const float* x = X.frame(i);
    std::uint8_t* d8 = dir.data() + start[i];
    for (int j = lo; j <= hi; ++j) {
      const double d = cosine_distance(x, Y.frame(j), B);
      double best;
      std::uint8_t how;
      if (i == 0 && j == 0) {
        best = 0.0;
        how = 0;
      } else {
        const double diag = (j - 1 >= plo && j - 1 <= phi) ? prev[j - 1 - plo] : inf;
        const double up = (j >= plo && j <= phi) ? prev[j - plo] + p : inf;
        const double left = j > lo ? cur[j - 1 - lo] + p : inf;
        best = diag;
        how = 0;
        if (up < best) best = up, how = 1;
        if (left < best) best = left, how = 2;
      }
      cur[j - lo] = best + d;
      d8[j - lo] = how;
    }
    std::swap(prev, cur);
    plo = lo;
    phi = hi;
  }
  if (band.hi[n - 1] != m - 1 || !std::isfinite(prev[m - 1 - plo])) throw Error("dtw: band does not reach the end");
  r.cost = prev[m - 1 - plo];

  // Backtrack from (n-1, m-1).
  int i = n - 1, j = m - 1;
  r.path.reserve(static_cast<std::size_t>(n + m));
  double dsum = 0.0;
  while (true) {
    r.path.emplace_back(i, j);
    dsum += cosine_distance(X.frame(i), Y.frame(j), B);
    if (i == 0 && j == 0) break;
    const std::uint8_t how = dir[static_cast<std::size_t>(start[i] + (j - band.lo[i]))];
    if (how == 0) --i, --j;
    else if (how == 1) --i;
    else --j;
    if (i < 0 || j < 0 || j < band.lo[i] || j > band.hi[i]) throw Error("dtw: backtracking left the band");
  }
  std::reverse(r.path.begin(), r.path.end());
  r.mean_path_distance = dsum / static_cast<double>(r.path.size());
  return r;
}

MultiscaleResult multiscale_dtw(const Features& X, const Features& Y, const MultiscaleOptions& opt) {
  MultiscaleResult R;
  const int k = std::max(1, opt.factor);
  R.coarse_x = pool(X, k);
  R.coarse_y = pool(Y, k);
  const int nc = static_cast<int>(R.coarse_x.frames()), mc = static_cast<int>(R.coarse_y.frames());
  const int radius = std::max(2, static_cast<int>(std::ceil(opt.band_seconds / R.coarse_x.frame_period())));
  R.coarse_band = diagonal_band(nc, mc, radius);
  R.coarse = banded_dtw(R.coarse_x, R.coarse_y, R.coarse_band);
  if (k == 1) {
    R.fine = R.coarse;
    return R;
  }
  const Band fine_band = band_around_path(R.coarse.path, k, static_cast<int>(X.frames()),
                                          static_cast<int>(Y.frames()), opt.fine_radius);
  // The penalty is the mean distance over the wide band, as at the coarse level (the narrow band
  // around the path would give a smaller, biased mean).
  const int n = static_cast<int>(X.frames()), m = static_cast<int>(Y.frames());
  const double penalty = mean_band_distance(X, Y, diagonal_band(n, m, radius * k), 256);
  R.fine = banded_dtw(X, Y, fine_band, penalty);
  return R;
}

}  // namespace pv::align
