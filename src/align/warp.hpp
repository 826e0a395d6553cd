#pragma once
// Monotone piecewise-linear time maps and their application to every event of a Performance.
#include <functional>
#include <vector>

#include "core/performance.hpp"

namespace pv::align {

// Knots (src[k], dst[k]) with src strictly and dst weakly increasing; linear between knots,
// `outer_slope` beyond the ends (an empty map is the identity).
struct TimeMap {
  std::vector<double> src, dst;
  double outer_slope = 1.0;
  // Keeps the knots in [a, b] (at least one) and sets outer_slope.
  void restrict_to(double a, double b, double slope);
  double operator()(double t) const;
  // Least-squares line dst = offset + slope * src over the given source times.
  struct Line {
    double offset = 0.0, slope = 1.0;
  };
  Line fit(const std::vector<double>& at) const;
  // Least-squares line at the source times `at`, refitted on the times within 3 median absolute
  // deviations of it (at least 2 ms); `mad`: the map's median absolute deviation from it.
  Line robust_line(const std::vector<double>& at, double* mad = nullptr) const;
  // Moves every knot to within `limit` of robust_line(at) (the map stays monotone), unless more than
  // max_fraction of the times `at` map further off than that. Returns that fraction.
  double clamp_to_line(const std::vector<double>& at, double limit, double max_fraction = 1.0);
  // Two clocks recording one performance differ by an offset and a drift: a map that strays far from
  // that line has lost its way. A robust line is fitted at the source times `at` (least squares,
  // refitted on the times within 3 median absolute deviations); knots farther from it than
  // max(min_limit, mad_factor * 1.4826 * MAD) are removed, so that the map bridges them linearly.
  // Returns the source time spanned by the removed knots. At least two knots are always kept.
  double drop_off_line(const std::vector<double>& at, double min_limit, double mad_factor);
};

// Least-squares line y = offset + slope * x over the points where `use` is non-zero (all when null);
// slope 1 when the x are all equal.
TimeMap::Line fit_line(const std::vector<double>& x, const std::vector<double>& y, const std::vector<char>* use = nullptr);

// Time map from a DTW path between rows (period row_period seconds) and columns (col_period): each
// row maps to the mean column of the path in that row.
TimeMap map_from_path(const std::vector<std::pair<int, int>>& path, double row_period, double col_period);

// Applies f to every note onset/offset and pedal time; keeps offsets >= onsets and re-sorts.
Performance warp(const Performance& perf, const std::function<double(double)>& f);

}  // namespace pv::align
