// metadata.json reader/writer/checker.
//
// Round-trip rule: known keys are typed in SessionMetadata; whenever the typed value cannot reproduce
// what the file said (a numeric string such as "duration": "312.5", an empty string, a value of the
// wrong JSON type, a corner string in another spelling), the raw JSON text of that key is also kept
// in `extra` under the key's own name. serialize() writes the raw form back when it still decodes to
// the typed value, so read -> write -> read is an identity and the file keeps its form.
#include "io/json/metadata.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace pv::meta {
namespace {

using ojson = nlohmann::ordered_json;

// PianoVAM keys in the order we write them.
constexpr std::array<const char*, 21> kKnownKeys = {
    "record_time", "split",       "composer",    "piece",         "performance_method", "performance_type",
    "P1_name",     "P1_gender",   "P1_age",      "P1_skill",      "P1_musicmajor",      "P2_name",
    "P2_gender",   "P2_age",      "P2_skill",    "P2_musicmajor", "duration",           "Point_LT",
    "Point_RT",    "Point_RB",    "Point_LB"};
constexpr int kMaxDepth = 256;
constexpr std::array<const char*, 4> kCornerKeys = {"Point_LT", "Point_RT", "Point_RB", "Point_LB"};

bool is_known(const std::string& k) {
  for (const char* n : kKnownKeys)
    if (k == n) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Whole-string decimal number (leading '+' allowed); nullopt when not exactly one finite number.
std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Shortest text that reads back to the same double; integers without a fraction.
std::string format_number(double v) {
  if (std::nearbyint(v) == v && std::fabs(v) < 9.007199254740992e15)
    return std::to_string(static_cast<long long>(v));
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, p);
}

ojson number_json(double v) {
  if (std::nearbyint(v) == v && std::fabs(v) < 9.007199254740992e15) return ojson(static_cast<long long>(v));
  return ojson(v);
}

std::string& string_field(SessionMetadata& r, const std::string& k) {
  static std::string dummy;
  if (k == "record_time") return r.record_time;
  if (k == "split") return r.split;
  if (k == "composer") return r.composer;
  if (k == "piece") return r.piece;
  if (k == "performance_method") return r.performance_method;
  if (k == "performance_type") return r.performance_type;
  if (k == "P1_name") return r.p1_name;
  if (k == "P1_gender") return r.p1_gender;
  if (k == "P1_skill") return r.p1_skill;
  if (k == "P1_musicmajor") return r.p1_musicmajor;
  return dummy;
}
std::optional<std::string>* opt_string_field(SessionMetadata& r, const std::string& k) {
  if (k == "P2_name") return &r.p2_name;
  if (k == "P2_gender") return &r.p2_gender;
  if (k == "P2_skill") return &r.p2_skill;
  if (k == "P2_musicmajor") return &r.p2_musicmajor;
  return nullptr;
}
std::optional<double>* number_field(SessionMetadata& r, const std::string& k) {
  if (k == "P1_age") return &r.p1_age;
  if (k == "P2_age") return &r.p2_age;
  if (k == "duration") return &r.duration;
  return nullptr;
}
bool is_corner(const std::string& k) {
  for (const char* n : kCornerKeys)
    if (k == n) return true;
  return false;
}
Point2& corner_field(KeyboardCorners& c, const std::string& k) {
  if (k == "Point_LT") return c.lt;
  if (k == "Point_RT") return c.rt;
  if (k == "Point_RB") return c.rb;
  return c.lb;
}

std::optional<Point2> try_parse_point(const std::string& s) {
  try {
    return parse_point(s);
  } catch (const Error&) {
    return std::nullopt;
  }
}

SessionMetadata record_from_json(const ojson& j) {
  SessionMetadata r;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const ojson& v = it.value();
    if (!is_known(k)) {
      r.extra[k] = v.dump();
    } else if (auto* os = opt_string_field(r, k)) {
      if (v.is_string())
        *os = v.get<std::string>();
      else
        r.extra[k] = v.dump();
    } else if (auto* num = number_field(r, k)) {
      if (v.is_number()) {
        double d = v.get<double>();
        if (std::isfinite(d)) {
          *num = d;
          // Keep the spelling when the JSON number does not print back the same way (e.g. 23.0, 1e2).
          if (v.dump() != number_json(d).dump()) r.extra[k] = v.dump();
          continue;
        }
      } else if (v.is_string()) {
        *num = parse_number(v.get<std::string>());
      }
      r.extra[k] = v.dump();
    } else if (is_corner(k)) {
      // Handled below once all four are known.
    } else {
      std::string& s = string_field(r, k);
      if (v.is_string() && !v.get<std::string>().empty())
        s = v.get<std::string>();
      else
        r.extra[k] = v.dump();
    }
  }
  KeyboardCorners c;
  bool all = true;
  for (const char* k : kCornerKeys) {
    auto it = j.find(k);
    std::optional<Point2> p;
    if (it != j.end() && it->is_string()) p = try_parse_point(it->get<std::string>());
    if (!p) {
      all = false;
      continue;
    }
    corner_field(c, k) = *p;
  }
  for (const char* k : kCornerKeys) {
    auto it = j.find(k);
    if (it == j.end()) continue;
    if (!all || !it->is_string() || it->get<std::string>() != format_point(corner_field(c, k)))
      r.extra[k] = it->dump();
  }
  if (all) r.corners = c;
  return r;
}

