#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "core/error.hpp"
#include "io/json/metadata.hpp"
#include "test_util.hpp"

namespace {
using pv::meta::Metadata;

const char* kGood = R"json({
  "0": {
    "record_time": "2024-02-14_19-05-33", "split": "train", "composer": "Chopin", "piece": "Etude Op.10 No.3",
    "performance_method": "solo", "performance_type": "practice",
    "P1_name": "A", "P1_gender": "F", "P1_age": 24, "P1_skill": "Advanced", "P1_musicmajor": "Yes",
    "duration": 312.5,
    "Point_LT": "101, 620", "Point_RT": "1830, 618", "Point_RB": "1834, 812", "Point_LB": "97, 815",
    "studio": {"room": 3, "mics": ["a", "b"]}
  },
  "1": {
    "record_time": "2024-02-15_10-00-00", "split": "test", "composer": "Bach", "piece": "Invention 1",
    "performance_method": "duet", "performance_type": "performance",
    "P1_name": "B", "P1_gender": "M", "P1_age": "31", "P1_skill": "Beginner", "P1_musicmajor": "No",
    "P2_name": "C", "P2_gender": "F", "P2_age": 29.0, "P2_skill": "Intermediate", "P2_musicmajor": "No",
    "duration": "95.25",
    "Point_LT": "(100.5,600)", "Point_RT": "1800, 600", "Point_RB": "1800, 800", "Point_LB": "100, 800",
    "notes": null
  }
})json";

bool same(const pv::SessionMetadata& a, const pv::SessionMetadata& b) {
  return a.record_time == b.record_time && a.split == b.split && a.composer == b.composer && a.piece == b.piece &&
         a.performance_method == b.performance_method && a.performance_type == b.performance_type &&
         a.p1_name == b.p1_name && a.p1_gender == b.p1_gender && a.p1_skill == b.p1_skill &&
         a.p1_musicmajor == b.p1_musicmajor && a.p1_age == b.p1_age && a.p2_name == b.p2_name &&
         a.p2_gender == b.p2_gender && a.p2_skill == b.p2_skill && a.p2_musicmajor == b.p2_musicmajor &&
         a.p2_age == b.p2_age && a.duration == b.duration && a.corners == b.corners && a.extra == b.extra;
}
bool same(const Metadata& a, const Metadata& b) {
  if (a.records.size() != b.records.size()) return false;
  for (size_t i = 0; i < a.records.size(); ++i)
    if (a.records[i].first != b.records[i].first || !same(a.records[i].second, b.records[i].second)) return false;
  return true;
}
std::vector<std::string> codes(const pv::SessionMetadata& r) {
  std::vector<std::string> out;
  for (const auto& p : pv::meta::check_record(r)) out.push_back(p.code);
  return out;
}
}  // namespace

TEST(Metadata, ParsesTypedFields) {
  Metadata m = pv::meta::parse(kGood, "m.json");
  ASSERT_EQ(m.records.size(), 2u);
  const auto& r0 = m.records[0].second;
  EXPECT_EQ(m.records[0].first, "0");
  EXPECT_EQ(r0.record_time, "2024-02-14_19-05-33");
  EXPECT_EQ(r0.p1_age, 24.0);
  EXPECT_EQ(r0.duration, 312.5);
  ASSERT_TRUE(r0.corners);
  EXPECT_EQ(r0.corners->rb, (pv::Point2{1834, 812}));
  EXPECT_FALSE(r0.p2_name);
  const auto& r1 = m.records[1].second;
  EXPECT_EQ(r1.p1_age, 31.0);     // numeric string
  EXPECT_EQ(r1.duration, 95.25);  // numeric string
  EXPECT_EQ(r1.p2_age, 29.0);
  EXPECT_EQ(r1.corners->lt, (pv::Point2{100.5, 600}));
  EXPECT_EQ(r1.p2_skill, "Intermediate");
  EXPECT_TRUE(codes(r0).empty());
  EXPECT_TRUE(codes(r1).empty());
}

