#pragma once
// Helpers shared by tests: real-data location, temp dirs, running the CLI.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace pvtest {

inline std::filesystem::path shared_data() { return PV_SHARED_DATA; }

// Skips the test (with a clear message) when ../shared/data/<sub> is absent.
#define PV_REQUIRE_SHARED(sub)                                                               \
  do {                                                                                      \
    if (!std::filesystem::exists(pvtest::shared_data() / (sub)))                            \
      GTEST_SKIP() << "real data not present: " << (pvtest::shared_data() / (sub)).string() \
                   << " (tests using ../shared/data skip without it)";                      \
  } while (0)

// A fresh, empty directory for this test: <build>/test-tmp/<suite>.<test>.
inline std::filesystem::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path d = std::filesystem::path(PV_TEST_TMP) /
                            (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

struct CliResult {
  int rc = -1;
  std::string out;  // stdout (stderr goes to <tmp>/stderr.txt if needed)
};

// Runs `pianovam <args>` through the shell; stderr is captured into out as well when merge is set.
inline CliResult run_cli(const std::string& args, bool merge_stderr = false) {
  std::string cmd = std::string("\"") + PV_CLI + "\" " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

}  // namespace pvtest
