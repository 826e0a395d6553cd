// pianovam validate <dataset-root> [--json]: checks a PianoVAM-layout dataset; one line per problem.
#include <cstdio>
#include <memory>

#include "cli/verb.hpp"
#include "dataset/validate.hpp"

namespace {

struct ValidateOpts {
  std::string root;
  double tolerance = 1.0;
  bool json = false;
};

int run_validate(const ValidateOpts& o) {
  pv::dataset::Options opt;
  opt.duration_tolerance = o.tolerance;
  pv::dataset::Report r = pv::dataset::validate(o.root, pv::dataset::default_probes(), opt);
  if (o.json) {
    std::printf("%s\n", pv::dataset::to_json(o.root, r).dump(2).c_str());
  } else {
    for (const auto& f : r.findings) std::printf("%s\n", pv::dataset::format_line(f).c_str());
    std::fprintf(stderr, "%s: %zu record(s), %zu problem(s)\n", o.root.c_str(), r.records, r.findings.size());
  }
  return r.findings.empty() ? 0 : 1;
}

pv::cli::Verb reg{"validate", 40, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "validate",
      "Check a PianoVAM-layout dataset: metadata keys and values, every referenced file present and readable, "
      "modality durations within the tolerance, corners inside the video frame, duplicate ids, orphan files. "
      "Prints one line per problem (CODE <file or record>: message); exit 0 clean, 1 problems, 2 usage error");
  auto o = std::make_shared<ValidateOpts>();
  cmd->add_option("root", o->root, "Dataset root (holds metadata.json, Audio/, Video/, MIDI/, ...)")->required();
  cmd->add_option("--tolerance", o->tolerance, "Allowed duration disagreement between modalities, seconds")
      ->default_val(1.0)
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", o->json, "Print {root, records, ok, problems: [{code, record, id, path, message}]}");
  return [o]() { return run_validate(*o); };
}};

}  // namespace
