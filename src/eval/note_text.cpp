#include "eval/note_text.hpp"

#include <charconv>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace pv::eval {

NoteList parse_note_text(std::string_view text, const std::string& name, int columns) {
  if (columns != 3 && columns != 4) throw Error("note text: columns must be 3 or 4");
  NoteList out;
  out.source = name;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    std::vector<double> v;
    std::size_t pos = first;
    while (pos < line.size()) {
      std::size_t end = line.find_first_of(" \t,", pos);
      if (end == std::string_view::npos) end = line.size();
      std::string_view tok = line.substr(pos, end - pos);
      if (!tok.empty()) {
        double x;
        auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), x);
        if (ec != std::errc() || p != tok.data() + tok.size())
          throw InputError(name, "line " + std::to_string(line_no) + ": not a number: '" + std::string(tok) + "'");
        v.push_back(x);
      }
      pos = line.find_first_not_of(" \t,", end);
      if (pos == std::string_view::npos) break;
    }
    if (static_cast<int>(v.size()) != columns)
      throw InputError(name, "line " + std::to_string(line_no) + ": expected " + std::to_string(columns) +
                                 " columns, found " + std::to_string(v.size()));
    out.add(v[0], v[1], v[2], columns == 4 ? v[3] : 0.0);
  }
  return out;
}

NoteList read_note_text(const std::filesystem::path& file, int columns) {
  return parse_note_text(read_file(file), file.string(), columns);
}

}  // namespace pv::eval
