// pianovam: command-line entry point. Verbs live in verb_*.cpp and register themselves.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>

#include "cli/verb.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"

int main(int argc, char** argv) {
  CLI::App app{"pianovam: piano practice recordings -> multimodal research dataset (PianoVAM v1.x)"};
  app.set_version_flag("--version", std::string("pianovam ") + PV_VERSION);
  app.require_subcommand(1);
  app.add_flag("-q,--quiet", pv::cli::globals().quiet, "No progress output on stderr");

  auto& reg = pv::cli::registry();
  std::sort(reg.begin(), reg.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  std::map<CLI::App*, pv::cli::Run> runs;
  for (auto& v : reg) {
    size_t before = app.get_subcommands({}).size();
    pv::cli::Run run = v.setup(app);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) runs[subs.back()] = std::move(run);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  pv::Progress::set_enabled(!pv::cli::globals().quiet);
  for (auto* sub : app.get_subcommands()) {
    auto it = runs.find(sub);
    if (it == runs.end()) continue;
    try {
      return it->second();
    } catch (const pv::UsageError& e) {
      std::fprintf(stderr, "pianovam %s: %s\n", sub->get_name().c_str(), e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pianovam %s: error: %s\n", sub->get_name().c_str(), e.what());
      return 1;
    }
  }
  return 2;
}