ojson raw_json(const std::string& text) { return ojson::parse(text); }

ojson record_to_json(const SessionMetadata& rec) {
  SessionMetadata r = rec;  // field accessors are non-const
  ojson j = ojson::object();
  auto raw = [&](const std::string& k) -> const std::string* {
    auto it = r.extra.find(k);
    return it == r.extra.end() ? nullptr : &it->second;
  };
  for (const char* kc : kKnownKeys) {
    const std::string k = kc;
    const std::string* rw = raw(k);
    if (auto* os = opt_string_field(r, k)) {
      if (*os)
        j[k] = **os;
      else if (rw)
        j[k] = raw_json(*rw);
    } else if (auto* num = number_field(r, k)) {
      if (*num) {
        ojson old = rw ? raw_json(*rw) : ojson();
        if (old.is_string()) {
          auto was = parse_number(old.get<std::string>());
          j[k] = (was && *was == **num) ? old : ojson(format_number(**num));
        } else if (old.is_number() && old.get<double>() == **num) {
          j[k] = old;
        } else {
          j[k] = number_json(**num);
        }
      } else if (rw) {
        j[k] = raw_json(*rw);
      }
    } else if (is_corner(k)) {
      if (r.corners) {
        const Point2& p = corner_field(*r.corners, k);
        ojson old = rw ? raw_json(*rw) : ojson();
        std::optional<Point2> was;
        if (old.is_string()) was = try_parse_point(old.get<std::string>());
        j[k] = (was && *was == p) ? old : ojson(format_point(p));
      } else if (rw) {
        j[k] = raw_json(*rw);
      }
    } else {
      const std::string& s = string_field(r, k);
      if (!s.empty())
        j[k] = s;
      else if (rw)
        j[k] = raw_json(*rw);
    }
  }
  for (const auto& [k, v] : r.extra)
    if (!is_known(k)) j[k] = raw_json(v);
  return j;
}

bool valid_record_time(const std::string& s) {
  // YYYY-MM-DD_HH-MM-SS
  static constexpr char kPattern[] = "DDDD-DD-DD_DD-DD-DD";
  if (s.size() != sizeof(kPattern) - 1) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (kPattern[i] == 'D' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != kPattern[i]) return false;
  }
  auto num = [&](size_t pos, size_t len) { return std::stoi(s.substr(pos, len)); };
  int mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 59;
}

double cross(const Point2& o, const Point2& a, const Point2& b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

}  // namespace

