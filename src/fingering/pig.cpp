#include "fingering/pig.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace pv::fing {

int parse_spelled_pitch(std::string_view s) {
  static const int base[7] = {9, 11, 0, 2, 4, 5, 7};  // A B C D E F G
  if (s.empty() || s[0] < 'A' || s[0] > 'G') throw Error("bad spelled pitch '" + std::string(s) + "'");
  int pc = base[s[0] - 'A'];
  size_t i = 1;
  while (i < s.size() && (s[i] == '#' || s[i] == 'b')) pc += s[i++] == '#' ? 1 : -1;
  int octave = 0;
  auto r = std::from_chars(s.data() + i, s.data() + s.size(), octave);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || i == s.size())
    throw Error("bad spelled pitch '" + std::string(s) + "'");
  int midi = 12 * (octave + 1) + pc;
  if (midi < 0 || midi > 127) throw Error("spelled pitch out of MIDI range '" + std::string(s) + "'");
  return midi;
}

std::string spelled_pitch(int midi) {
  static const char* names[12] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
  return std::string(names[((midi % 12) + 12) % 12]) + std::to_string(midi / 12 - 1);
}

std::vector<Note> parse_pig(std::string_view text, const std::string& name) {
  std::vector<Note> notes;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    if (e == std::string_view::npos) e = text.size();
    std::string line(text.substr(pos, e - pos));
    pos = e + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("//", 0) == 0) continue;
    std::istringstream in(line);
    std::string id, on, off, sp, v1, v2, ch, fi;
    if (!(in >> id >> on >> off >> sp >> v1 >> v2 >> ch >> fi))
      throw InputError(name, "line " + std::to_string(line_no) + ": expected 8 fields");
    try {
      Note n;
      n.onset = std::stod(on);
      n.key_offset = n.sound_offset = std::stod(off);
      n.pitch = parse_spelled_pitch(sp);
      n.velocity = std::stoi(v1);
      int c = std::stoi(ch);
      if (c != 0 && c != 1) throw Error("channel must be 0 or 1");
      n.hand = c == 0 ? Hand::Right : Hand::Left;
      int f = std::stoi(fi.substr(0, fi.find('_')));
      n.finger = std::abs(f);
      if (n.finger > 5 || (f != 0 && (f < 0) != (c == 1)))
        throw Error("finger '" + fi + "' does not fit channel " + ch);
      if (n.finger == 0) n.hand = Hand::Noinfo;
      if (!std::isfinite(n.onset) || !std::isfinite(n.key_offset) || n.key_offset < n.onset)
        throw Error("offset before onset");
      n.velocity = std::clamp(n.velocity, 1, 127);
      notes.push_back(n);
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& ex) {
      throw InputError(name, "line " + std::to_string(line_no) + ": " + ex.what());
    }
  }
  return notes;
}

std::vector<Note> read_pig(const std::filesystem::path& file) { return parse_pig(read_file(file), file.string()); }

std::string format_pig(const std::vector<Note>& notes) {
  std::string out = "//Version: PianoFingering_v170101\n";
  char buf[160];
  for (size_t i = 0; i < notes.size(); ++i) {
    const Note& n = notes[i];
    bool left = n.hand == Hand::Left;
    int f = (n.hand == Hand::Left || n.hand == Hand::Right) ? n.finger : 0;
    std::snprintf(buf, sizeof buf, "%zu\t%.6f\t%.6f\t%s\t%d\t%d\t%d\t%d\n", i, n.onset, n.key_offset,
                  spelled_pitch(n.pitch).c_str(), n.velocity, 80, left ? 1 : 0, left ? -f : f);
    out += buf;
  }
  return out;
}

void write_pig(const std::filesystem::path& file, const std::vector<Note>& notes) {
  write_file_atomic(file, format_pig(notes));
}

}  // namespace pv::fing
