#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>

#include "core/error.hpp"
#include "test_util.hpp"
#include "vision/engine.hpp"
#include "vision/tflite.hpp"

namespace tfl = pv::vision::tflite;

namespace {
std::filesystem::path model_path(const char* name) {
  return std::filesystem::path(PV_SOURCE_DIR) / "assets/models" / name;
}
#define REQUIRE_MODEL(name)                                                             \
  if (!std::filesystem::exists(model_path(name))) GTEST_SKIP() << "model not installed " \
                                                               << model_path(name)
}  // namespace

TEST(Tflite, ReadsPalmAndLandmarkModels) {
  for (const char* name : {"palm_detection_full.tflite", "palm_detection_lite.tflite",
                           "hand_landmark_full.tflite", "hand_landmark_lite.tflite"}) {
    REQUIRE_MODEL(name);
    auto m = tfl::load(model_path(name));
    ASSERT_EQ(m.inputs.size(), 1u) << name;
    const auto& in = m.tensor(m.inputs[0]);
    ASSERT_EQ(in.shape.size(), 4u);
    EXPECT_EQ(in.type, 0);
    EXPECT_GT(m.operators.size(), 50u);
    if (std::getenv("PV_DUMP")) {
      std::printf("%s: in %dx%dx%d, %zu ops, outputs:", name, in.shape[1], in.shape[2], in.shape[3],
                  m.operators.size());
      for (int o : m.outputs) {
        std::printf(" %s[", m.tensor(o).name.c_str());
        for (int d : m.tensor(o).shape) std::printf("%d,", d);
        std::printf("]");
      }
      std::printf("\n");
      std::map<std::string, int> hist;
      for (auto& op : m.operators) hist[tfl::op_name(op.code) + std::string("/") + std::to_string(op.code)]++;
      for (auto& [k, v] : hist) std::printf("  %s %d\n", k.c_str(), v);
    }
  }
}

namespace {
std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST(Tflite, RejectsNonModels) {
  EXPECT_THROW(tfl::parse({}, "empty.tflite"), pv::InputError);
  std::vector<std::uint8_t> junk(64, 0xAB);
  EXPECT_THROW(tfl::parse(junk, "junk.tflite"), pv::InputError);
  try {
    tfl::parse(junk, "junk.tflite");
  } catch (const pv::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.tflite"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("TFL3"), std::string::npos);
  }
  EXPECT_THROW(tfl::load("/nonexistent/model.tflite"), pv::InputError);
}

// Mutated and truncated real models: every outcome is either a clean model or pv::InputError; models that
// still parse must also build (or be rejected by) the engine and run without crashing.
TEST(Tflite, MutatedModelsNeverCrash) {
  REQUIRE_MODEL("hand_landmark_lite.tflite");
  const auto original = read_bytes(model_path("hand_landmark_lite.tflite"));
  const auto valid = tfl::parse(original, "valid");
  // Structural bytes = everything outside constant tensor data (mutating weights is not interesting).
  std::vector<bool> weight(original.size(), false);
  for (const auto& t : valid.tensors)
    if (!t.data.empty()) {
      size_t off = static_cast<size_t>(t.data.data() - valid.bytes.data());
      std::fill(weight.begin() + static_cast<long>(off), weight.begin() + static_cast<long>(off + t.data.size()), true);
    }
  std::vector<size_t> structural;
  for (size_t i = 0; i < original.size(); ++i)
    if (!weight[i]) structural.push_back(i);
  ASSERT_GT(structural.size(), 1000u);

  std::mt19937 rng(12345);
  int rejected = 0, parsed = 0, built = 0;
  const int kMutations = 150, kTruncations = 30;
  for (int n = 0; n < kMutations + kTruncations; ++n) {
    auto bytes = original;
    if (n < kMutations) {
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        size_t pos = structural[rng() % structural.size()];
        switch (rng() % 3) {
          case 0: bytes[pos] = static_cast<std::uint8_t>(rng()); break;
          case 1: bytes[pos] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
          default: bytes[pos] = (rng() % 2) ? 0xFF : 0x00; break;
        }
      }
    } else {
      bytes.resize(rng() % original.size());
    }
    try {
      auto m = tfl::parse(std::move(bytes), "mutant.tflite");
      ++parsed;
      pv::vision::Engine engine(m);
      ++built;
      engine.run();
    } catch (const pv::InputError& e) {
      ++rejected;
      EXPECT_NE(std::string(e.what()).find("mutant.tflite"), std::string::npos) << e.what();
    }
  }
  std::printf("mutants: %d rejected, %d parsed, %d built and ran\n", rejected, parsed, built);
  EXPECT_GT(rejected, 0);
  EXPECT_EQ(rejected + built, kMutations + kTruncations);
}

TEST(Engine, HalfToFloat) {
  EXPECT_EQ(pv::vision::half_to_float(0x3C00), 1.0f);
  EXPECT_EQ(pv::vision::half_to_float(0xC000), -2.0f);
  EXPECT_EQ(pv::vision::half_to_float(0x0000), 0.0f);
  EXPECT_FLOAT_EQ(pv::vision::half_to_float(0x0001), 5.9604645e-8f);
  EXPECT_TRUE(std::isinf(pv::vision::half_to_float(0x7C00)));
  EXPECT_FLOAT_EQ(pv::vision::half_to_float(0x3555), 0.33325195f);
}
