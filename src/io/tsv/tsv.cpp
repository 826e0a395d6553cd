#include "io/tsv/tsv.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace pv::tsv {
namespace {

constexpr const char* kNoteHeader = "# onset\tkey_offset\tframe_offset\tnote\tvelocity";
constexpr const char* kFingeringHeader = "# onset\tkey_offset\tframe_offset\tnote\tvelocity\thand\tfinger";

// Appends the 5 note columns (times with 6 decimals: 1 µs, exact through read -> write).
void append_note(std::string& out, const Note& n) {
  if (!std::isfinite(n.onset) || !std::isfinite(n.key_offset) || !std::isfinite(n.sound_offset))
    throw Error("TSV write: non-finite note time");
  char buf[128];
  int len = std::snprintf(buf, sizeof buf, "%.6f\t%.6f\t%.6f\t%d\t%d", n.onset, n.key_offset, n.sound_offset,
                          n.pitch, n.velocity);
  out.append(buf, static_cast<std::size_t>(len));
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Calls row(line_number, fields) for every data line; '#' lines and blank lines are skipped.
template <class Row>
void for_each_row(std::string_view text, Row&& row) {
  std::size_t line_no = 0, pos = 0;
  std::vector<std::string_view> fields;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    fields.clear();
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && is_space(line[i])) ++i;
      std::size_t j = i;
      while (j < line.size() && !is_space(line[j])) ++j;
      if (j > i) fields.push_back(line.substr(i, j - i));
      i = j;
    }
    if (fields.empty() || fields[0].front() == '#') continue;
    if (fields[0] == "onset") continue;  // a header line written without '#' (e.g. by pandas)
    row(line_no, fields);
  }
}

struct RowParser {
  const std::string& name;
  std::size_t line;

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(name, "line " + std::to_string(line) + ": " + what);
  }
  double number(std::string_view s, const char* column) const {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
      fail(std::string(column) + " is not a number: '" + std::string(s) + "'");
    return v;
  }
  double time(std::string_view s, const char* column) const {
    double v = number(s, column);
    if (v < 0) fail(std::string(column) + " is negative: " + std::string(s));
    return v;
  }
  int integer(std::string_view s, const char* column, int lo, int hi) const {
    double v = number(s, column);  // "60" and "60.000000" (numpy %f output) are both accepted
    if (v != std::floor(v) || v < lo || v > hi)
      fail(std::string(column) + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
           ", got '" + std::string(s) + "'");
    return static_cast<int>(v);
  }
  Note note(const std::vector<std::string_view>& f) const {
    Note n;
    n.onset = time(f[0], "onset");
    n.key_offset = time(f[1], "key_offset");
    n.sound_offset = time(f[2], "frame_offset");
    n.pitch = integer(f[3], "note", 0, 127);
    n.velocity = integer(f[4], "velocity", 0, 127);
    if (n.key_offset < n.onset) fail("key_offset is before onset");
    if (n.sound_offset < n.onset) fail("frame_offset is before onset");
    return n;
  }
};

}  // namespace

std::string format_notes(const std::vector<Note>& notes) {
  std::string out = kNoteHeader;
  out += '\n';
  out.reserve(notes.size() * 40 + out.size());
  for (const auto& n : notes) {
    append_note(out, n);
    out += '\n';
  }
  return out;
}

std::vector<Note> parse_notes(std::string_view text, const std::string& name) {
  std::vector<Note> notes;
  for_each_row(text, [&](std::size_t line, const std::vector<std::string_view>& f) {
    RowParser rp{name, line};
    if (f.size() != 5) rp.fail("expected 5 columns (onset key_offset frame_offset note velocity), found " +
                               std::to_string(f.size()));
    notes.push_back(rp.note(f));
  });
  return notes;
}

void write_notes(const std::filesystem::path& file, const std::vector<Note>& notes) {
  write_file_atomic(file, format_notes(notes));
}

std::vector<Note> read_notes(const std::filesystem::path& file) { return parse_notes(read_file(file), file.string()); }

std::string format_fingering(const std::vector<Note>& notes) {
  std::string out = kFingeringHeader;
  out += '\n';
  out.reserve(notes.size() * 50 + out.size());
  for (const auto& n : notes) {
    append_note(out, n);
    out += '\t';
    out += (n.hand == Hand::Left || n.hand == Hand::Right) ? hand_name(n.hand) : "Noinfo";
    out += '\t';
    if (n.finger >= 1 && n.finger <= 5)
      out += static_cast<char>('0' + n.finger);
    else if (n.finger == 0)
      out += "Noinfo";
    else
      throw Error("Fingering TSV write: finger " + std::to_string(n.finger) + " out of 1..5");
    out += '\n';
  }
  return out;
}

std::vector<Note> parse_fingering(std::string_view text, const std::string& name) {
  std::vector<Note> notes;
  for_each_row(text, [&](std::size_t line, const std::vector<std::string_view>& f) {
    RowParser rp{name, line};
    if (f.size() != 7)
      rp.fail("expected 7 columns (onset key_offset frame_offset note velocity hand finger), found " +
              std::to_string(f.size()));
    Note n = rp.note(f);
    if (f[5] == "L")
      n.hand = Hand::Left;
    else if (f[5] == "R")
      n.hand = Hand::Right;
    else if (f[5] == "Noinfo")
      n.hand = Hand::Noinfo;
    else
      rp.fail("hand must be L, R or Noinfo, got '" + std::string(f[5]) + "'");
    if (f[6] == "Noinfo")
      n.finger = 0;
    else if (f[6].size() == 1 && f[6][0] >= '1' && f[6][0] <= '5')
      n.finger = f[6][0] - '0';
    else
      rp.fail("finger must be 1..5 or Noinfo, got '" + std::string(f[6]) + "'");
    notes.push_back(n);
  });
  return notes;
}

void write_fingering(const std::filesystem::path& file, const std::vector<Note>& notes) {
  write_file_atomic(file, format_fingering(notes));
}

std::vector<Note> read_fingering(const std::filesystem::path& file) {
  return parse_fingering(read_file(file), file.string());
}

}  // namespace pv::tsv
