// pianovam eval: mir_eval-exact transcription metrics for one pair of note files or a split.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "eval/files.hpp"
#include "eval/transcription.hpp"

namespace {

struct EvalOpts {
  std::string ref, est, ref_dir, est_dir, csv;
  bool json = false, key_offsets = false, drop_zero_length = false, allow_missing = false;
  double onset_tol = 0.05, pitch_tol = 50.0, offset_ratio = 0.2, offset_min = 0.05, velocity_tol = 0.1, fps = 100.0;
};

nlohmann::ordered_json to_json(const pv::eval::Scores& s) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, v] : s) j[k] = v;
  return j;
}

void print_scores(const pv::eval::Scores& s) {
  for (const auto& [k, v] : s) std::printf("%-32s %.6f\n", k.c_str(), v);
}

int run_eval(const EvalOpts& o) {
  const bool single = !o.ref.empty() || !o.est.empty();
  const bool split = !o.ref_dir.empty() || !o.est_dir.empty();
  if (single == split) throw pv::UsageError("give either --ref and --est, or --ref-dir and --est-dir");
  if (single && (o.ref.empty() || o.est.empty())) throw pv::UsageError("--ref and --est go together");
  if (split && (o.ref_dir.empty() || o.est_dir.empty())) throw pv::UsageError("--ref-dir and --est-dir go together");
  if (!(o.fps > 0)) throw pv::UsageError("--fps must be > 0");

  pv::eval::NoteParams p;
  p.onset_tolerance = o.onset_tol;
  p.pitch_tolerance = o.pitch_tol;
  p.offset_ratio = o.offset_ratio;
  p.offset_min_tolerance = o.offset_min;
  p.velocity_tolerance = o.velocity_tol;
  pv::eval::LoadOptions lo;
  lo.pedal_offsets = !o.key_offsets;
  lo.drop_zero_length = o.drop_zero_length;

  auto evaluate = [&](const std::filesystem::path& r, const std::filesystem::path& e, int& dropped) {
    int dr = 0, de = 0;
    auto ref = pv::eval::load_notes(r, lo, &dr);
    auto est = pv::eval::load_notes(e, lo, &de);
    dropped += dr + de;
    return pv::eval::evaluate_all(ref, est, p, o.fps, r.string(), e.string());
  };

  if (single) {
    int dropped = 0;
    pv::eval::Scores s = evaluate(o.ref, o.est, dropped);
    if (dropped > 0) std::fprintf(stderr, "pianovam eval: warning: dropped %d zero-length note(s)\n", dropped);
    if (!o.csv.empty()) {
      pv::eval::ResultTable t;
      for (const auto& [k, v] : s) t.columns.push_back(k);
      t.keys.push_back(std::filesystem::path(o.ref).stem().string());
      t.rows.emplace_back();
      for (const auto& kv : s) t.rows.back().push_back(kv.second);
      pv::write_file_atomic(o.csv, pv::eval::format_csv(t));
    }
    if (o.json) {
      nlohmann::ordered_json j = {{"ref", o.ref}, {"est", o.est}, {"dropped_zero_length", dropped}, {"metrics", to_json(s)}};
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      print_scores(s);
    }
    return 0;
  }

  std::vector<std::filesystem::path> unpaired;
  auto pairs = pv::eval::pair_by_stem(o.ref_dir, o.est_dir, &unpaired);
  if (!unpaired.empty()) {
    std::string list;
    for (const auto& u : unpaired) list += "\n  " + u.string();
    if (!o.allow_missing)
      throw pv::Error(std::to_string(unpaired.size()) + " file(s) have no counterpart (use --allow-missing to skip):" +
                      list);
    std::fprintf(stderr, "pianovam eval: warning: skipping %zu unpaired file(s):%s\n", unpaired.size(), list.c_str());
  }
  if (pairs.empty()) throw pv::Error("no reference/estimate pairs with the same file stem");

  pv::eval::ResultTable t;
  int dropped = 0;
  pv::Progress progress("eval", static_cast<std::int64_t>(pairs.size()));
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    pv::eval::Scores s = evaluate(pairs[i].ref, pairs[i].est, dropped);
    if (t.columns.empty())
      for (const auto& kv : s) t.columns.push_back(kv.first);
    t.keys.push_back(pairs[i].stem);
    t.rows.emplace_back();
    for (const auto& kv : s) t.rows.back().push_back(kv.second);
    progress.update(static_cast<std::int64_t>(i + 1));
  }
  progress.finish();
  if (dropped > 0) std::fprintf(stderr, "pianovam eval: warning: dropped %d zero-length note(s)\n", dropped);
  std::vector<double> mean(t.columns.size(), 0.0);
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    std::vector<double> col;
    for (const auto& r : t.rows) col.push_back(r[c]);
    mean[c] = pv::eval::numpy_sum(col.data(), col.size()) / static_cast<double>(col.size());
  }
  if (!o.csv.empty()) pv::write_file_atomic(o.csv, pv::eval::format_csv(t, &mean));
  if (o.json) {
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      nlohmann::ordered_json m = nlohmann::ordered_json::object();
      for (std::size_t c = 0; c < t.columns.size(); ++c) m[t.columns[c]] = t.rows[i][c];
      files.push_back({{"file", t.keys[i]}, {"metrics", m}});
    }
    nlohmann::ordered_json mj = nlohmann::ordered_json::object();
    for (std::size_t c = 0; c < t.columns.size(); ++c) mj[t.columns[c]] = mean[c];
    nlohmann::ordered_json j = {{"ref_dir", o.ref_dir}, {"est_dir", o.est_dir}, {"count", t.rows.size()},
                        {"skipped", unpaired.size()}, {"dropped_zero_length", dropped},
                        {"files", files}, {"mean", mj}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%zu file pairs, mean over files:\n", t.rows.size());
    pv::eval::Scores ms;
    for (std::size_t c = 0; c < t.columns.size(); ++c) ms.emplace_back(t.columns[c], mean[c]);
    print_scores(ms);
  }
  return 0;
}

