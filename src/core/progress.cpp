#include "core/progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace pv {
namespace {
bool g_enabled = true;
double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void Progress::set_enabled(bool on) { g_enabled = on; }

Progress::Progress(std::string label, std::int64_t total)
    : label_(std::move(label)), total_(total), start_(now_s()) {}

Progress::~Progress() { finish(); }

void Progress::update(std::int64_t done) {
  if (!g_enabled || !::isatty(STDERR_FILENO) || total_ <= 0) return;
  std::int64_t pct = done * 100 / total_;
  if (pct == last_shown_) return;
  last_shown_ = pct;
  int bar = static_cast<int>(pct / 4);
  std::fprintf(stderr, "\r%s [%-25.*s] %3lld%% (%.1fs)", label_.c_str(), bar,
               "#########################", static_cast<long long>(pct), now_s() - start_);
  std::fflush(stderr);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (g_enabled && ::isatty(STDERR_FILENO) && last_shown_ >= 0) std::fprintf(stderr, "\n");
}

}  // namespace pv
