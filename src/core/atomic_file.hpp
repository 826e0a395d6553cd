#pragma once
// Atomic output: write to "<path>.tmp-<pid>-<n>" in the same directory, fsync, rename over <path>.
// An interrupted run leaves either the old file or the new one, never half of one.
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace pv {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();  // removes the temp file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Path to write to (for libraries that open files by name, e.g. libsndfile, FFmpeg).
  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& target() const { return target_; }
  // Flushes to disk and renames onto the target. Throws pv::Error on failure.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

// Writes the whole buffer atomically (creating parent directories).
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);
// Reads a whole file; throws InputError if it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace pv