Point2 parse_point(const std::string& s) {
  std::string_view v = trim(s);
  if (v.size() >= 2 && ((v.front() == '(' && v.back() == ')') || (v.front() == '[' && v.back() == ']'))) {
    v = trim(v.substr(1, v.size() - 2));
  }
  auto comma = v.find(',');
  if (comma == std::string_view::npos || v.find(',', comma + 1) != std::string_view::npos)
    throw Error("corner \"" + s + "\": expected \"x, y\"");
  auto x = parse_number(v.substr(0, comma));
  auto y = parse_number(v.substr(comma + 1));
  if (!x || !y) throw Error("corner \"" + s + "\": expected two numbers \"x, y\"");
  return {*x, *y};
}

std::string format_point(const Point2& p) { return format_number(p.x) + ", " + format_number(p.y); }

Metadata parse(const std::string& text, const std::string& name) {
  ojson doc;
  // nlohmann keeps the last of duplicate keys silently; a metadata file with them is ambiguous.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  struct TooDeep {};
  auto on_event = [&](int depth, nlohmann::json::parse_event_t ev, ojson& v) {
    using E = nlohmann::json::parse_event_t;
    if (depth > kMaxDepth) throw TooDeep{};  // dump() of unknown values recurses
    if (ev == E::object_start) open_objects.emplace_back();
    if (ev == E::object_end && !open_objects.empty()) open_objects.pop_back();
    if (ev == E::key && !open_objects.empty() && !open_objects.back().insert(v.get<std::string>()).second &&
        duplicate.empty())
      duplicate = v.get<std::string>();
    return true;
  };
  try {
    doc = ojson::parse(text, on_event);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(name, std::string("not valid JSON: ") + e.what());
  } catch (const TooDeep&) {
    throw InputError(name, "values nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  if (!duplicate.empty()) throw InputError(name, "duplicate key \"" + duplicate + "\"");
  if (!doc.is_object()) throw InputError(name, "top level must be an object {\"0\": record, ...}");
  Metadata m;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (!it.value().is_object())
      throw InputError(name, "record \"" + it.key() + "\" is not an object");
    m.records.emplace_back(it.key(), record_from_json(it.value()));
  }
  return m;
}

Metadata read(const std::filesystem::path& file) { return parse(read_file(file), file.string()); }

std::string serialize(const Metadata& m) {
  ojson doc = ojson::object();
  for (const auto& [key, rec] : m.records) doc[key] = record_to_json(rec);
  return doc.dump(4) + "\n";
}

void write(const std::filesystem::path& file, const Metadata& m) { write_file_atomic(file, serialize(m)); }