TEST(Metadata, RoundTripIsIdentity) {
  Metadata m = pv::meta::parse(kGood, "m.json");
  std::string text = pv::meta::serialize(m);
  Metadata m2 = pv::meta::parse(text, "m2.json");
  EXPECT_TRUE(same(m, m2));
  EXPECT_EQ(pv::meta::serialize(m2), text);
  // Forms are kept: numeric strings stay strings, numbers stay numbers, corner spellings stay.
  EXPECT_NE(text.find("\"duration\": \"95.25\""), std::string::npos);
  EXPECT_NE(text.find("\"P1_age\": \"31\""), std::string::npos);
  EXPECT_NE(text.find("\"P1_age\": 24,"), std::string::npos);
  EXPECT_NE(text.find("\"P2_age\": 29.0"), std::string::npos);
  EXPECT_NE(text.find("\"duration\": 312.5"), std::string::npos);
  EXPECT_NE(text.find("\"Point_LT\": \"(100.5,600)\""), std::string::npos);
  EXPECT_NE(text.find("\"notes\": null"), std::string::npos);
  EXPECT_NE(text.find("\"mics\""), std::string::npos);
}

TEST(Metadata, WriteReadFileIdentity) {
  auto dir = pvtest::temp_dir();
  Metadata m = pv::meta::parse(kGood, "m.json");
  pv::meta::write(dir / "metadata.json", m);
  EXPECT_TRUE(same(m, pv::meta::read(dir / "metadata.json")));
  auto s = pv::meta::sessions(dir);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].video(), dir / "Video" / "2024-02-15_10-00-00.mp4");
  EXPECT_EQ(s[1].key, "1");
}

TEST(Metadata, EditedValuesKeepTheirForm) {
  Metadata m = pv::meta::parse(kGood, "m.json");
  m.records[1].second.duration = 100.0;
  m.records[1].second.corners->lt = {1, 2};
  m.records[0].second.duration = 7.75;
  std::string text = pv::meta::serialize(m);
  EXPECT_NE(text.find("\"duration\": \"100\""), std::string::npos);
  EXPECT_NE(text.find("\"Point_LT\": \"1, 2\""), std::string::npos);
  EXPECT_NE(text.find("\"duration\": 7.75"), std::string::npos);
  EXPECT_EQ(pv::meta::serialize(pv::meta::parse(text, "x")), text);
}

TEST(Metadata, Points) {
  EXPECT_EQ(pv::meta::parse_point("12, 34"), (pv::Point2{12, 34}));
  EXPECT_EQ(pv::meta::parse_point(" 12.5 ,-3 "), (pv::Point2{12.5, -3}));
  EXPECT_EQ(pv::meta::parse_point("[1, 2]"), (pv::Point2{1, 2}));
  EXPECT_EQ(pv::meta::format_point({12, 34}), "12, 34");
  EXPECT_EQ(pv::meta::format_point({0.1, 1e-3}), "0.1, 0.001");
  for (const char* bad : {"", "12", "12 34", "a, b", "1, 2, 3", "1,", ",2", "nan, 1", "inf, 2", "1e999, 2"})
    EXPECT_THROW(pv::meta::parse_point(bad), pv::Error) << bad;
  // format -> parse is exact for arbitrary doubles.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-5000, 5000);
  for (int i = 0; i < 200; ++i) {
    pv::Point2 p{u(rng), u(rng)};
    EXPECT_EQ(pv::meta::parse_point(pv::meta::format_point(p)), p);
  }
}

