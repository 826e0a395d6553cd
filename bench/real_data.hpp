#pragma once
// Real data for the benchmark programs (PV_SHARED_DATA is defined by pv_bench).
#include <algorithm>
#include <filesystem>
#include <vector>

namespace pvbench {

// The real performance MIDIs in ../shared/data/performance-midi, sorted; empty when absent.
inline std::vector<std::filesystem::path> real_midis() {
  std::vector<std::filesystem::path> v;
  const std::filesystem::path d = std::filesystem::path(PV_SHARED_DATA) / "performance-midi";
  if (std::filesystem::is_directory(d))
    for (const auto& e : std::filesystem::directory_iterator(d))
      if (e.path().extension() == ".mid") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace pvbench
