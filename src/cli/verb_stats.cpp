// pianovam stats: paired significance tests on per-file results (CSV tables written by `eval --csv`).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/error.hpp"
#include "eval/files.hpp"
#include "eval/stats.hpp"
#include "eval/transcription.hpp"

namespace {

struct StatsOpts {
  std::string test;
  std::vector<std::string> csvs, columns;
  std::string alternative = "two-sided", mode = "auto", zero_method = "wilcox";
  bool json = false, correction = false;
};

namespace st = pv::eval::stats;

int run_stats(const StatsOpts& o) {
  const bool friedman = o.test == "friedman";
  if (friedman && o.csvs.size() < 3) throw pv::UsageError("friedman needs at least 3 CSV files");
  if (!friedman && o.csvs.size() != 2) throw pv::UsageError(o.test + " needs exactly 2 CSV files (A B: tests A - B)");
  st::Alternative alt = o.alternative == "less"      ? st::Alternative::Less
                        : o.alternative == "greater" ? st::Alternative::Greater
                                                     : st::Alternative::TwoSided;
  st::WilcoxonMode mode = o.mode == "exact" ? st::WilcoxonMode::Exact
                          : o.mode == "approx" ? st::WilcoxonMode::Approx
                                               : st::WilcoxonMode::Auto;
  st::ZeroMethod zm = o.zero_method == "pratt"    ? st::ZeroMethod::Pratt
                      : o.zero_method == "zsplit" ? st::ZeroMethod::Zsplit
                                                  : st::ZeroMethod::Wilcox;

  std::vector<pv::eval::ResultTable> tables;
  for (const auto& f : o.csvs) tables.push_back(pv::eval::read_csv(f));
  // Pair rows by key: every table must hold the same keys.
  const auto& keys = tables[0].keys;
  if (keys.empty()) throw pv::InputError(o.csvs[0], "no data rows");
  std::vector<std::vector<std::size_t>> row_of(tables.size());
  for (std::size_t t = 0; t < tables.size(); ++t) {
    if (tables[t].keys.size() != keys.size())
      throw pv::InputError(o.csvs[t], std::to_string(tables[t].keys.size()) + " rows, but " + o.csvs[0] + " has " +
                                          std::to_string(keys.size()) + " (rows are paired by their key)");
    for (const auto& k : keys) {
      auto it = std::find(tables[t].keys.begin(), tables[t].keys.end(), k);
      if (it == tables[t].keys.end()) throw pv::InputError(o.csvs[t], "no row for '" + k + "' (found in " + o.csvs[0] + ")");
      row_of[t].push_back(it - tables[t].keys.begin());
    }
  }
  std::vector<std::string> columns = o.columns;
  if (columns.empty()) columns.push_back("note_f1");

  struct Row {
    std::string column;
    st::TestResult r;
    std::vector<double> means;
  };
  std::vector<Row> rows;
  for (const auto& col : columns) {
    std::vector<std::vector<double>> samples;
    for (std::size_t t = 0; t < tables.size(); ++t) {
      std::vector<double> all = tables[t].column(col, o.csvs[t]), v;
      for (std::size_t i : row_of[t]) v.push_back(all[i]);
      samples.push_back(std::move(v));
    }
    Row row{col, {}, {}};
    if (o.test == "ttest") row.r = st::ttest_rel(samples[0], samples[1], alt);
    else if (o.test == "wilcoxon") row.r = st::wilcoxon(samples[0], samples[1], alt, mode, zm, o.correction);
    else row.r = st::friedman(samples);
    for (const auto& s : samples) row.means.push_back(pv::eval::numpy_sum(s.data(), s.size()) / s.size());
    rows.push_back(std::move(row));
  }
  std::vector<double> ps;
  for (const auto& r : rows) ps.push_back(r.r.pvalue);
  std::vector<double> pb = st::bonferroni(ps);

  if (o.json) {
    nlohmann::ordered_json res = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      nlohmann::ordered_json j = {{"column", rows[i].column}, {"statistic", rows[i].r.statistic},
                          {"pvalue", rows[i].r.pvalue}, {"pvalue_bonferroni", pb[i]},
                          {"method", rows[i].r.method}, {"means", rows[i].means}};
      if (rows[i].r.df > 0) j["df"] = rows[i].r.df;
      if (rows[i].r.method == "approx") j["zstatistic"] = rows[i].r.zstatistic;
      res.push_back(j);
    }
    nlohmann::ordered_json out = {{"test", o.test}, {"files", o.csvs}, {"n", keys.size()}, {"alternative", o.alternative},
                          {"results", res}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s, n = %zu, %s; p corrected for %zu column(s) (Bonferroni)\n", o.test.c_str(), keys.size(),
                o.alternative.c_str(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
      std::printf("%-24s statistic %12.6f  p %.6g  p_bonf %.6g  (%s)\n", rows[i].column.c_str(), rows[i].r.statistic,
                  rows[i].r.pvalue, pb[i], rows[i].r.method.c_str());
  }
  return 0;
}

pv::cli::Verb reg{"stats", 71, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "stats",
      "Significance tests on per-file results as scipy 1.10 computes them: paired t-test (ttest), Wilcoxon "
      "signed-rank (wilcoxon; exact for n <= 50 without zero differences) on A - B, Friedman chi-square (friedman) "
      "over 3+ systems. Rows are paired by their first column; p-values are also given Bonferroni-corrected over "
      "the tested columns");
  auto o = std::make_shared<StatsOpts>();
  cmd->add_option("test", o->test, "ttest | wilcoxon | friedman")
      ->required()
      ->check(CLI::IsMember({"ttest", "wilcoxon", "friedman"}));
  cmd->add_option("csv", o->csvs, "Per-file result CSVs (from `pianovam eval --csv`), one per system")->required();
  cmd->add_option("--column", o->columns, "Metric column(s) to test (default note_f1); repeatable");
  cmd->add_option("--alternative", o->alternative, "two-sided | less | greater")
      ->check(CLI::IsMember({"two-sided", "less", "greater"}))
      ->capture_default_str();
  cmd->add_option("--mode", o->mode, "Wilcoxon: auto | exact | approx")
      ->check(CLI::IsMember({"auto", "exact", "approx"}))
      ->capture_default_str();
  cmd->add_option("--zero-method", o->zero_method, "Wilcoxon: wilcox | pratt | zsplit")
      ->check(CLI::IsMember({"wilcox", "pratt", "zsplit"}))
      ->capture_default_str();
  cmd->add_flag("--correction", o->correction, "Wilcoxon normal approximation: continuity correction");
  cmd->add_flag("--json", o->json, "Print the results as JSON on stdout");
  return [o]() { return run_stats(*o); };
}};

}  // namespace
