#include "eval/files.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/pedal_rule.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"

namespace pv::eval {

namespace fs = std::filesystem;

namespace {
std::string lower_ext(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}
}  // namespace

bool is_note_file(const fs::path& file) {
  std::string e = lower_ext(file);
  return e == ".mid" || e == ".midi" || e == ".tsv";
}

std::vector<Note> load_notes(const fs::path& file, const LoadOptions& opt, int* dropped) {
  std::string e = lower_ext(file);
  std::vector<Note> notes;
  if (e == ".mid" || e == ".midi") {
    Performance perf = midi::read(file);
    PedalRule{}.apply(perf);
    notes = std::move(perf.notes);
  } else if (e == ".tsv") {
    notes = tsv::read_notes(file);
  } else {
    throw InputError(file, "unknown note file type (expected .mid, .midi or .tsv)");
  }
  if (!opt.pedal_offsets)
    for (auto& n : notes) n.sound_offset = n.key_offset;
  int drops = 0;
  std::vector<Note> kept;
  kept.reserve(notes.size());
  for (std::size_t i = 0; i < notes.size(); ++i) {
    const Note& n = notes[i];
    if (n.sound_offset <= n.onset) {
      if (!opt.drop_zero_length)
        throw InputError(file, "note " + std::to_string(i) + " (pitch " + std::to_string(n.pitch) + " at " +
                                   std::to_string(n.onset) +
                                   " s) has no duration; mir_eval rejects such notes (use --drop-zero-length)");
      ++drops;
      continue;
    }
    kept.push_back(n);
  }
  if (dropped) *dropped = drops;
  return kept;
}

std::vector<FilePair> pair_by_stem(const fs::path& ref_dir, const fs::path& est_dir,
                                   std::vector<fs::path>* unpaired) {
  auto scan = [](const fs::path& dir) {
    if (!fs::is_directory(dir)) throw InputError(dir, "not a directory");
    std::map<std::string, fs::path> m;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file() || !is_note_file(e.path())) continue;
      auto [it, fresh] = m.emplace(e.path().stem().string(), e.path());
      if (!fresh) throw InputError(e.path(), "two note files share the stem '" + it->first + "'");
    }
    return m;
  };
  auto refs = scan(ref_dir), ests = scan(est_dir);
  std::vector<FilePair> pairs;
  for (const auto& [stem, r] : refs) {
    auto it = ests.find(stem);
    if (it == ests.end()) {
      if (unpaired) unpaired->push_back(r);
      continue;
    }
    pairs.push_back({stem, r, it->second});
  }
  if (unpaired)
    for (const auto& [stem, e] : ests)
      if (!refs.count(stem)) unpaired->push_back(e);
  return pairs;
}

std::vector<double> ResultTable::column(const std::string& name, const std::string& source) const {
  auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end()) throw InputError(source, "no column named '" + name + "'");
  std::size_t c = it - columns.begin();
  std::vector<double> v;
  for (const auto& r : rows) v.push_back(r[c]);
  return v;
}

std::string format_csv(const ResultTable& t, const std::vector<double>* mean_row) {
  std::string out = t.key_name;
  for (const auto& c : t.columns) out += "," + c;
  out += "\n";
  char buf[64];
  auto row = [&](const std::string& key, const std::vector<double>& v) {
    out += key;
    for (double x : v) {
      std::snprintf(buf, sizeof buf, ",%.17g", x);
      out += buf;
    }
    out += "\n";
  };
  for (std::size_t i = 0; i < t.rows.size(); ++i) row(t.keys[i], t.rows[i]);
  if (mean_row) row("mean", *mean_row);
  return out;
}

ResultTable parse_csv(std::string_view text, const std::string& name) {
  ResultTable t;
  std::size_t line_no = 0;
  bool header = true;
  auto split = [](std::string_view line) {
    std::vector<std::string> f;
    std::size_t pos = 0;
    while (true) {
      std::size_t c = line.find(',', pos);
      std::string_view s = line.substr(pos, c == std::string_view::npos ? std::string_view::npos : c - pos);
      while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
      while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.remove_suffix(1);
      f.emplace_back(s);
      if (c == std::string_view::npos) break;
      pos = c + 1;
    }
    return f;
  };
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto f = split(line);
    if (header) {
      if (f.size() < 2) throw InputError(name, "line 1: expected a key column and at least one value column");
      t.key_name = f[0];
      t.columns.assign(f.begin() + 1, f.end());
      header = false;
      continue;
    }
    if (f.size() != t.columns.size() + 1)
      throw InputError(name, "line " + std::to_string(line_no) + ": expected " +
                                 std::to_string(t.columns.size() + 1) + " fields, found " + std::to_string(f.size()));
    if (f[0] == "mean") continue;
    std::vector<double> v;
    for (std::size_t c = 1; c < f.size(); ++c) {
      double x;
      auto [p, ec] = std::from_chars(f[c].data(), f[c].data() + f[c].size(), x);
      if (ec != std::errc() || p != f[c].data() + f[c].size())
        throw InputError(name, "line " + std::to_string(line_no) + ", column '" + t.columns[c - 1] +
                                   "': not a number: '" + f[c] + "'");
      v.push_back(x);
    }
    if (std::find(t.keys.begin(), t.keys.end(), f[0]) != t.keys.end())
      throw InputError(name, "line " + std::to_string(line_no) + ": duplicate key '" + f[0] + "'");
    t.keys.push_back(f[0]);
    t.rows.push_back(std::move(v));
  }
  if (header) throw InputError(name, "empty CSV (no header)");
  return t;
}

ResultTable read_csv(const fs::path& file) { return parse_csv(read_file(file), file.string()); }

}  // namespace pv::eval
