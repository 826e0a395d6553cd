#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "core/error.hpp"
#include "test_util.hpp"
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
