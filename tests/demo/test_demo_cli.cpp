#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.hpp"

// End to end: the demo session is generated, synced, aligned, fingered and validated.
TEST(DemoCli, GeneratesAValidSessionAndRecoversPlantedClocks) {
  auto dir = pvtest::temp_dir() / "demo";
  auto r = pvtest::run_cli("-q demo --json \"" + dir.string() + "\"");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["validate"]["problems"].empty()) << j["validate"].dump();
  EXPECT_LT(std::abs(j["sync"]["error_ms"].get<double>()), 1.0);
  EXPECT_LT(j["align"]["onset_error_median_ms"].get<double>(), 3.0);
  EXPECT_LT(j["align"]["onset_error_p95_ms"].get<double>(), 10.0);
  EXPECT_GE(j["fingering"]["hand_finger_accuracy"].get<double>(), 0.97);
  const std::string id = j["id"];
  for (const char* f : {"metadata.json"}) EXPECT_TRUE(std::filesystem::exists(dir / f));
  for (auto sub : {"Audio/" + id + ".wav", "Video/" + id + ".mp4", "MIDI/" + id + ".mid", "TSV/" + id + ".tsv",
                   "Handskeleton/" + id + ".json", "Fingering/" + id + ".tsv"})
    EXPECT_TRUE(std::filesystem::exists(dir / sub)) << sub;
}

TEST(DemoCli, HelpAndBadUsage) {
  EXPECT_EQ(pvtest::run_cli("demo --help").rc, 0);
  EXPECT_EQ(pvtest::run_cli("demo --fps 0 x").rc, 2);
}
