// Statistics: hand-checked values and a randomized comparison with scipy 1.10 (skipped when
// python3 cannot import scipy).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <random>

#include "core/error.hpp"
#include "eval/stats.hpp"
#include "python_ref.hpp"
#include "test_util.hpp"

using namespace pv::eval::stats;

TEST(Stats, RankdataAveragesTies) {
  EXPECT_EQ(rankdata({3, 1, 3, 2}), (std::vector<double>{3.5, 1, 3.5, 2}));
  EXPECT_EQ(repeat_counts({1, 2, 2, 5, 5, 5}), (std::vector<double>{2, 3}));
}

TEST(Stats, PairedTTestKnownValue) {
  // d = {1, 2, 3, 4}: mean 2.5, sd 1.2910, t = 2.5 / (1.2910 / 2) = 3.8730, df 3.
  TestResult r = ttest_rel({2, 4, 6, 8}, {1, 2, 3, 4});
  EXPECT_NEAR(r.statistic, 3.872983346207417, 1e-12);
  EXPECT_EQ(r.df, 3);
  EXPECT_NEAR(r.pvalue, 0.030466291662170977, 1e-12);
}

TEST(Stats, WilcoxonExactSmallSample) {
  // All 6 differences positive: R- = 0, exact two-sided p = 2 / 2^6.
  TestResult r = wilcoxon({1, 2, 3, 4, 5, 6}, {0, 0, 0, 0, 0, 0});
  EXPECT_EQ(r.method, "exact");
  EXPECT_EQ(r.statistic, 0);
  EXPECT_NEAR(r.pvalue, 2.0 / 64, 1e-15);
}

TEST(Stats, FriedmanAndBonferroni) {
  // Each row ranks the samples 1,2,3 identically: chi2 = 2n, p = exp(-n).
  std::vector<std::vector<double>> s = {{1, 1, 1, 1}, {2, 2, 2, 2}, {3, 3, 3, 3}};
  TestResult r = friedman(s);
  EXPECT_NEAR(r.statistic, 8.0, 1e-12);
  EXPECT_NEAR(r.pvalue, std::exp(-4.0), 1e-15);
  EXPECT_EQ(bonferroni({0.01, 0.5, 0.03}), (std::vector<double>{0.03, 1.0, 0.09}));
}

TEST(Stats, BadInputThrows) {
  EXPECT_THROW(ttest_rel({1, 2}, {1}), pv::Error);
  EXPECT_THROW(ttest_rel({1}, {1}), pv::Error);
  EXPECT_THROW(wilcoxon({1, 2}, {1, 2}, Alternative::TwoSided, WilcoxonMode::Approx), pv::Error);
  EXPECT_THROW(friedman({{1, 2}, {1, 2}}), pv::Error);
  EXPECT_THROW(ttest_rel({1, NAN}, {1, 2}), pv::Error);
}

namespace {
const char* kScript = R"PY(
import sys, json
import numpy as np
from scipy import stats
cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    a, b = np.array(c['a']), np.array(c['b'])
    r = {}
    for alt in ['two-sided', 'less', 'greater']:
        t = stats.ttest_rel(a, b, alternative=alt)
        r['t_' + alt] = [float(t.statistic), float(t.pvalue)]
        for mode in ['auto', 'exact', 'approx']:
            for zm in ['wilcox', 'pratt', 'zsplit']:
                for corr in [False, True]:
                    key = 'w_%s_%s_%s_%d' % (alt, mode, zm, corr)
                    try:
                        w = stats.wilcoxon(a, b, alternative=alt, mode=mode, zero_method=zm, correction=corr)
                        r[key] = [float(w.statistic), float(w.pvalue)]
                    except ValueError:
                        r[key] = None
    f = stats.friedmanchisquare(a, b, np.array(c['c']))
    r['friedman'] = [float(f.statistic), float(f.pvalue)]
    out.append(r)
print(json.dumps(out))
)PY";

void expect_close(double got, double want, const std::string& what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what;
    return;
  }
  EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::abs(want))) << what;
}
}  // namespace

TEST(StatsVsScipy, RandomData) {
  std::string py = pvtest::python_with("scipy, numpy");
  if (py.empty()) GTEST_SKIP() << "python3 with scipy not available";
  std::mt19937_64 rng(7);
  nlohmann::json cases = nlohmann::json::array();
  for (int i = 0; i < 40; ++i) {
    int n = i < 30 ? 4 + i : 45 + 5 * (i - 30);
    std::normal_distribution<double> g(0.0, 1.0);
    double shift = (i % 3) * 0.3;
    bool coarse = i % 4 == 1;  // rounded data: ties and zero differences
    std::vector<double> a(n), b(n), c(n);
    for (int k = 0; k < n; ++k) {
      a[k] = g(rng) + shift, b[k] = g(rng), c[k] = g(rng) - shift;
      if (coarse) a[k] = std::round(a[k] * 2) / 2, b[k] = std::round(b[k] * 2) / 2, c[k] = std::round(c[k] * 2) / 2;
    }
    cases.push_back({{"a", a}, {"b", b}, {"c", c}});
  }
  auto dir = pvtest::temp_dir();
  std::ofstream(dir / "cases.json") << cases.dump();
  std::string out;
  ASSERT_EQ(pvtest::run_python(py, dir, kScript, "\"" + (dir / "cases.json").string() + "\"", out), 0) << out;
  auto want = nlohmann::json::parse(out);
  const std::pair<const char*, Alternative> alts[] = {
      {"two-sided", Alternative::TwoSided}, {"less", Alternative::Less}, {"greater", Alternative::Greater}};
  const std::pair<const char*, WilcoxonMode> modes[] = {
      {"auto", WilcoxonMode::Auto}, {"exact", WilcoxonMode::Exact}, {"approx", WilcoxonMode::Approx}};
  const std::pair<const char*, ZeroMethod> zms[] = {
      {"wilcox", ZeroMethod::Wilcox}, {"pratt", ZeroMethod::Pratt}, {"zsplit", ZeroMethod::Zsplit}};
  int compared = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto a = cases[i]["a"].get<std::vector<double>>(), b = cases[i]["b"].get<std::vector<double>>(),
         c = cases[i]["c"].get<std::vector<double>>();
    const auto& w = want[i];
    std::string id = "case " + std::to_string(i);
    for (auto [an, alt] : alts) {
      TestResult t = ttest_rel(a, b, alt);
      expect_close(t.statistic, w["t_" + std::string(an)][0], id + " t");
      expect_close(t.pvalue, w["t_" + std::string(an)][1], id + " t p " + an);
      for (auto [mn, mode] : modes)
        for (auto [zn, zm] : zms)
          for (int corr = 0; corr < 2; ++corr) {
            std::string key = std::string("w_") + an + "_" + mn + "_" + zn + "_" + std::to_string(corr);
            if (w[key].is_null()) {
              EXPECT_THROW(wilcoxon(a, b, alt, mode, zm, corr), pv::Error) << id << key;
              continue;
            }
            TestResult r = wilcoxon(a, b, alt, mode, zm, corr);
            expect_close(r.statistic, w[key][0], id + " " + key);
            expect_close(r.pvalue, w[key][1], id + " " + key + " p");
            ++compared;
          }
    }
    TestResult f = friedman({a, b, c});
    expect_close(f.statistic, w["friedman"][0], id + " friedman");
    expect_close(f.pvalue, w["friedman"][1], id + " friedman p");
  }
  EXPECT_GT(compared, 1000);
}
