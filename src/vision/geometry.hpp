#pragma once
// Image views, rotated rectangles and the affine bilinear crop that feeds the hand models.
#include <cstdint>
#include <vector>

namespace pv::vision {

struct ImageView {
  const std::uint8_t* rgb = nullptr;  // width*height*3, row-major, top row first
  int width = 0, height = 0;
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
