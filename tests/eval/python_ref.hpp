#pragma once
// Runs reference computations in Python (Debian's mir_eval / scipy) when available.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace pvtest {

// A python3 interpreter that can import all of `modules` (e.g. "mir_eval"), or "" if none.
inline std::string python_with(const std::string& modules) {
  for (const char* py : {"/usr/bin/python3", "python3"}) {
    std::string cmd = std::string(py) + " -c 'import " + modules + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return py;
  }
  return "";
}

// Runs `python script args`; returns stdout (empty and rc != 0 on failure).
inline int run_python(const std::string& python, const std::filesystem::path& dir, const std::string& code,
                      const std::string& args, std::string& out) {
  std::filesystem::path script = dir / "ref.py";
  std::ofstream(script) << code;
  std::string cmd = python + " -W ignore \"" + script.string() + "\" " + args;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  out.clear();
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace pvtest
