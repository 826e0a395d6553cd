#include "core/time_base.hpp"

#include <cmath>

namespace pv {

double FrameTimeBase::frame_start(std::int64_t i) const {
  return start + static_cast<double>(i) * static_cast<double>(fps.den) / static_cast<double>(fps.num);
}

std::int64_t FrameTimeBase::frame_at(double t) const {
  double x = (t - start) * fps.value();
  auto i = static_cast<std::int64_t>(std::floor(x + 1e-9));
  return i;
}

}  // namespace pv