std::vector<Problem> check_record(const SessionMetadata& rec) {
  std::vector<Problem> out;
  SessionMetadata r = rec;
  auto add = [&](const char* code, const std::string& msg) { out.push_back({code, msg}); };
  auto raw = [&](const std::string& k) -> const std::string* {
    auto it = r.extra.find(k);
    return it == r.extra.end() ? nullptr : &it->second;
  };
  auto absent_or_bad = [&](const std::string& k, const char* bad_code, const std::string& what) {
    if (const std::string* rw = raw(k)) {
      if (*rw == "\"\"")
        add("META_EMPTY_VALUE", k + ": empty");
      else
        add(bad_code, k + ": " + what + ", got " + *rw);
    } else {
      add("META_MISSING_KEY", k + ": missing");
    }
  };

  for (const char* k : {"record_time", "split", "composer", "piece", "performance_method", "performance_type",
                        "P1_name", "P1_gender", "P1_skill", "P1_musicmajor"}) {
    if (string_field(r, k).empty()) absent_or_bad(k, "META_BAD_TYPE", "expected a non-empty string");
  }
  if (!r.record_time.empty() && !valid_record_time(r.record_time))
    add("META_BAD_RECORD_TIME", "record_time: \"" + r.record_time + "\" is not YYYY-MM-DD_HH-MM-SS");
  if (!r.split.empty() && r.split != "train" && r.split != "valid" && r.split != "test")
    add("META_BAD_SPLIT", "split: \"" + r.split + "\" is not train|valid|test");
  auto skill_ok = [](const std::string& s) { return s == "Beginner" || s == "Intermediate" || s == "Advanced"; };
  if (!r.p1_skill.empty() && !skill_ok(r.p1_skill))
    add("META_BAD_SKILL", "P1_skill: \"" + r.p1_skill + "\" is not Beginner|Intermediate|Advanced");

  auto check_number = [&](const char* k, const std::optional<double>& v, const char* code, double lo, double hi) {
    if (!v)
      absent_or_bad(k, code, "expected a number or numeric string");
    else if (!(*v > lo && *v < hi))
      add(code, std::string(k) + ": " + format_number(*v) + " out of range");
  };
  check_number("P1_age", r.p1_age, "META_BAD_AGE", 0, 150);
  check_number("duration", r.duration, "META_BAD_DURATION", 0, 1e7);

  // Second performer (duets): when P2_name is given, the other P2 keys are required too. Solo
  // records may carry the P2 keys as "" or null placeholders.
  for (const char* k : {"P2_name", "P2_gender", "P2_skill", "P2_musicmajor", "P2_age"}) {
    const std::string* rw = raw(k);
    if (!rw || *rw == "\"\"" || *rw == "null" || (std::string(k) == "P2_age" && r.p2_age)) continue;
    add(std::string(k) == "P2_age" ? "META_BAD_AGE" : "META_BAD_TYPE", std::string(k) + ": unexpected value " + *rw);
  }
  if (r.p2_name && !r.p2_name->empty()) {
    for (const char* k : {"P2_gender", "P2_skill", "P2_musicmajor"})
      if (!*opt_string_field(r, k) && !raw(k)) add("META_MISSING_KEY", std::string(k) + ": missing (duet)");
    if (!r.p2_age && !raw("P2_age")) add("META_MISSING_KEY", "P2_age: missing (duet)");
  }
  if (r.p2_skill && !r.p2_skill->empty() && !skill_ok(*r.p2_skill))
    add("META_BAD_SKILL", "P2_skill: \"" + *r.p2_skill + "\" is not Beginner|Intermediate|Advanced");
  if (r.p2_age && !(*r.p2_age > 0 && *r.p2_age < 150))
    add("META_BAD_AGE", "P2_age: " + format_number(*r.p2_age) + " out of range");

  if (!r.corners) {
    for (const char* k : kCornerKeys) {
      const std::string* rw = raw(k);
      if (!rw)
        add("META_MISSING_KEY", std::string(k) + ": missing");
      else {
        ojson v = raw_json(*rw);
        if (!v.is_string() || !try_parse_point(v.get<std::string>()))
          add("META_BAD_CORNER", std::string(k) + ": expected \"x, y\", got " + *rw);
      }
    }
  } else {
    // LT -> RT -> RB -> LB must go round a convex quadrilateral clockwise on screen (y down).
    const KeyboardCorners& c = *r.corners;
    const Point2 q[4] = {c.lt, c.rt, c.rb, c.lb};
    bool convex = true;
    for (int i = 0; i < 4; ++i)
      if (!(cross(q[i], q[(i + 1) % 4], q[(i + 2) % 4]) > 0)) convex = false;
    if (!convex)
      add("META_BAD_CORNER", "Point_LT/RT/RB/LB: " + format_point(c.lt) + " / " + format_point(c.rt) + " / " +
                                 format_point(c.rb) + " / " + format_point(c.lb) +
                                 " do not go clockwise round a convex keyboard outline");
  }
  return out;
}

std::vector<Session> sessions(const std::filesystem::path& root) {
  Metadata m = read(root / "metadata.json");
  std::vector<Session> out;
  out.reserve(m.records.size());
  for (auto& [key, rec] : m.records) out.push_back(Session{root, key, std::move(rec)});
  return out;
}

}  // namespace pv::meta
