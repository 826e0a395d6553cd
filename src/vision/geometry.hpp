#pragma once
// Image views, rotated rectangles and the affine bilinear crop that feeds the hand models.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pv::vision {

// 8-bit planar Y'CbCr 4:2:0 as a video decoder writes it (chroma at half width and height, one chroma sample
// per 2x2 pixels), with swscale's table entry for its matrix (crv, cbu, cgu, cgv; 16.16 fixed point).
struct YuvPlanes {
  const std::uint8_t* plane[3] = {nullptr, nullptr, nullptr};  // Y, Cb, Cr
  int stride[3] = {0, 0, 0};
  int coefficients[4] = {104597, 132201, 25675, 53279};  // BT.601
  bool full_range = false;
};

// An image as interleaved RGB, or (rgb null) as YUV planes converted per sampled pixel.
struct ImageView {
  const std::uint8_t* rgb = nullptr;  // width*height*3, row-major, top row first
  int width = 0, height = 0;
  YuvPlanes yuv{};
  bool empty() const { return width <= 0 || height <= 0 || (!rgb && !yuv.plane[0]); }
};

// YUV -> RGB of one pixel exactly as FFmpeg's x86 swscale converter computes it for an unscaled 4:2:0 -> RGB24
// frame (16-bit fixed point, truncating multiplies, saturation), so that sampling the planes gives the very
// values of the decoder's RGB frame.
class YuvToRgb {
 public:
  explicit YuvToRgb(const YuvPlanes& p);
  void operator()(std::uint8_t y, std::uint8_t u, std::uint8_t v, float rgb[3]) const {
    const int l = luma_[y] + kBias;
    rgb[0] = clamped_[static_cast<std::size_t>(l + vr_[v])];
    rgb[1] = clamped_[static_cast<std::size_t>(l + ug_[u] + vg_[v])];
    rgb[2] = clamped_[static_cast<std::size_t>(l + ub_[u])];
  }

 private:
  // Each product of the fixed-point formula depends on one input byte: tabulated. The sums (within +-1024)
  // index a table of the saturated value as float.
  static constexpr int kBias = 1024;
  std::int16_t luma_[256], vr_[256], ug_[256], vg_[256], ub_[256];
  float clamped_[2 * kBias];
};

// A rectangle in image coordinates normalised by the image size (MediaPipe NormalizedRect):
// centre, size, and rotation in radians (clockwise on screen, y down).
struct NormRect {
  float x_center = 0, y_center = 0, width = 0, height = 0, rotation = 0;
};

// angle wrapped to [-pi, pi)
float normalize_radians(float angle);

// Samples the rotated rectangle `roi` (normalised) into an out_w x out_h RGB float tensor in [0,1] with
// bilinear interpolation at pixel centres. Outside the image: zeros (zero_border) or the nearest edge pixel.
void crop_to_tensor(const ImageView& img, const NormRect& roi, int out_w, int out_h, bool zero_border, float* out);

// Expands `rect` (not rotated) so that its aspect in pixels equals out_w:out_h (letterbox); returns the padding
// fractions {left, top, right, bottom} of the expanded rect.
struct Letterbox {
  NormRect rect;
  float left = 0, top = 0, right = 0, bottom = 0;
};
Letterbox letterbox(const ImageView& img, int out_w, int out_h);

// MediaPipe RectTransformation: shift (in units of the rect size, along its rotated axes), square on the long
// side (in pixels), then scale.
NormRect transform_rect(const NormRect& r, int image_w, int image_h, float scale, float shift_x, float shift_y,
                        bool square_long = true);

// Axis-aligned IoU of two normalised rects (rotation ignored, as MediaPipe's association does).
float rect_iou(const NormRect& a, const NormRect& b);

}  // namespace pv::vision
