#include "cli/verb.hpp"

namespace pv::cli {

std::vector<Registered>& registry() {
  static std::vector<Registered> r;
  return r;
}

Verb::Verb(std::string name, int order, Setup setup) {
  registry().push_back({std::move(name), order, std::move(setup)});
}

Globals& globals() {
  static Globals g;
  return g;
}

}  // namespace pv::cli