pv::cli::Verb reg{"eval", 70, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "eval",
      "Transcription metrics identical to mir_eval 0.7: note (onset ±50 ms, pitch ±50 cents), note with offset "
      "(max(0.2·duration, 50 ms)), with velocity (least-squares rescaling, tolerance 0.1) and frame metrics "
      "(10 ms piano roll, mir_eval.multipitch). MIDI references get the sustain-pedal rule; TSV references use "
      "their frame_offset column");
  auto o = std::make_shared<EvalOpts>();
  cmd->add_option("--ref", o->ref, "Reference notes (.mid/.midi or note .tsv)");
  cmd->add_option("--est", o->est, "Estimated notes (.mid/.midi or note .tsv)");
  cmd->add_option("--ref-dir", o->ref_dir, "Directory of reference note files (a split)");
  cmd->add_option("--est-dir", o->est_dir, "Directory of estimates, paired with the references by file stem");
  cmd->add_option("--csv", o->csv, "Write per-file results (and a 'mean' row for a split) to this CSV");
  cmd->add_flag("--json", o->json, "Print the results as JSON on stdout");
  cmd->add_flag("--key-offsets", o->key_offsets, "Use key-release offsets instead of pedal-extended ones");
  cmd->add_flag("--drop-zero-length", o->drop_zero_length,
                "Drop notes whose offset is not after their onset (mir_eval rejects them; default: error)");
  cmd->add_flag("--allow-missing", o->allow_missing, "Skip files without a counterpart instead of failing");
  cmd->add_option("--onset-tolerance", o->onset_tol, "Onset tolerance in seconds")->capture_default_str();
  cmd->add_option("--pitch-tolerance", o->pitch_tol, "Pitch tolerance in cents")->capture_default_str();
  cmd->add_option("--offset-ratio", o->offset_ratio, "Offset tolerance as a ratio of the reference duration")
      ->capture_default_str();
  cmd->add_option("--offset-min-tolerance", o->offset_min, "Minimum offset tolerance in seconds")
      ->capture_default_str();
  cmd->add_option("--velocity-tolerance", o->velocity_tol, "Velocity tolerance after rescaling")
      ->capture_default_str();
  cmd->add_option("--fps", o->fps, "Frame rate of the piano roll for frame metrics")->capture_default_str();
  return [o]() { return run_eval(*o); };
}};

}  // namespace
