#include "vision/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace pv::vision {

float normalize_radians(float angle) {
  constexpr float pi = std::numbers::pi_v<float>;
  return angle - 2 * pi * std::floor((angle + pi) / (2 * pi));
}

void crop_to_tensor(const ImageView& img, const NormRect& roi, int out_w, int out_h, bool zero_border, float* out) {
  const float W = static_cast<float>(img.width), H = static_cast<float>(img.height);
  const float cx = roi.x_center * W, cy = roi.y_center * H;
  const float rw = roi.width * W, rh = roi.height * H;
  const float c = std::cos(roi.rotation), s = std::sin(roi.rotation);
  // Source pixel position (continuous, pixel centres at +0.5) of output pixel centre (i, j):
  // centre + R * (u * rw, v * rh), u = (j + 0.5) / out_w - 0.5, v = (i + 0.5) / out_h - 0.5.
  const int wmax = img.width - 1, hmax = img.height - 1;
  constexpr float k = 1.0f / 255.0f;
  for (int i = 0; i < out_h; ++i) {
    const float v = (static_cast<float>(i) + 0.5f) / static_cast<float>(out_h) - 0.5f;
    for (int j = 0; j < out_w; ++j) {
      const float u = (static_cast<float>(j) + 0.5f) / static_cast<float>(out_w) - 0.5f;
      const float sx = cx + u * rw * c - v * rh * s;
      const float sy = cy + u * rw * s + v * rh * c;
      float* o = out + (static_cast<size_t>(i) * static_cast<size_t>(out_w) + static_cast<size_t>(j)) * 3;
      if (zero_border && (sx < 0 || sy < 0 || sx > W || sy > H)) {
        o[0] = o[1] = o[2] = 0.f;
        continue;
      }
      const float px = sx - 0.5f, py = sy - 0.5f;
      const float fx0 = std::floor(px), fy0 = std::floor(py);
      const float ax = px - fx0, ay = py - fy0;
      const int x0 = std::clamp(static_cast<int>(fx0), 0, wmax), x1 = std::clamp(static_cast<int>(fx0) + 1, 0, wmax);
      const int y0 = std::clamp(static_cast<int>(fy0), 0, hmax), y1 = std::clamp(static_cast<int>(fy0) + 1, 0, hmax);
      const std::uint8_t* r0 = img.rgb + static_cast<size_t>(y0) * static_cast<size_t>(img.width) * 3;
      const std::uint8_t* r1 = img.rgb + static_cast<size_t>(y1) * static_cast<size_t>(img.width) * 3;
      for (int ch = 0; ch < 3; ++ch) {
        const float top = r0[x0 * 3 + ch] + ax * (r0[x1 * 3 + ch] - r0[x0 * 3 + ch]);
        const float bot = r1[x0 * 3 + ch] + ax * (r1[x1 * 3 + ch] - r1[x0 * 3 + ch]);
        o[ch] = (top + ay * (bot - top)) * k;
      }
    }
  }
}

Letterbox letterbox(const ImageView& img, int out_w, int out_h) {
  Letterbox lb;
  lb.rect = {0.5f, 0.5f, 1.f, 1.f, 0.f};
  const float W = static_cast<float>(img.width), H = static_cast<float>(img.height);
  const float tensor_aspect = static_cast<float>(out_h) / static_cast<float>(out_w);
  const float roi_aspect = H / W;
  if (tensor_aspect > roi_aspect) {  // taller tensor: pad top/bottom
    const float new_h = W * tensor_aspect;
    lb.rect.height = new_h / H;
    lb.top = lb.bottom = (1.f - H / new_h) / 2.f;
  } else {
    const float new_w = H / tensor_aspect;
    lb.rect.width = new_w / W;
    lb.left = lb.right = (1.f - W / new_w) / 2.f;
  }
  return lb;
}

NormRect transform_rect(const NormRect& r, int image_w, int image_h, float scale, float shift_x, float shift_y,
                        bool square_long) {
  const float W = static_cast<float>(image_w), H = static_cast<float>(image_h);
  NormRect o = r;
  if (r.rotation == 0.f) {
    o.x_center += r.width * shift_x;
    o.y_center += r.height * shift_y;
  } else {
    const float c = std::cos(r.rotation), s = std::sin(r.rotation);
    o.x_center += (W * r.width * shift_x * c - H * r.height * shift_y * s) / W;
    o.y_center += (W * r.width * shift_x * s + H * r.height * shift_y * c) / H;
  }
  if (square_long) {
    const float long_side = std::max(r.width * W, r.height * H);
    o.width = long_side / W;
    o.height = long_side / H;
  }
  o.width *= scale;
  o.height *= scale;
  return o;
}

float rect_iou(const NormRect& a, const NormRect& b) {
  const float ax0 = a.x_center - a.width / 2, ay0 = a.y_center - a.height / 2;
  const float bx0 = b.x_center - b.width / 2, by0 = b.y_center - b.height / 2;
  const float ix = std::max(0.f, std::min(ax0 + a.width, bx0 + b.width) - std::max(ax0, bx0));
  const float iy = std::max(0.f, std::min(ay0 + a.height, by0 + b.height) - std::max(ay0, by0));
  const float inter = ix * iy;
  const float uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.f;
}

}  // namespace pv::vision
