#pragma once
// Self-registering CLI verbs. A verb file defines a setup function that adds its subcommand to the
// app and returns the code to run when it is chosen:
//
//   static pv::cli::Verb reg{"notes", 20, [](CLI::App& app) {
//     auto* cmd = app.add_subcommand("notes", "...");
//     auto opts = std::make_shared<Opts>();
//     cmd->add_option(...);
//     return [opts]() -> int { ... return 0; };
//   }};
//
// Exit codes: 0 success, 1 failure or problems found, 2 usage error. Throw pv::InputError /
// pv::UsageError / pv::Error; main() prints "pianovam <verb>: <message>" and exits 1 (2 for usage).
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace pv::cli {

using Run = std::function<int()>;
using Setup = std::function<Run(CLI::App&)>;

struct Verb {
  Verb(std::string name, int order, Setup setup);
};

struct Registered {
  std::string name;
  int order;
  Setup setup;
};
std::vector<Registered>& registry();

// Global flags shared by all verbs.
struct Globals {
  bool quiet = false;
};
Globals& globals();

}  // namespace pv::cli
