#pragma once
// metadata.json: {"0": record, "1": record, ...} with the PianoVAM keys (design §2).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/session.hpp"

namespace pv::meta {

// Ordered by key as in the file ("0".."N-1").
struct Metadata {
  std::vector<std::pair<std::string, SessionMetadata>> records;
};

Metadata parse(const std::string& text, const std::string& name);  // throws InputError
Metadata read(const std::filesystem::path& file);
std::string serialize(const Metadata& m);  // pretty JSON; read(serialize(m)) == m
void write(const std::filesystem::path& file, const Metadata& m);  // atomic

// "x, y" <-> Point2. Throws pv::Error on a malformed string.
Point2 parse_point(const std::string& s);
std::string format_point(const Point2& p);

// Per-record problems (missing keys, bad values). Each: {code, message}.
struct Problem {
  std::string code;     // stable, e.g. "META_MISSING_KEY"
  std::string message;
};
std::vector<Problem> check_record(const SessionMetadata& r);

// All sessions of a dataset root (reads <root>/metadata.json).
std::vector<Session> sessions(const std::filesystem::path& root);

}  // namespace pv::meta
