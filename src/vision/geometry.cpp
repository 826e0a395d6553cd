#include "vision/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <vector>

namespace pv::vision {

float normalize_radians(float angle) {
  constexpr float pi = std::numbers::pi_v<float>;
  return angle - 2 * pi * std::floor((angle + pi) / (2 * pi));
}

YuvToRgb::YuvToRgb(const YuvPlanes& p) {
  // swscale (sws_setColorspaceDetails, neutral brightness/contrast/saturation): luma stretched from 16-235 for
  // limited range, chroma gains scaled by 224/255 for full range, then 16.16 -> 3.13 fixed point, rounded.
  std::int64_t crv = p.coefficients[0], cbu = p.coefficients[1], cgu = -p.coefficients[2], cgv = -p.coefficients[3];
  std::int64_t cy = 1 << 16, oy = 0;
  if (!p.full_range) {
    cy = (cy * 255) / 219;
    oy = 16 << 16;
  } else {
    crv = (crv * 224) / 255;
    cbu = (cbu * 224) / 255;
    cgu = (cgu * 224) / 255;
    cgv = (cgv * 224) / 255;
  }
  auto round16 = [](std::int64_t f) { return static_cast<int>(std::clamp<std::int64_t>((f + (1 << 15)) >> 16, -0x7fff, 0x7fff)); };
  const int y_coeff = round16(cy * (1 << 13)), y_offset = round16(oy * (1 << 3));
  const int vr = round16(crv * (1 << 13)), ub = round16(cbu * (1 << 13));
  const int ug = round16(cgu * (1 << 13)), vg = round16(cgv * (1 << 13));
  // x86 converter: Y and C scaled by 8 in 16 bits, pmulhw (product >> 16, arithmetic) per term, saturated sums.
  auto mulhi = [](int a, int b) { return static_cast<std::int16_t>((a * b) >> 16); };
  for (int i = 0; i < 256; ++i) {
    luma_[i] = mulhi(i * 8 - y_offset, y_coeff);
    const int c8 = (i - 128) * 8;
    vr_[i] = mulhi(c8, vr);
    ub_[i] = mulhi(c8, ub);
    ug_[i] = mulhi(c8, ug);
    vg_[i] = mulhi(c8, vg);
  }
  for (int i = 0; i < 2 * kBias; ++i) clamped_[i] = static_cast<float>(std::clamp(i - kBias, 0, 255));
}

namespace {

// floor() for the finite, clamped values below (std::floor is a libm call without SSE4.1).
inline int floor_int(float v) {
  const int i = static_cast<int>(v);
  return i - (v < static_cast<float>(i) ? 1 : 0);
}

// Walks the output pixels of the crop; for each, sample(out_pixel, x0, x1, y0, y1, ax, ay) with the clamped
// neighbour columns/rows and the bilinear weights (pixel-centre convention).
template <class Sample>
void crop_walk(const ImageView& img, const NormRect& roi, int out_w, int out_h, bool zero_border, float* out,
               const Sample& sample) {
  const float W = static_cast<float>(img.width), H = static_cast<float>(img.height);
  const float cx = roi.x_center * W, cy = roi.y_center * H;
  const float rw = roi.width * W, rh = roi.height * H;
  const float c = std::cos(roi.rotation), s = std::sin(roi.rotation);
  // Source pixel position (continuous, pixel centres at +0.5) of output pixel centre (i, j):
  // centre + R * (u * rw, v * rh), u = (j + 0.5) / out_w - 0.5, v = (i + 0.5) / out_h - 0.5; linear in j.
  const int wmax = img.width - 1, hmax = img.height - 1;
  const float du = 1.f / static_cast<float>(out_w);
  const float dxj = rw * c * du, dyj = rw * s * du;  // source step per output column
  // Per row, positions, integer parts and weights first (a loop the compiler vectorises), then the sampling.
  std::vector<float> axs(static_cast<size_t>(out_w)), ays(axs.size());
  std::vector<int> ixs(axs.size()), iys(axs.size()), outside(axs.size());
  for (int i = 0; i < out_h; ++i) {
    const float v = (static_cast<float>(i) + 0.5f) / static_cast<float>(out_h) - 0.5f;
    const float u0 = 0.5f * du - 0.5f;
    // pixel-centre offset folded in: px = sx - 0.5
    const float px0 = cx + u0 * rw * c - v * rh * s - 0.5f, py0 = cy + u0 * rw * s + v * rh * c - 0.5f;
    for (int j = 0; j < out_w; ++j) {
      float px = px0 + static_cast<float>(j) * dxj, py = py0 + static_cast<float>(j) * dyj;
      outside[static_cast<size_t>(j)] = px < -0.5f || py < -0.5f || px > W - 0.5f || py > H - 0.5f;
      // Beyond the edges both neighbours clamp to the edge pixel, so clamping the position changes nothing
      // (and keeps the integer conversion defined; NaN goes to the left/top edge).
      px = px > -2.f ? (px < W + 1.f ? px : W + 1.f) : -2.f;
      py = py > -2.f ? (py < H + 1.f ? py : H + 1.f) : -2.f;
      const int ix = floor_int(px), iy = floor_int(py);
      ixs[static_cast<size_t>(j)] = ix;
      iys[static_cast<size_t>(j)] = iy;
      axs[static_cast<size_t>(j)] = px - static_cast<float>(ix);
      ays[static_cast<size_t>(j)] = py - static_cast<float>(iy);
    }
    float* o = out + static_cast<size_t>(i) * static_cast<size_t>(out_w) * 3;
    for (size_t j = 0; j < static_cast<size_t>(out_w); ++j, o += 3) {
      if (zero_border && outside[j]) {
        o[0] = o[1] = o[2] = 0.f;
        continue;
      }
      const int ix = ixs[j], iy = iys[j];
      if (static_cast<unsigned>(ix) < static_cast<unsigned>(wmax) && static_cast<unsigned>(iy) < static_cast<unsigned>(hmax))
        sample(o, ix, ix + 1, iy, iy + 1, axs[j], ays[j]);  // inside: no clamping
      else
        sample(o, std::clamp(ix, 0, wmax), std::clamp(ix + 1, 0, wmax), std::clamp(iy, 0, hmax),
               std::clamp(iy + 1, 0, hmax), axs[j], ays[j]);
    }
  }
}

}  // namespace

void crop_to_tensor(const ImageView& img, const NormRect& roi, int out_w, int out_h, bool zero_border, float* out) {
  constexpr float k = 1.0f / 255.0f;
  if (img.rgb) {
    const std::uint8_t* rgb = img.rgb;
    const size_t row = static_cast<size_t>(img.width) * 3;
    crop_walk(img, roi, out_w, out_h, zero_border, out,
              [rgb, row](float* o, int x0, int x1, int y0, int y1, float ax, float ay) {
                const std::uint8_t* r0 = rgb + static_cast<size_t>(y0) * row;
                const std::uint8_t* r1 = rgb + static_cast<size_t>(y1) * row;
                for (int ch = 0; ch < 3; ++ch) {
                  const float top = r0[x0 * 3 + ch] + ax * (r0[x1 * 3 + ch] - r0[x0 * 3 + ch]);
                  const float bot = r1[x0 * 3 + ch] + ax * (r1[x1 * 3 + ch] - r1[x0 * 3 + ch]);
                  o[ch] = (top + ay * (bot - top)) * k;
                }
              });
    return;
  }
  // YUV: each of the four neighbours converted to RGB (as the decoder's RGB frame would hold it), then the same
  // interpolation.
  const YuvPlanes& p = img.yuv;
  const YuvToRgb to_rgb(p);
  crop_walk(img, roi, out_w, out_h, zero_border, out,
            [&p, &to_rgb](float* o, int x0, int x1, int y0, int y1, float ax, float ay) {
              float c[4][3];
              const int xs[2] = {x0, x1}, ys[2] = {y0, y1};
              for (int n = 0; n < 4; ++n) {
                const int x = xs[n & 1], y = ys[n >> 1];
                const std::uint8_t yv = p.plane[0][static_cast<std::ptrdiff_t>(y) * p.stride[0] + x];
                const std::ptrdiff_t cy = y >> 1, cx = x >> 1;
                to_rgb(yv, p.plane[1][cy * p.stride[1] + cx], p.plane[2][cy * p.stride[2] + cx], c[n]);
              }
              for (int ch = 0; ch < 3; ++ch) {
                const float top = c[0][ch] + ax * (c[1][ch] - c[0][ch]);
                const float bot = c[2][ch] + ax * (c[3][ch] - c[2][ch]);
                o[ch] = (top + ay * (bot - top)) * k;
              }
            });
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
