#include "eval/stats.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "eval/transcription.hpp"

namespace pv::eval::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mean(const std::vector<double>& x) { return numpy_sum(x.data(), x.size()) / x.size(); }

double norm_sf(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }
double norm_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Student t CDF (scipy.special.stdtr), defined for infinite t.
double t_cdf(double df, double t) {
  if (std::isnan(t)) return kNaN;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  boost::math::students_t dist(df);
  return boost::math::cdf(dist, t);
}

void check_paired(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  if (a.size() != b.size()) throw Error(std::string(what) + ": the two samples differ in length");
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!std::isfinite(a[i]) || !std::isfinite(b[i]))
      throw Error(std::string(what) + ": sample value " + std::to_string(i) + " is not finite");
}

}  // namespace

std::vector<double> rankdata(const std::vector<double>& x) {
  std::vector<std::size_t> idx(x.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j + 1 < idx.size() && x[idx[j + 1]] == x[idx[i]]) ++j;
    double avg = 0.5 * (static_cast<double>(i + 1) + static_cast<double>(j + 1));
    for (std::size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

std::vector<double> repeat_counts(const std::vector<double>& x) {
  std::vector<double> s = x, counts;
  std::sort(s.begin(), s.end());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = i;
    while (j < s.size() && s[j] == s[i]) ++j;
    if (j - i > 1) counts.push_back(static_cast<double>(j - i));
    i = j;
  }
  return counts;
}

TestResult ttest_rel(const std::vector<double>& a, const std::vector<double>& b, Alternative alt) {
  check_paired(a, b, "paired t-test");
  if (a.size() < 2) throw Error("paired t-test: needs at least 2 pairs");
  const std::size_t n = a.size();
  std::vector<double> d(n), dev(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = a[i] - b[i];
  const double dm = mean(d);
  for (std::size_t i = 0; i < n; ++i) dev[i] = (d[i] - dm) * (d[i] - dm);
  const double var = mean(dev) * (static_cast<double>(n) / (n - 1));
  const double denom = std::sqrt(var / n);
  TestResult r;
  r.df = static_cast<double>(n - 1);
  r.method = "paired t";
  r.statistic = denom > 0 ? dm / denom : (dm == 0 ? kNaN : std::copysign(INFINITY, dm));
  switch (alt) {
    case Alternative::Less: r.pvalue = t_cdf(r.df, r.statistic); break;
    case Alternative::Greater: r.pvalue = t_cdf(r.df, -r.statistic); break;
    default: r.pvalue = 2 * t_cdf(r.df, -std::abs(r.statistic));
  }
  return r;
}

TestResult wilcoxon(const std::vector<double>& a, const std::vector<double>& b, Alternative alt, WilcoxonMode mode,
                    ZeroMethod zero, bool correction) {
  check_paired(a, b, "Wilcoxon test");
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = a[i] - b[i];
  if (d.empty()) throw Error("Wilcoxon test: empty samples");
  if (mode == WilcoxonMode::Auto) mode = d.size() <= 50 ? WilcoxonMode::Exact : WilcoxonMode::Approx;
  const auto n_zero = static_cast<std::size_t>(std::count(d.begin(), d.end(), 0.0));
  if (n_zero > 0 && mode == WilcoxonMode::Exact) mode = WilcoxonMode::Approx;  // scipy warns and switches
  if (mode == WilcoxonMode::Approx) {
    if (zero != ZeroMethod::Zsplit && n_zero == d.size())
      throw Error("Wilcoxon test: all differences are zero (zero_method 'wilcox'/'pratt' cannot test that)");
    if (zero == ZeroMethod::Wilcox) std::erase(d, 0.0);
  }
  const std::size_t count = d.size();
  std::vector<double> absd(count);
  for (std::size_t i = 0; i < count; ++i) absd[i] = std::abs(d[i]);
  std::vector<double> r = rankdata(absd);
  std::vector<double> plus(count, 0.0), minus(count, 0.0), zeros(count, 0.0);
  for (std::size_t i = 0; i < count; ++i) {
    if (d[i] > 0) plus[i] = r[i];
    if (d[i] < 0) minus[i] = r[i];
    if (d[i] == 0) zeros[i] = r[i];
  }
  double r_plus = numpy_sum(plus.data(), count), r_minus = numpy_sum(minus.data(), count);
  if (zero == ZeroMethod::Zsplit) {
    double r_zero = numpy_sum(zeros.data(), count);
    r_plus += r_zero / 2.0;
    r_minus += r_zero / 2.0;
  }
  TestResult res;
  const double T = alt == Alternative::TwoSided ? std::min(r_plus, r_minus) : r_plus;
  res.statistic = T;
  if (mode == WilcoxonMode::Approx) {
    res.method = "approx";
    const double c = static_cast<double>(count);
    double mn = c * (c + 1.0) * 0.25, se = c * (c + 1.0) * (2.0 * c + 1.0);
    std::vector<double> rr = r;
    if (zero == ZeroMethod::Pratt) {
      rr.clear();
      for (std::size_t i = 0; i < count; ++i)
        if (d[i] != 0) rr.push_back(r[i]);
      const double z0 = static_cast<double>(n_zero);
      mn -= z0 * (z0 + 1.0) * 0.25;
      se -= z0 * (z0 + 1.0) * (2.0 * z0 + 1.0);
    }
    for (double t : repeat_counts(rr)) se -= 0.5 * (t * (t * t - 1));
    se = std::sqrt(se / 24);
    double cc = 0;
    if (correction) {
      if (alt == Alternative::TwoSided) cc = 0.5 * ((T - mn) > 0 ? 1 : (T - mn) < 0 ? -1 : 0);
      else if (alt == Alternative::Less) cc = -0.5;
      else cc = 0.5;
    }
    const double z = (T - mn - cc) / se;
    res.zstatistic = z;
    if (alt == Alternative::TwoSided) res.pvalue = 2.0 * norm_sf(std::abs(z));
    else if (alt == Alternative::Greater) res.pvalue = norm_sf(z);
    else res.pvalue = norm_cdf(z);
    return res;
  }
  // Exact null distribution of R+ (scipy's _get_wilcoxon_distr), R+ truncated to an integer.
  res.method = "exact";
  std::vector<double> pmf{1.0}, next;
  for (std::size_t k = 1; k <= count; ++k) {
    next.assign(k * (k + 1) / 2 + 1, 0.0);
    const std::size_t m = pmf.size();
    for (std::size_t i = 0; i < m; ++i) next[i] = pmf[i] * 0.5;
    for (std::size_t i = 0; i < m; ++i) next[next.size() - m + i] += pmf[i] * 0.5;
    pmf.swap(next);
  }
  const auto rp = static_cast<std::size_t>(r_plus);
  auto sum = [&](std::size_t b, std::size_t e) { return numpy_sum(pmf.data() + b, e - b); };
  double prob;
  if (alt == Alternative::TwoSided) {
    if (rp == (pmf.size() - 1) / 2) prob = 1.0;
    else prob = 2 * std::min(sum(rp, pmf.size()), sum(0, rp + 1));
  } else if (alt == Alternative::Greater) {
    prob = sum(rp, pmf.size());
  } else {
    prob = sum(0, rp + 1);
  }
  res.pvalue = std::clamp(prob, 0.0, 1.0);
  return res;
}

TestResult friedman(const std::vector<std::vector<double>>& samples) {
  const std::size_t k = samples.size();
  if (k < 3) throw Error("Friedman test: needs at least 3 samples, got " + std::to_string(k));
  const std::size_t n = samples[0].size();
  for (const auto& s : samples) {
    if (s.size() != n) throw Error("Friedman test: samples differ in length");
    for (double x : s)
      if (!std::isfinite(x)) throw Error("Friedman test: a sample value is not finite");
  }
  if (n == 0) throw Error("Friedman test: empty samples");
  std::vector<double> colsum(k, 0.0), row(k);
  double ties = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < k; ++j) row[j] = samples[j][i];
    std::vector<double> r = rankdata(row);
    for (double t : repeat_counts(r)) ties += t * (t * t - 1);
    for (std::size_t j = 0; j < k; ++j) colsum[j] += r[j];
  }
  const double kd = static_cast<double>(k), nd = static_cast<double>(n);
  const double c = 1 - ties / (kd * (kd * kd - 1) * nd);
  double ssbn = 0;
  for (double s : colsum) ssbn += s * s;
  TestResult res;
  res.method = "friedman";
  res.df = kd - 1;
  res.statistic = (12.0 / (kd * nd * (kd + 1)) * ssbn - 3 * nd * (kd + 1)) / c;
  res.pvalue = std::isfinite(res.statistic) ? (res.statistic <= 0 ? 1.0 : boost::math::gamma_q(res.df / 2, res.statistic / 2))
                                            : kNaN;
  return res;
}

std::vector<double> bonferroni(const std::vector<double>& p) {
  std::vector<double> out(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) out[i] = std::min(1.0, p[i] * static_cast<double>(p.size()));
  return out;
}

}  // namespace pv::eval::stats
