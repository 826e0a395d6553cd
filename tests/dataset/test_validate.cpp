#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "dataset/validate.hpp"
#include "dataset_fixture.hpp"
#include "test_util.hpp"

namespace {
namespace fs = std::filesystem;

pv::dataset::Probes probes() {
  auto p = pv::dataset::default_probes();
  EXPECT_TRUE(p.audio_duration && p.video && p.midi_end && p.tsv_end && p.fingering_end && p.hand_frames);
  return p;
}

std::vector<std::string> wheres(const pv::dataset::Report& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) {
    std::string line = pv::dataset::format_line(f);
    out.push_back(line.substr(0, line.find(": ")));
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST(Validate, CleanDatasetHasNoFindings) {
  auto root = pvtest::temp_dir();
  dstest::write_meta(root, dstest::make_dataset(root, dstest::templates("validate-templates"), 3));
  auto r = pv::dataset::validate(root, probes());
  EXPECT_EQ(r.records, 3u);
  for (const auto& f : r.findings) ADD_FAILURE() << pv::dataset::format_line(f);
  EXPECT_TRUE(pv::dataset::to_json(root, r)["ok"].get<bool>());
}

TEST(Validate, ReportsExactlyThePlantedFaults) {
  auto root = pvtest::temp_dir();
  auto expect = dstest::make_faulty_dataset(root, dstest::templates("validate-templates"));
  auto r = pv::dataset::validate(root, probes());
  EXPECT_EQ(wheres(r), expect);
  for (const auto& f : r.findings) std::printf("  %s\n", pv::dataset::format_line(f).c_str());
  auto j = pv::dataset::to_json(root, r);
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(j["problems"].size(), expect.size());
  EXPECT_EQ(j["records"].get<int>(), 8);
}

TEST(Validate, DurationToleranceIsAnOption) {
  auto root = pvtest::temp_dir();
  auto tpl = dstest::templates("validate-templates");
  dstest::write_meta(root, dstest::make_dataset(root, tpl, 1));
  fs::copy_file(tpl / "audio_long.wav", root / "Audio" / (dstest::id_of(0) + ".wav"),
                fs::copy_options::overwrite_existing);
  EXPECT_EQ(pv::dataset::validate(root, probes()).findings.size(), 1u);
  pv::dataset::Options loose;
  loose.duration_tolerance = 3.5;
  EXPECT_TRUE(pv::dataset::validate(root, probes(), loose).findings.empty());
}

TEST(Validate, MetadataProblems) {
  auto root = pvtest::temp_dir();
  auto r = pv::dataset::validate(root, probes());
  EXPECT_EQ(wheres(r), std::vector<std::string>{"E_NO_METADATA metadata.json"});
  pv::write_file_atomic(root / "metadata.json", "{\"0\": ");
  EXPECT_EQ(wheres(pv::dataset::validate(root, probes())), std::vector<std::string>{"E_METADATA_PARSE metadata.json"});
  // Keys out of order; an id that tries to leave the root is never joined to a path.
  nlohmann::ordered_json meta;
  meta["1"] = dstest::record("../../../etc/passwd");
  pv::write_file_atomic(root / "metadata.json", meta.dump());
  EXPECT_EQ(wheres(pv::dataset::validate(root, probes())),
            (std::vector<std::string>{"E_META_BAD_INDEX metadata.json[\"1\"] (../../../etc/passwd)",
                                      "E_META_BAD_RECORD_TIME metadata.json[\"1\"] (../../../etc/passwd)"}));
}

TEST(Validate, HandsAndNotesBeyondTheRecording) {
  auto root = pvtest::temp_dir();
  auto tpl = dstest::templates("validate-templates");
  auto meta = dstest::make_dataset(root, tpl, 1);
  meta["0"]["duration"] = "1.0";  // numeric string: media last 3 s, MIDI ends at 2.5 s
  dstest::write_meta(root, meta);
  auto w = wheres(pv::dataset::validate(root, probes()));
  const std::string id = dstest::id_of(0);
  EXPECT_EQ(w, (std::vector<std::string>{"E_DURATION_MISMATCH Audio/" + id + ".wav",
                                         "E_DURATION_MISMATCH Fingering/" + id + ".tsv",
                                         "E_DURATION_MISMATCH MIDI/" + id + ".mid",
                                         "E_DURATION_MISMATCH TSV/" + id + ".tsv",
                                         "E_DURATION_MISMATCH Video/" + id + ".mp4"}));
  meta["0"]["duration"] = 3.0;
  dstest::write_meta(root, meta);
  pv::hands_io::HandTrack t;
  t.frames.resize(200);  // 6.7 s at 30 fps against a 3 s video
  pv::hands_io::write_json(root / "Handskeleton" / (id + ".json"), t);
  EXPECT_EQ(wheres(pv::dataset::validate(root, probes())),
            std::vector<std::string>{"E_DURATION_MISMATCH Handskeleton/" + id + ".json"});
}

TEST(Validate, RootMustBeADirectory) {
  auto root = pvtest::temp_dir();
  EXPECT_THROW(pv::dataset::validate(root / "absent", probes()), pv::UsageError);
  pv::write_file_atomic(root / "file", "x");
  EXPECT_THROW(pv::dataset::validate(root / "file", probes()), pv::UsageError);
}
