#include <gtest/gtest.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "test_util.hpp"

TEST(AtomicFile, WritesAndReplaces) {
  auto d = pvtest::temp_dir();
  pv::write_file_atomic(d / "sub" / "a.txt", "hello");
  EXPECT_EQ(pv::read_file(d / "sub" / "a.txt"), "hello");
  pv::write_file_atomic(d / "sub" / "a.txt", "bye");
  EXPECT_EQ(pv::read_file(d / "sub" / "a.txt"), "bye");
  size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator(d / "sub")) n += e.is_regular_file();
  EXPECT_EQ(n, 1u);  // no temp files left behind
}

TEST(AtomicFile, AbandonedWriteLeavesOldContent) {
  auto d = pvtest::temp_dir();
  pv::write_file_atomic(d / "a.txt", "old");
  {
    pv::AtomicFile f(d / "a.txt");
    std::ofstream(f.temp_path()) << "half";
    // no commit: simulates an interrupted run
  }
  EXPECT_EQ(pv::read_file(d / "a.txt"), "old");
}

TEST(AtomicFile, ReadMissingNamesFile) {
  try {
    pv::read_file("/nonexistent/x.mid");
    FAIL();
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.mid"), std::string::npos);
  }
}
