#pragma once
// FFTW planning is not thread-safe: every plan creation/destruction in pv_align holds this lock.
#include <mutex>

namespace pv::align {
std::mutex& fftw_plan_mutex();
}  // namespace pv::align
