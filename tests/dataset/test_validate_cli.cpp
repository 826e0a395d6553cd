// `pianovam validate` end to end: planted faults, clean dataset, --json, exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "dataset_fixture.hpp"
#include "test_util.hpp"

namespace {
std::vector<std::string> line_wheres(const std::string& out) {
  std::vector<std::string> w;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) w.push_back(line.substr(0, line.find(": ")));
  std::sort(w.begin(), w.end());
  return w;
}
std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }
}  // namespace

TEST(ValidateCli, PlantedFaultsExactly) {
  auto root = pvtest::temp_dir();
  auto expect = dstest::make_faulty_dataset(root, dstest::templates("validate-cli-templates"));
  auto r = pvtest::run_cli("validate " + q(root));
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(line_wheres(r.out), expect) << r.out;

  auto j = pvtest::run_cli("validate --json " + q(root));
  EXPECT_EQ(j.rc, 1);
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_FALSE(doc["ok"].get<bool>());
  EXPECT_EQ(doc["records"].get<int>(), 8);
  std::vector<std::string> from_json;
  for (const auto& p : doc["problems"]) {
    std::string where = p["path"].get<std::string>();
    if (where.empty())
      where = "metadata.json[\"" + p["record"].get<std::string>() + "\"] (" + p["id"].get<std::string>() + ")";
    from_json.push_back(p["code"].get<std::string>() + " " + where);
  }
  std::sort(from_json.begin(), from_json.end());
  EXPECT_EQ(from_json, expect);
}

TEST(ValidateCli, CleanDatasetExitsZero) {
  auto root = pvtest::temp_dir();
  dstest::write_meta(root, dstest::make_dataset(root, dstest::templates("validate-cli-templates"), 2));
  auto r = pvtest::run_cli("validate " + q(root), true);
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("2 record(s), 0 problem(s)"), std::string::npos) << r.out;
  auto j = pvtest::run_cli("--quiet validate --json " + q(root));
  EXPECT_EQ(j.rc, 0);
  EXPECT_TRUE(nlohmann::json::parse(j.out)["ok"].get<bool>());
}

TEST(ValidateCli, UsageErrorsExitTwo) {
  auto root = pvtest::temp_dir();
  EXPECT_EQ(pvtest::run_cli("validate " + q(root / "absent")).rc, 2);
  EXPECT_EQ(pvtest::run_cli("validate").rc, 2);
  EXPECT_EQ(pvtest::run_cli("validate --tolerance -1 " + q(root)).rc, 2);
  auto help = pvtest::run_cli("validate --help");
  EXPECT_EQ(help.rc, 0);
  EXPECT_NE(help.out.find("--json"), std::string::npos);
  // An empty directory is a dataset without metadata: a problem, not a usage error.
  auto empty = pvtest::run_cli("validate " + q(root));
  EXPECT_EQ(empty.rc, 1);
  EXPECT_NE(empty.out.find("E_NO_METADATA"), std::string::npos);
}
