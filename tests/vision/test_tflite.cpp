#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>

#include "core/error.hpp"
#include "test_util.hpp"
#include "vision/engine.hpp"
#include "vision/hands.hpp"
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

// A batch-2 engine gives each item the outputs a batch-1 engine gives it alone (every operator of the hand
// models sees the batch: convolutions, reshapes, fully connected layers, concatenation slices, means).
TEST(Engine, BatchOfTwoEqualsTwoSingleRuns) {
  for (const char* name : {"hand_landmark_full.tflite", "hand_landmark_lite.tflite", "palm_detection_full.tflite"}) {
    REQUIRE_MODEL(name);
    const auto m = tfl::load(model_path(name));
    pv::vision::Engine one(m), two(m, nullptr, 2);
    ASSERT_EQ(two.batch(), 2);
    ASSERT_EQ(one.input_shape(0)[0], 1) << name;
    ASSERT_EQ(two.input_shape(0)[0], 2) << name;
    size_t in_size = 1;
    for (int d : one.input_shape(0)) in_size *= static_cast<size_t>(d);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> pixel(0.f, 1.f);
    for (size_t i = 0; i < 2 * in_size; ++i) two.input(0)[i] = pixel(rng);
    two.run();
    for (size_t item = 0; item < 2; ++item) {
      std::memcpy(one.input(0), two.input(0) + item * in_size, in_size * sizeof(float));
      one.run();
      for (size_t o = 0; o < one.num_outputs(); ++o) {
        size_t n = 1;
        for (int d : one.output_shape(o)) n *= static_cast<size_t>(d);
        ASSERT_EQ(two.output_shape(o)[0], 2 * one.output_shape(o)[0]) << name << " output " << o;
        size_t differ = 0;
        for (size_t k = 0; k < n; ++k) {
          const float a = one.output(o)[k], b = two.output(o)[item * n + k];
          differ += !(std::abs(a - b) <= 1e-4f * std::max(1.f, std::abs(a)));
        }
        EXPECT_EQ(differ, 0u) << name << " output " << o << " item " << item;
      }
    }
  }
}

TEST(Engine, RejectsBadBatchSizes) {
  REQUIRE_MODEL("hand_landmark_lite.tflite");
  const auto m = tfl::load(model_path("hand_landmark_lite.tflite"));
  EXPECT_THROW(pv::vision::Engine(m, nullptr, 0), pv::InputError);
  EXPECT_THROW(pv::vision::Engine(m, nullptr, 65), pv::InputError);
}

// LandmarkModel over a batch: each ROI's hand equals a single run on it; more ROIs than the batch is an error.
TEST(Engine, LandmarkBatchRunEqualsSingleRuns) {
  REQUIRE_MODEL("hand_landmark_lite.tflite");
  const auto m = tfl::load(model_path("hand_landmark_lite.tflite"));
  pv::vision::ThreadPool pool(2);
  pv::vision::LandmarkModel single(m, nullptr), pair(m, &pool, 2);
  EXPECT_EQ(pair.batch(), 2);
  std::vector<std::uint8_t> rgb(320 * 240 * 3);
  std::mt19937 rng(3);
  for (auto& v : rgb) v = static_cast<std::uint8_t>(rng() >> 24);
  const pv::vision::ImageView img{rgb.data(), 320, 240};
  const std::vector<pv::vision::NormRect> rois = {{0.3f, 0.5f, 0.4f, 0.5f, 0.3f}, {0.7f, 0.4f, 0.5f, 0.6f, -1.f}};
  const auto both = pair.run(img, rois);
  ASSERT_EQ(both.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto h = single.run(img, rois[i]);
    EXPECT_NEAR(both[i].presence, h.presence, 1e-5f);
    EXPECT_NEAR(both[i].right_prob, h.right_prob, 1e-5f);
    EXPECT_EQ(both[i].roi.rotation, rois[i].rotation);
    for (size_t k = 0; k < 21; ++k) {
      EXPECT_NEAR(both[i].landmarks[k].x, h.landmarks[k].x, 1e-5f) << i << " " << k;
      EXPECT_NEAR(both[i].landmarks[k].y, h.landmarks[k].y, 1e-5f) << i << " " << k;
      EXPECT_NEAR(both[i].world[k].z, h.world[k].z, 1e-5f) << i << " " << k;
    }
  }
  const auto first = pair.run(img, std::vector<pv::vision::NormRect>{rois[0]});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NEAR(first[0].landmarks[0].x, both[0].landmarks[0].x, 1e-5f);
  EXPECT_THROW(pair.run(img, std::vector<pv::vision::NormRect>{rois[0], rois[1], rois[0]}), pv::Error);
}
