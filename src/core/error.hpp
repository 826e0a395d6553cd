#pragma once
// Error types shared by every stage. A pv::Error always says which file (if any) and what is wrong.
#include <filesystem>
#include <stdexcept>
#include <string>

namespace pv {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Bad or unreadable input file: message is "<path>: <what>".
class InputError : public Error {
 public:
  InputError(const std::filesystem::path& file, const std::string& what);
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
};

// Wrong arguments or options (CLI exit code 2).
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace pv
