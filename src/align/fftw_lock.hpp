#pragma once
#include "core/fftw_lock.hpp"

namespace pv::align {
inline std::mutex& fftw_plan_mutex() { return pv::fftw_planner_mutex(); }
}  // namespace pv::align
