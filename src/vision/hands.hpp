#pragma once
// MediaPipe Hands on the native engine: palm detection (letterbox, SSD anchors, decode, weighted NMS), the ROI
// from a palm, the hand-landmark model on an affine crop, and projection back to the image.
#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/performance.hpp"
#include "vision/engine.hpp"
#include "vision/geometry.hpp"

namespace pv::vision {

struct PalmDetection {
  float xmin = 0, ymin = 0, width = 0, height = 0;  // normalised to the image
  float score = 0;
  std::array<std::array<float, 2>, 7> keypoints{};  // normalised (x, y); 0 wrist, 2 middle-finger MCP
};

// One hand as the landmark model sees it. Labels are MediaPipe's raw handedness (mirrored-image convention).
struct HandResult {
  HandLandmarks landmarks{};              // x, y normalised to the image; z relative depth (x scale)
  std::array<Landmark, 21> world{};       // metres, hand-centred, rotated to the image
  float presence = 0;                     // hand-presence score
  float right_prob = 0;                   // probability of MediaPipe's raw label "Right" (1 - model output)
  bool raw_right() const { return right_prob > 0.5f; }
  float handedness_score() const { return raw_right() ? right_prob : 1.f - right_prob; }
  NormRect roi;                           // the crop the landmarks came from
};

// Where the .tflite files are: $PIANOVAM_MODELS, ./assets/models, or the source tree's assets/models.
std::filesystem::path default_model_dir();

enum class ModelKind { Full, Lite };

class PalmDetector {
 public:
  PalmDetector(const tflite::Model& model, const ThreadPool* pool);
  // Detections sorted by score (after weighted NMS), letterbox removed.
  std::vector<PalmDetection> detect(const ImageView& img, float min_score);
  int input_size() const { return in_w_; }

 private:
  Engine engine_;
  int in_w_ = 192, in_h_ = 192;
  std::vector<std::array<float, 2>> anchors_;  // centres (w = h = 1)
};

// SSD anchors as MediaPipe's SsdAnchorsCalculator builds them for the palm model (fixed size, aspect 1).
std::vector<std::array<float, 2>> palm_anchors(int input_w, int input_h, const std::vector<int>& strides);

// Weighted non-maximum suppression (MediaPipe WEIGHTED, IoU on boxes).
std::vector<PalmDetection> weighted_nms(std::vector<PalmDetection> dets, float iou_threshold);

// ROI for the landmark model from a palm: rotation from keypoint 0 to 2 toward 90 degrees, scale 2.6,
// shift y -0.5, square.
NormRect palm_to_roi(const PalmDetection& d, int image_w, int image_h);
// ROI for the next frame from landmarks: rotation from the wrist to the MCPs, bounds, scale 2.0, shift y -0.1.
NormRect landmarks_to_roi(const HandLandmarks& lm, int image_w, int image_h);

class LandmarkModel {
 public:
  // batch > 1: up to `batch` ROIs go through one engine run (weights read once per layer).
  LandmarkModel(const tflite::Model& model, const ThreadPool* pool, int batch = 1);
  HandResult run(const ImageView& img, const NormRect& roi);
  // One run for up to batch() ROIs (a run costs the full batch whatever the count); results in ROI order.
  std::vector<HandResult> run(const ImageView& img, const std::vector<NormRect>& rois);
  int input_size() const { return in_w_; }
  int batch() const { return engine_.batch(); }

 private:
  HandResult decode(size_t item, const NormRect& roi) const;
  Engine engine_;
  const ThreadPool* pool_ = nullptr;
  int in_w_ = 224, in_h_ = 224;
  int out_landmarks_ = 0, out_presence_ = 1, out_handedness_ = 2, out_world_ = 3;
};

}  // namespace pv::vision
