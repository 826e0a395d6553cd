#pragma once
// A progress bar on stderr for long work; silent when stderr is not a terminal unless forced.
#include <cstdint>
#include <string>

namespace pv {

class Progress {
 public:
  Progress(std::string label, std::int64_t total);
  ~Progress();
  void update(std::int64_t done);
  void finish();
  static void set_enabled(bool on);  // --quiet turns it off

 private:
  std::string label_;
  std::int64_t total_;
  std::int64_t last_shown_ = -1;
  double start_;
  bool finished_ = false;
};

}  // namespace pv
