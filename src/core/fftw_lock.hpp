#pragma once
// FFTW's planner (plan creation and destruction, single and double precision alike) is not
// thread-safe: every stage that plans holds this one process-wide lock.
#include <mutex>

namespace pv {
std::mutex& fftw_planner_mutex();
}  // namespace pv
