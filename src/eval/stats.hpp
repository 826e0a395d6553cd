#pragma once
// Significance tests with scipy 1.10's conventions (scipy.stats.ttest_rel, wilcoxon,
// friedmanchisquare) and the Bonferroni correction. p-values from Boost.Math distributions.
#include <string>
#include <vector>

namespace pv::eval::stats {

enum class Alternative { TwoSided, Less, Greater };

struct TestResult {
  double statistic = 0;
  double pvalue = 1;
  double df = 0;         // degrees of freedom (t-test, Friedman); 0 when not applicable
  double zstatistic = 0; // Wilcoxon normal approximation only
  std::string method;    // e.g. "exact", "approx"
};

// Paired t-test of a - b (scipy.stats.ttest_rel). Throws pv::Error on unequal or too short input.
TestResult ttest_rel(const std::vector<double>& a, const std::vector<double>& b,
                     Alternative alt = Alternative::TwoSided);

enum class WilcoxonMode { Auto, Exact, Approx };
enum class ZeroMethod { Wilcox, Pratt, Zsplit };
// Wilcoxon signed-rank test of d = a - b (scipy.stats.wilcoxon, 1.10): 'auto' uses the exact null
// distribution for n <= 50 unless some d == 0; statistic min(R+, R-) (two-sided) or R+.
TestResult wilcoxon(const std::vector<double>& a, const std::vector<double>& b,
                    Alternative alt = Alternative::TwoSided, WilcoxonMode mode = WilcoxonMode::Auto,
                    ZeroMethod zero = ZeroMethod::Wilcox, bool correction = false);

// Friedman chi-square over k >= 3 related samples of equal length (scipy.stats.friedmanchisquare).
TestResult friedman(const std::vector<std::vector<double>>& samples);

// Bonferroni: min(1, p · m) with m = number of p-values.
std::vector<double> bonferroni(const std::vector<double>& pvalues);

// Average ranks (1-based, ties share their mean rank), as scipy.stats.rankdata.
std::vector<double> rankdata(const std::vector<double>& x);
// Sizes of the groups of equal values with more than one member (scipy.stats.find_repeats counts).
std::vector<double> repeat_counts(const std::vector<double>& x);

}  // namespace pv::eval::stats
