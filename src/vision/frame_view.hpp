#pragma once
// ImageView of a decoded video frame (header-only: callers link pv_io_video themselves).
#include "io/video/video.hpp"
#include "vision/geometry.hpp"

namespace pv::vision {

// Valid while `f` lives. Planar YUV frames are sampled directly (no RGB conversion of the whole frame).
inline ImageView view_of(const pv::video::PlanarFrame& f) {
  ImageView v;
  v.width = f.width;
  v.height = f.height;
  if (!f.planar()) {
    v.rgb = f.rgb.data();
    return v;
  }
  for (int p = 0; p < 3; ++p) {
    v.yuv.plane[p] = f.plane[p];
    v.yuv.stride[p] = f.stride[p];
  }
  for (int k = 0; k < 4; ++k) v.yuv.coefficients[k] = f.coefficients[k];
  v.yuv.full_range = f.full_range;
  return v;
}

inline ImageView view_of(const pv::video::Frame& f) {
  ImageView v;
  v.rgb = f.rgb.data();
  v.width = f.width;
  v.height = f.height;
  return v;
}

}  // namespace pv::vision
