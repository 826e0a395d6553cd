#include "vision/hands.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>

#include "core/error.hpp"

namespace pv::vision {

namespace {
constexpr float kPi = std::numbers::pi_v<float>;

int dim(const std::vector<int>& s, size_t i) { return i < s.size() ? s[i] : 0; }

float box_iou(const PalmDetection& a, const PalmDetection& b) {
  const float ix = std::max(0.f, std::min(a.xmin + a.width, b.xmin + b.width) - std::max(a.xmin, b.xmin));
  const float iy = std::max(0.f, std::min(a.ymin + a.height, b.ymin + b.height) - std::max(a.ymin, b.ymin));
  const float inter = ix * iy;
  const float uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.f;
}
}  // namespace

std::filesystem::path default_model_dir() {
  if (const char* env = std::getenv("PIANOVAM_MODELS"); env && *env) return env;
  if (std::filesystem::exists("assets/models/hand_landmark_full.tflite")) return "assets/models";
#ifdef PV_ASSET_MODELS
  return PV_ASSET_MODELS;
#else
  return "assets/models";
#endif
}

// ---- palm detection ------------------------------------------------------------------------------------------

std::vector<std::array<float, 2>> palm_anchors(int input_w, int input_h, const std::vector<int>& strides) {
  // SsdAnchorsCalculator with fixed_anchor_size, aspect ratio 1 plus the interpolated scale: 2 anchors per
  // layer per cell; consecutive layers with the same stride share one grid.
  std::vector<std::array<float, 2>> out;
  size_t layer = 0;
  while (layer < strides.size()) {
    size_t last = layer;
    while (last < strides.size() && strides[last] == strides[layer]) ++last;
    const int per_cell = 2 * static_cast<int>(last - layer);
    const int fh = (input_h + strides[layer] - 1) / strides[layer];
    const int fw = (input_w + strides[layer] - 1) / strides[layer];
    for (int y = 0; y < fh; ++y)
      for (int x = 0; x < fw; ++x)
        for (int k = 0; k < per_cell; ++k)
          out.push_back({(static_cast<float>(x) + 0.5f) / static_cast<float>(fw),
                         (static_cast<float>(y) + 0.5f) / static_cast<float>(fh)});
    layer = last;
  }
  return out;
}

std::vector<PalmDetection> weighted_nms(std::vector<PalmDetection> dets, float iou_threshold) {
  std::stable_sort(dets.begin(), dets.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  std::vector<PalmDetection> out;
  std::vector<PalmDetection> remaining = std::move(dets), rest;
  while (!remaining.empty()) {
    const PalmDetection top = remaining.front();
    rest.clear();
    float total = 0, xmin = 0, ymin = 0, xmax = 0, ymax = 0;
    std::array<std::array<float, 2>, 7> kp{};
    for (const auto& d : remaining) {
      if (box_iou(top, d) > iou_threshold) {
        total += d.score;
        xmin += d.xmin * d.score;
        ymin += d.ymin * d.score;
        xmax += (d.xmin + d.width) * d.score;
        ymax += (d.ymin + d.height) * d.score;
        for (size_t k = 0; k < kp.size(); ++k) {
          kp[k][0] += d.keypoints[k][0] * d.score;
          kp[k][1] += d.keypoints[k][1] * d.score;
        }
      } else {
        rest.push_back(d);
      }
    }
    PalmDetection w = top;
    if (total > 0) {
      w.xmin = xmin / total;
      w.ymin = ymin / total;
      w.width = xmax / total - w.xmin;
      w.height = ymax / total - w.ymin;
      for (size_t k = 0; k < kp.size(); ++k) w.keypoints[k] = {kp[k][0] / total, kp[k][1] / total};
    }
    out.push_back(w);
    remaining.swap(rest);
  }
  return out;
}

PalmDetector::PalmDetector(const tflite::Model& model, const ThreadPool* pool) : engine_(model, pool) {
  const auto& in = engine_.input_shape(0);
  if (engine_.num_inputs() != 1 || in.size() != 4 || in[3] != 3 || engine_.num_outputs() != 2)
    throw InputError(model.source, "not a palm detection model (expected one RGB input and two outputs)");
  in_h_ = in[1];
  in_w_ = in[2];
  anchors_ = palm_anchors(in_w_, in_h_, {8, 16, 16, 16});
  const auto& reg = engine_.output_shape(0);
  const auto& sc = engine_.output_shape(1);
  if (dim(reg, 1) != static_cast<int>(anchors_.size()) || dim(reg, 2) != 18 || dim(sc, 1) != dim(reg, 1))
    throw InputError(model.source, "palm model outputs do not match the " + std::to_string(anchors_.size()) +
                                       " anchors x 18 values layout");
}

std::vector<PalmDetection> PalmDetector::detect(const ImageView& img, float min_score) {
  const Letterbox lb = letterbox(img, in_w_, in_h_);
  crop_to_tensor(img, lb.rect, in_w_, in_h_, /*zero_border=*/true, engine_.input(0));
  engine_.run();
  const float* reg = engine_.output(0);
  const float* score = engine_.output(1);
  // score = sigmoid(clamp(raw, -100, 100)) >= min_score  <=>  raw >= logit(min_score)
  std::vector<PalmDetection> dets;
  const float sx = static_cast<float>(in_w_), sy = static_cast<float>(in_h_);
  for (size_t a = 0; a < anchors_.size(); ++a) {
    const float raw = std::clamp(score[a], -100.f, 100.f);
    const float s = 1.f / (1.f + std::exp(-raw));
    if (s < min_score) continue;
    const float* r = reg + a * 18;
    const float xc = r[0] / sx + anchors_[a][0], yc = r[1] / sy + anchors_[a][1];
    const float w = r[2] / sx, h = r[3] / sy;
    PalmDetection d;
    d.xmin = xc - w / 2;
    d.ymin = yc - h / 2;
    d.width = w;
    d.height = h;
    d.score = s;
    for (int k = 0; k < 7; ++k)
      d.keypoints[static_cast<size_t>(k)] = {r[4 + 2 * k] / sx + anchors_[a][0], r[5 + 2 * k] / sy + anchors_[a][1]};
    dets.push_back(d);
  }
  dets = weighted_nms(std::move(dets), 0.3f);
  // Remove the letterbox: map from the padded square back to the image.
  const float kx = 1.f - lb.left - lb.right, ky = 1.f - lb.top - lb.bottom;
  for (auto& d : dets) {
    d.xmin = (d.xmin - lb.left) / kx;
    d.ymin = (d.ymin - lb.top) / ky;
    d.width /= kx;
    d.height /= ky;
    for (auto& k : d.keypoints) k = {(k[0] - lb.left) / kx, (k[1] - lb.top) / ky};
  }
  return dets;
}

NormRect palm_to_roi(const PalmDetection& d, int image_w, int image_h) {
  const float W = static_cast<float>(image_w), H = static_cast<float>(image_h);
  NormRect r;
  r.x_center = d.xmin + d.width / 2;
  r.y_center = d.ymin + d.height / 2;
  r.width = d.width;
  r.height = d.height;
  const float x0 = d.keypoints[0][0] * W, y0 = d.keypoints[0][1] * H;
  const float x1 = d.keypoints[2][0] * W, y1 = d.keypoints[2][1] * H;
  r.rotation = normalize_radians(kPi / 2 - std::atan2(-(y1 - y0), x1 - x0));
  return transform_rect(r, image_w, image_h, 2.6f, 0.f, -0.5f, true);
}

NormRect landmarks_to_roi(const HandLandmarks& lm, int image_w, int image_h) {
  const float W = static_cast<float>(image_w), H = static_cast<float>(image_h);
  // Rotation: wrist toward the mean of the middle MCP and the index/ring MCP midpoint.
  const float x0 = lm[0].x * W, y0 = lm[0].y * H;
  const float x1 = ((lm[5].x + lm[13].x) / 2 + lm[9].x) / 2 * W;
  const float y1 = ((lm[5].y + lm[13].y) / 2 + lm[9].y) / 2 * H;
  const float rotation = normalize_radians(kPi / 2 - std::atan2(-(y1 - y0), x1 - x0));
  const float reverse = normalize_radians(-rotation);
  // Palm and lower finger joints only.
  static constexpr int kPartial[] = {0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18};
  float minx = 1e30f, miny = 1e30f, maxx = -1e30f, maxy = -1e30f;
  for (int i : kPartial) {
    minx = std::min(minx, lm[static_cast<size_t>(i)].x);
    maxx = std::max(maxx, lm[static_cast<size_t>(i)].x);
    miny = std::min(miny, lm[static_cast<size_t>(i)].y);
    maxy = std::max(maxy, lm[static_cast<size_t>(i)].y);
  }
  const float acx = (maxx + minx) / 2, acy = (maxy + miny) / 2;
  const float c = std::cos(reverse), s = std::sin(reverse);
  float pminx = 1e30f, pminy = 1e30f, pmaxx = -1e30f, pmaxy = -1e30f;
  for (int i : kPartial) {
    const float ox = (lm[static_cast<size_t>(i)].x - acx) * W, oy = (lm[static_cast<size_t>(i)].y - acy) * H;
    const float px = ox * c - oy * s, py = ox * s + oy * c;
    pminx = std::min(pminx, px);
    pmaxx = std::max(pmaxx, px);
    pminy = std::min(pminy, py);
    pmaxy = std::max(pmaxy, py);
  }
  const float pcx = (pmaxx + pminx) / 2, pcy = (pmaxy + pminy) / 2;
  const float cr = std::cos(rotation), sr = std::sin(rotation);
  NormRect r;
  r.x_center = (pcx * cr - pcy * sr + W * acx) / W;
  r.y_center = (pcx * sr + pcy * cr + H * acy) / H;
  r.width = (pmaxx - pminx) / W;
  r.height = (pmaxy - pminy) / H;
  r.rotation = rotation;
  return transform_rect(r, image_w, image_h, 2.0f, 0.f, -0.1f, true);
}

// ---- landmarks -----------------------------------------------------------------------------------------------

LandmarkModel::LandmarkModel(const tflite::Model& model, const ThreadPool* pool, int batch)
    : engine_(model, pool, batch), pool_(pool) {
  const auto& in = engine_.input_shape(0);
  if (engine_.num_inputs() != 1 || in.size() != 4 || in[3] != 3 || engine_.num_outputs() != 4)
    throw InputError(model.source, "not a hand landmark model (expected one RGB input and four outputs)");
  in_h_ = in[1];
  in_w_ = in[2];
  // Outputs: landmarks [1,63], presence [1,1], handedness [1,1], world landmarks [1,63] (schema order), the
  // leading dimension being the batch.
  for (size_t i = 0; i < 4; ++i) {
    size_t n = 1;
    for (int d : engine_.output_shape(i)) n *= static_cast<size_t>(d);
    if ((i == 0 || i == 3) ? n != 63u * static_cast<size_t>(batch) : n != static_cast<size_t>(batch))
      throw InputError(model.source, "hand landmark model output " + std::to_string(i) + " has an unexpected size");
  }
}

HandResult LandmarkModel::run(const ImageView& img, const NormRect& roi) {
  crop_to_tensor(img, roi, in_w_, in_h_, /*zero_border=*/false, engine_.input(0));
  engine_.run();
  return decode(0, roi);
}

std::vector<HandResult> LandmarkModel::run(const ImageView& img, const std::vector<NormRect>& rois) {
  if (rois.size() > static_cast<size_t>(batch()))
    throw Error("landmark model: " + std::to_string(rois.size()) + " ROIs for a batch of " + std::to_string(batch()));
  const size_t item = static_cast<size_t>(in_w_) * static_cast<size_t>(in_h_) * 3;
  // Items past rois.size() keep their previous input: their results are not read.
  auto crop = [&](size_t i) { crop_to_tensor(img, rois[i], in_w_, in_h_, false, engine_.input(0) + i * item); };
  if (pool_) pool_->parallel_for(rois.size(), crop);
  else
    for (size_t i = 0; i < rois.size(); ++i) crop(i);
  if (!rois.empty()) engine_.run();
  std::vector<HandResult> out;
  for (size_t i = 0; i < rois.size(); ++i) out.push_back(decode(i, rois[i]));
  return out;
}

HandResult LandmarkModel::decode(size_t item, const NormRect& roi) const {
  HandResult h;
  h.roi = roi;
  h.presence = engine_.output(out_presence_)[item];
  // MediaPipe's binary classification gives the model's value to class 0 ("Left").
  h.right_prob = 1.f - engine_.output(out_handedness_)[item];
  const float* lm = engine_.output(out_landmarks_) + 63 * item;
  const float* wl = engine_.output(out_world_) + 63 * item;
  const float c = std::cos(roi.rotation), s = std::sin(roi.rotation);
  for (size_t i = 0; i < 21; ++i) {
    const float x = lm[3 * i] / static_cast<float>(in_w_) - 0.5f;
    const float y = lm[3 * i + 1] / static_cast<float>(in_h_) - 0.5f;
    const float z = lm[3 * i + 2] / static_cast<float>(in_w_);
    h.landmarks[i].x = (c * x - s * y) * roi.width + roi.x_center;
    h.landmarks[i].y = (s * x + c * y) * roi.height + roi.y_center;
    h.landmarks[i].z = z * roi.width;
    h.world[i].x = c * wl[3 * i] - s * wl[3 * i + 1];
    h.world[i].y = s * wl[3 * i] + c * wl[3 * i + 1];
    h.world[i].z = wl[3 * i + 2];
  }
  return h;
}

}  // namespace pv::vision
