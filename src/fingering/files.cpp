#include "fingering/files.hpp"

#include <cstdio>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "fingering/pig.hpp"
#include "io/json/metadata.hpp"
#include "io/tsv/tsv.hpp"

namespace pv::fing {

bool looks_like_pig(const std::string& text) {
  size_t p = text.find_first_not_of(" \t\r\n");
  if (p == std::string::npos) return false;
  if (text.compare(p, 2, "//") == 0) return true;
  if (text[p] == '#') return false;
  size_t e = text.find('\n', p);
  std::string line = text.substr(p, e == std::string::npos ? std::string::npos : e - p);
  std::istringstream in(line);
  int fields = 0;
  std::string f;
  while (in >> f) ++fields;
  return fields == 8;
}

std::vector<Note> read_labelled_notes(const std::filesystem::path& file) {
  std::string text = read_file(file);
  if (looks_like_pig(text)) return parse_pig(text, file.string());
  return tsv::parse_fingering(text, file.string());
}

KeyboardCorners parse_corners(const std::string& s) {
  std::vector<Point2> pts;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ';')) {
    double x, y;
    char comma;
    std::istringstream is(item);
    if (!(is >> x >> comma >> y) || comma != ',') throw UsageError("--corners: bad point '" + item + "' (want x,y)");
    std::string rest;
    if (is >> rest) throw UsageError("--corners: bad point '" + item + "' (want x,y)");
    pts.push_back({x, y});
  }
  if (pts.size() != 4) throw UsageError("--corners: want four points \"x,y;x,y;x,y;x,y\" (LT;RT;RB;LB)");
  return {pts[0], pts[1], pts[2], pts[3]};
}

std::pair<int, int> parse_frame_size(const std::string& s) {
  int w = 0, h = 0;
  char x = 0;
  std::istringstream is(s);
  std::string rest;
  if (!(is >> w >> x >> h) || (x != 'x' && x != 'X') || w <= 0 || h <= 0 || (is >> rest))
    throw UsageError("--frame-size: want WIDTHxHEIGHT, e.g. 1920x1080, got '" + s + "'");
  return {w, h};
}

SessionMetadata find_record(const std::filesystem::path& metadata, const std::string& id) {
  auto m = meta::read(metadata);
  for (const auto& [key, rec] : m.records)
    if (rec.record_time == id || key == id) return rec;
  throw InputError(metadata.string(), "no record with id '" + id + "'");
}

KeyboardCorners record_corners(const SessionMetadata& rec, const std::filesystem::path& metadata) {
  if (!rec.corners)
    throw InputError(metadata.string(), "record " + rec.record_time + " has no keyboard corners (Point_LT..)");
  return *rec.corners;
}

bool is_duet(const SessionMetadata& rec) {
  return rec.p2_name && rec.p2_name->find_first_not_of(" \t") != std::string::npos;
}

std::string format_queue(const std::vector<Note>& notes, const std::vector<NoteLabel>& labels) {
  std::string out = "#index\tonset\tkey_offset\tnote\tstatus\tcandidates\n";
  char buf[128];
  for (size_t i = 0; i < notes.size() && i < labels.size(); ++i) {
    if (labels[i].status == Status::Auto) continue;
    std::snprintf(buf, sizeof buf, "%zu\t%.6f\t%.6f\t%d\t%s\t", i, notes[i].onset, notes[i].key_offset,
                  notes[i].pitch, status_name(labels[i].status));
    out += buf;
    bool first = true;
    for (const auto& c : labels[i].candidates) {
      std::snprintf(buf, sizeof buf, "%s%s%d:%.3f", first ? "" : ",", hand_name(c.hand), c.finger, c.score);
      out += buf;
      first = false;
    }
    out += '\n';
  }
  return out;
}

}  // namespace pv::fing
