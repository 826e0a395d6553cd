#pragma once
// File adapters for evaluation: note files (MIDI with the pedal rule, PianoVAM note TSV), split
// evaluation by file stem, per-file result tables (CSV) for the statistics.
#include <filesystem>
#include <string>
#include <vector>

#include "core/performance.hpp"
#include "eval/transcription.hpp"

namespace pv::eval {

struct LoadOptions {
  bool pedal_offsets = true;      // offsets extended by the sustain pedal (MIDI: PedalRule; TSV: frame_offset)
  bool drop_zero_length = false;  // drop notes with offset <= onset (mir_eval rejects them) instead of failing
};

// Reads .mid/.midi (PedalRule applied) or .tsv (note TSV). Throws pv::InputError naming the file,
// including for notes mir_eval would reject (unless drop_zero_length). `dropped` counts drops.
std::vector<Note> load_notes(const std::filesystem::path& file, const LoadOptions& opt = {}, int* dropped = nullptr);
bool is_note_file(const std::filesystem::path& file);

// One reference/estimate pair of a split, matched by file stem.
struct FilePair {
  std::string stem;
  std::filesystem::path ref, est;
};
// Pairs the note files of two directories by stem. Files present on one side only are listed in
// `unpaired` (as paths); the caller decides whether that is an error.
std::vector<FilePair> pair_by_stem(const std::filesystem::path& ref_dir, const std::filesystem::path& est_dir,
                                   std::vector<std::filesystem::path>* unpaired);

// A table of per-file results: a key column ("file") and named numeric columns.
struct ResultTable {
  std::string key_name = "file";
  std::vector<std::string> columns;
  std::vector<std::string> keys;
  std::vector<std::vector<double>> rows;  // rows[i][c]
  std::vector<double> column(const std::string& name, const std::string& source) const;
};
std::string format_csv(const ResultTable& t, const std::vector<double>* mean_row = nullptr);
// Parses a CSV written by format_csv (or any CSV with a header and a key first column). The row
// keyed "mean" (written by eval) is skipped. Throws pv::InputError(name, ...).
ResultTable parse_csv(std::string_view text, const std::string& name);
ResultTable read_csv(const std::filesystem::path& file);

}  // namespace pv::eval