TEST(Metadata, CheckRecordCodes) {
  const auto base = nlohmann::ordered_json::parse(kGood)["0"];
  // Sets key to value (JSON text), or erases it when value is empty; returns the sorted codes.
  auto codes_with = [&](const std::string& key, const std::string& value) {
    auto rec = base;
    if (value.empty())
      rec.erase(key);
    else
      rec[key] = nlohmann::ordered_json::parse(value);
    nlohmann::ordered_json doc;
    doc["0"] = rec;
    auto got = codes(pv::meta::parse(doc.dump(), "x").records[0].second);
    std::sort(got.begin(), got.end());
    return got;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(codes_with("split", "\"training\""), V{"META_BAD_SPLIT"});
  EXPECT_EQ(codes_with("P1_skill", "\"Expert\""), V{"META_BAD_SKILL"});
  EXPECT_EQ(codes_with("record_time", "\"2024-13-01_00-00-00\""), V{"META_BAD_RECORD_TIME"});
  EXPECT_EQ(codes_with("record_time", "\"2024-01-01 00:00:00\""), V{"META_BAD_RECORD_TIME"});
  EXPECT_EQ(codes_with("Point_RB", "\"1834 812\""), V{"META_BAD_CORNER"});
  EXPECT_EQ(codes_with("Point_RB", "[1834, 812]"), V{"META_BAD_CORNER"});
  EXPECT_EQ(codes_with("Point_RB", "\"50, 50\""), V{"META_BAD_CORNER"});  // not convex
  EXPECT_EQ(codes_with("duration", "\"long\""), V{"META_BAD_DURATION"});
  EXPECT_EQ(codes_with("duration", "-3"), V{"META_BAD_DURATION"});
  EXPECT_EQ(codes_with("duration", "\"12.5\""), V{});
  EXPECT_EQ(codes_with("P1_age", "\"\""), V{"META_EMPTY_VALUE"});
  EXPECT_EQ(codes_with("P1_age", "400"), V{"META_BAD_AGE"});
  EXPECT_EQ(codes_with("composer", "\"\""), V{"META_EMPTY_VALUE"});
  EXPECT_EQ(codes_with("composer", "42"), V{"META_BAD_TYPE"});
  EXPECT_EQ(codes_with("piece", ""), V{"META_MISSING_KEY"});
  EXPECT_EQ(codes_with("Point_LB", ""), V{"META_MISSING_KEY"});
  EXPECT_EQ(codes_with("duration", ""), V{"META_MISSING_KEY"});
  EXPECT_EQ(codes_with("P2_name", "\"X\""), V(4, "META_MISSING_KEY"));  // duet without P2 details
  EXPECT_EQ(codes_with("P2_skill", "\"Pro\""), V{"META_BAD_SKILL"});
  EXPECT_EQ(codes_with("P2_age", "\"\""), V{});  // solo placeholders
  EXPECT_EQ(codes_with("P2_age", "null"), V{});
  EXPECT_EQ(codes_with("P2_name", "\"\""), V{});
  EXPECT_EQ(codes_with("P2_age", "\"old\""), V{"META_BAD_AGE"});
  EXPECT_EQ(codes_with("P2_gender", "3"), V{"META_BAD_TYPE"});
  EXPECT_EQ(codes(pv::SessionMetadata{}).size(), 16u);  // every required key missing
}

TEST(Metadata, StructuralErrorsAreInputErrors) {
  for (const char* bad : {"", "[]", "42", "{\"0\": 5}", "{\"0\": []}", "{\"0\": {}", "{\"0\": {\"a\": 1}} x",
                          "{\"0\": {}, \"0\": {}}", "{\"0\": {\"split\": \"a\", \"split\": \"b\"}}", "\xff"}) {
    try {
      pv::meta::parse(bad, "bad.json");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const pv::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos);
    }
  }
}

TEST(Metadata, DeepNestingIsAnInputError) {
  std::string deep = "{\"0\": {\"x\": " + std::string(100000, '[') + std::string(100000, ']') + "}}";
  EXPECT_THROW(pv::meta::parse(deep, "deep.json"), pv::InputError);
  std::string ok = "{\"0\": {\"x\": " + std::string(100, '[') + std::string(100, ']') + "}}";
  EXPECT_EQ(pv::meta::parse(ok, "ok.json").records.size(), 1u);
}

// Hundreds of truncations, bit flips and byte replacements: each either parses (then round-trips)
// or gives an InputError naming the file; nothing else escapes.
TEST(Metadata, MutationsNeverCrash) {
  const std::string good = kGood;
  std::mt19937 rng(1234);
  int errors = 0, total = 0;
  auto attempt = [&](const std::string& text, bool must_fail) {
    ++total;
    try {
      Metadata m = pv::meta::parse(text, "mut.json");
      for (auto& [k, r] : m.records) (void)pv::meta::check_record(r);
      EXPECT_TRUE(same(m, pv::meta::parse(pv::meta::serialize(m), "again")));
      EXPECT_FALSE(must_fail) << text;
    } catch (const pv::InputError& e) {
      ++errors;
      EXPECT_NE(std::string(e.what()).find("mut.json"), std::string::npos);
    }
  };
  for (size_t n = 0; n + 2 < good.size(); n += 7) attempt(good.substr(0, n), true);
  for (int i = 0; i < 300; ++i) {
    std::string t = good;
    size_t pos = rng() % t.size();
    t[pos] = static_cast<char>(t[pos] ^ (1 << (rng() % 8)));
    attempt(t, false);
  }
  const char* structural = "{}[]\",:0";
  for (int i = 0; i < 200; ++i) {
    std::string t = good;
    t[rng() % t.size()] = structural[rng() % 8];
    attempt(t, false);
  }
  EXPECT_GE(total, 500);
  EXPECT_GE(errors, 200);
}
