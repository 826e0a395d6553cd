#pragma once
// Fork-join over a few threads: part(0 .. parts-1), part 0 on the caller's thread; every thread is
// joined before the first error (if any) is rethrown.
#include <exception>
#include <thread>
#include <vector>

namespace pv {

template <class Part>
void run_parts(int parts, Part part) {
  std::vector<std::exception_ptr> err(parts > 0 ? parts : 1);
  std::vector<std::thread> pool;
  for (int k = 1; k < parts; ++k)
    pool.emplace_back([&, k] {
      try {
        part(k);
      } catch (...) {
        err[k] = std::current_exception();
      }
    });
  try {
    part(0);
  } catch (...) {
    err[0] = std::current_exception();
  }
  for (auto& t : pool) t.join();
  for (auto& e : err)
    if (e) std::rethrow_exception(e);
}

}  // namespace pv
