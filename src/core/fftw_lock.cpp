#include "core/fftw_lock.hpp"

namespace pv {
std::mutex& fftw_planner_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace pv
