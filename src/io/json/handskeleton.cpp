// Handskeleton JSON and the compact binary form.
//
// JSON reading has two paths that give the same result: a hand-written single-pass parser for the
// fixed shape (frame key -> {"Left": [[x,y,z]x21] | null, ...}) with std::from_chars, about 20x faster
// than building an nlohmann DOM for a 45,000-frame file, and nlohmann as the general fallback for what
// the fast path does not handle (escape sequences in keys). Both report malformed input as InputError
// naming the file and, where it applies, the frame key.
#include "io/json/handskeleton.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/json/handskeleton_detail.hpp"

namespace pv::hands_io {
namespace {

constexpr char kMagic[4] = {'P', 'V', 'H', 'S'};
constexpr std::uint32_t kVersion = 1;
constexpr int kMaxDepth = 64;  // nesting allowed in skipped (unknown) values

std::string frame_ctx(long long frame) { return "frame \"" + std::to_string(frame) + "\": "; }

// Thrown by the fast parser for valid-looking input it does not handle; the DOM path takes over.
struct Unsupported {};

class FastParser {
 public:
  FastParser(std::string_view text, const std::string& name)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), name_(name) {}

  HandTrack parse() {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;  // UTF-8 BOM
    HandTrack t;
    std::vector<char> seen;
    ws();
    expect('{', "expected '{' at the start of a Handskeleton file");
    ws();
    if (peek() == '}') {
      ++p_;
    } else {
      for (;;) {
        ws();
        frame_ = -1;
        long long frame = frame_key();
        frame_ = frame;
        ws();
        expect(':', "expected ':'");
        ws();
        if (static_cast<size_t>(frame) >= t.frames.size()) {
          t.frames.resize(static_cast<size_t>(frame) + 1);
          seen.resize(t.frames.size(), 0);
        }
        if (seen[static_cast<size_t>(frame)]) fail("duplicate frame key");
        seen[static_cast<size_t>(frame)] = 1;
        frame_value(t.frames[static_cast<size_t>(frame)]);
        ws();
        char c = next("unexpected end of file");
        if (c == '}') break;
        if (c != ',') fail("expected ',' or '}' after the frame");
      }
    }
    frame_ = -1;
    ws();
    if (p_ != end_) fail("unexpected data after the top-level object");
    return t;
  }

 private:
  // Error context (frame key, part of the frame, landmark) is kept as plain values and only turned
  // into text when something fails: the hot path builds no strings.
  [[noreturn]] void fail(const std::string& what) const {
    std::string ctx;
    if (frame_ >= 0) ctx += frame_ctx(frame_);
    if (part_) ctx += std::string(part_) + ": ";
    if (landmark_ >= 0) ctx += "landmark " + std::to_string(landmark_) + ": ";
    throw InputError(name_, "byte " + std::to_string(p_ - begin_) + ": " + ctx + what);
  }
  char peek() const { return p_ < end_ ? *p_ : '\0'; }
  char next(const char* what_if_end) {
    if (p_ >= end_) fail(what_if_end);
    return *p_++;
  }
  void expect(char c, const char* what) {
    if (p_ >= end_ || *p_ != c) fail(what);
    ++p_;
  }
  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool literal(std::string_view lit) {
    if (static_cast<size_t>(end_ - p_) >= lit.size() && std::memcmp(p_, lit.data(), lit.size()) == 0) {
      p_ += lit.size();
      return true;
    }
    return false;
  }

  // A plain string without escapes; the fast path gives up (Unsupported) on escapes.
  std::string_view plain_string() {
    expect('"', "expected a string");
    const char* s = p_;
    while (p_ < end_ && *p_ != '"') {
      if (*p_ == '\\') throw Unsupported{};
      if (static_cast<unsigned char>(*p_) < 0x20) fail("control character in string");
      ++p_;
    }
    if (p_ >= end_) fail("unterminated string");
    std::string_view v(s, static_cast<size_t>(p_ - s));
    ++p_;
    return v;
  }

  long long frame_key() {
    std::string_view k = plain_string();
    if (k.empty() || k.size() > 12) fail("frame key \"" + std::string(k) + "\": not a frame number");
    long long v = 0;
    for (char c : k) {
      if (c < '0' || c > '9') fail("frame key \"" + std::string(k) + "\": not a frame number");
      v = v * 10 + (c - '0');
    }
    if (v >= kMaxFrames)
      fail("frame key \"" + std::string(k) + "\": frame number above the limit " + std::to_string(kMaxFrames));
    return v;
  }

  float number() {
    if (p_ >= end_ || !(*p_ == '-' || (*p_ >= '0' && *p_ <= '9'))) fail("expected a number");
    float v = 0;
    auto [q, ec] = std::from_chars(p_, end_, v);
    if (ec == std::errc::result_out_of_range) {
      // Underflow (e.g. 1e-50) reads as the nearest float; overflow is an error.
      double d = 0;
      auto [q2, ec2] = std::from_chars(p_, end_, d);
      if (ec2 != std::errc() || !(std::fabs(d) < 1.0)) fail("number out of range");
      v = static_cast<float>(d);
      q = q2;
      ec = std::errc();
    }
    if (ec == std::errc() && !std::isfinite(v)) fail("number out of range");
    if (ec != std::errc()) fail("expected a number");
    p_ = q;
    return v;
  }

  void frame_value(HandFrame& out) {
    if (literal("null")) return;
    expect('{', "expected an object {\"Left\": ..., \"Right\": ...} or null");
    ws();
    if (peek() == '}') {
      ++p_;
      return;
    }
    float scores[2][2] = {{1, 1}, {1, 1}};
    bool has_scores[2] = {false, false};
    for (;;) {
      ws();
      std::string_view key = plain_string();
      ws();
      expect(':', "expected ':'");
      ws();
      if (key == "Left" || key == "Right") {
        part_ = key == "Left" ? "Left" : "Right";
        auto& slot = key == "Left" ? out.left : out.right;
        slot.reset();
        if (!literal("null")) slot = hand();
      } else if (key == "Left_score" || key == "Right_score") {
        int h = key == "Left_score" ? 0 : 1;
        part_ = h == 0 ? "Left_score" : "Right_score";
        if (!literal("null")) {
          expect('[', "expected [presence, handedness]");
          ws();
          scores[h][0] = number();
          ws();
          expect(',', "expected [presence, handedness]");
          ws();
          scores[h][1] = number();
          ws();
          expect(']', "expected [presence, handedness]");
          has_scores[h] = true;
        }
      } else {
        skip_value(0);
      }
      part_ = nullptr;
      ws();
      char c = next("unexpected end of file");
      if (c == '}') break;
      if (c != ',') fail("expected ',' or '}'");
    }
    for (int h = 0; h < 2; ++h) {
      auto& slot = h == 0 ? out.left : out.right;
      if (has_scores[h] && slot) {
        slot->presence = scores[h][0];
        slot->handedness = scores[h][1];
      }
    }
  }

  HandObservation hand() {
    HandObservation obs;
    expect('[', "expected null or a list of 21 [x, y, z] landmarks");
    for (int i = 0; i < 21; ++i) {
      ws();
      if (peek() == ']') fail("expected 21 landmarks, got " + std::to_string(i));
      landmark_ = i;
      expect('[', "expected [x, y, z]");
      float xyz[3];
      for (int k = 0; k < 3; ++k) {
        ws();
        xyz[k] = number();
        ws();
        if (k < 2) expect(',', "expected [x, y, z]");
      }
      expect(']', "expected [x, y, z]");
      landmark_ = -1;
      obs.points[static_cast<size_t>(i)] = {xyz[0], xyz[1], xyz[2]};
      ws();
      if (i < 20 && (p_ >= end_ || *p_ != ',')) fail("expected 21 landmarks, got " + std::to_string(i + 1));
      if (i < 20) ++p_;
    }
    ws();
    expect(']', "expected 21 landmarks, got more");
    return obs;
  }

  // Skips any JSON value (unknown keys inside a frame).
  void skip_value(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    char c = peek();
    if (c == '"') {
      ++p_;
      while (p_ < end_ && *p_ != '"') {
        if (*p_ == '\\' && end_ - p_ < 2) fail("unterminated string");
        p_ += *p_ == '\\' ? 2 : 1;
      }
      if (p_ >= end_) fail("unterminated string");
      ++p_;
    } else if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++p_;
      ws();
      if (peek() == close) {
        ++p_;
        return;
      }
      for (;;) {
        ws();
        if (c == '{') {
          if (peek() != '"') fail("expected a string key");
          skip_value(depth + 1);
          ws();
          expect(':', "expected ':'");
          ws();
        }
        skip_value(depth + 1);
        ws();
        char d = next("unexpected end of file");
        if (d == close) break;
        if (d != ',') fail("expected ',' or a closing bracket");
      }
    } else if (literal("null") || literal("true") || literal("false")) {
    } else {
      number();
    }
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  const std::string& name_;
  long long frame_ = -1;
  const char* part_ = nullptr;
  int landmark_ = -1;
};

// ---- nlohmann DOM path ----

float dom_number(const nlohmann::json& v, const std::string& name, const std::string& ctx) {
  if (!v.is_number()) throw InputError(name, ctx + "expected a number, got " + v.type_name());
  double d = v.get<double>();
  float f = static_cast<float>(d);
  if (!std::isfinite(d) || !std::isfinite(f)) throw InputError(name, ctx + "number out of range");
  if (v.is_number_float()) {
    // Same rounding as the fast path: shortest decimal -> float directly.
    std::string s = v.dump();
    std::from_chars(s.data(), s.data() + s.size(), f);
  }
  return f;
}

HandObservation dom_hand(const nlohmann::json& v, const std::string& name, const std::string& ctx) {
  if (!v.is_array() || v.size() != 21)
    throw InputError(name, ctx + "expected null or a list of 21 [x, y, z] landmarks");
  HandObservation obs;
  for (size_t i = 0; i < 21; ++i) {
    const auto& lm = v[i];
    std::string c2 = ctx + "landmark " + std::to_string(i) + ": ";
    if (!lm.is_array() || lm.size() != 3) throw InputError(name, c2 + "expected [x, y, z]");
    obs.points[i] = {dom_number(lm[0], name, c2), dom_number(lm[1], name, c2), dom_number(lm[2], name, c2)};
  }
  return obs;
}

}  // namespace

namespace detail {

HandTrack parse_json_dom(std::string_view text, const std::string& name) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(name, std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw InputError(name, "expected a top-level object of frames");
  HandTrack t;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& k = it.key();
    long long frame = 0;
    auto [q, ec] = std::from_chars(k.data(), k.data() + k.size(), frame);
    if (k.empty() || k.size() > 12 || ec != std::errc() || q != k.data() + k.size() || k[0] == '-')
      throw InputError(name, "frame key \"" + k + "\": not a frame number");
    if (frame >= kMaxFrames)
      throw InputError(name, "frame key \"" + k + "\": frame number above the limit " + std::to_string(kMaxFrames));
    if (static_cast<size_t>(frame) >= t.frames.size()) t.frames.resize(static_cast<size_t>(frame) + 1);
    const auto& v = it.value();
    const std::string ctx = "frame \"" + k + "\": ";
    if (v.is_null()) continue;
    if (!v.is_object()) throw InputError(name, ctx + "expected an object {\"Left\": ..., \"Right\": ...} or null");
    HandFrame& f = t.frames[static_cast<size_t>(frame)];
    for (int h = 0; h < 2; ++h) {
      const char* key = h == 0 ? "Left" : "Right";
      auto& slot = h == 0 ? f.left : f.right;
      auto hit = v.find(key);
      if (hit != v.end() && !hit->is_null()) slot = dom_hand(*hit, name, ctx + key + ": ");
      auto sit = v.find(std::string(key) + "_score");
      if (sit != v.end() && !sit->is_null()) {
        std::string c2 = ctx + key + "_score: ";
        if (!sit->is_array() || sit->size() != 2) throw InputError(name, c2 + "expected [presence, handedness]");
        float pr = dom_number((*sit)[0], name, c2), hd = dom_number((*sit)[1], name, c2);
        if (slot) {
          slot->presence = pr;
          slot->handedness = hd;
        }
      }
    }
  }
  return t;
}

HandTrack parse_json_fast(std::string_view text, const std::string& name) {
  return FastParser(text, name).parse();
}

}  // namespace detail

HandTrack parse_json(std::string_view text, const std::string& name) {
  try {
    return detail::parse_json_fast(text, name);
  } catch (const Unsupported&) {
    return detail::parse_json_dom(text, name);
  }
}

HandTrack read_json(const std::filesystem::path& file) { return parse_json(read_file(file), file.string()); }

namespace {
void append_float(std::string& out, float v) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, p);
}
void append_points(std::string& out, const HandLandmarks& points) {
  out += '[';
  for (size_t i = 0; i < 21; ++i) {
    if (i) out += ", ";
    out += '[';
    append_float(out, points[i].x);
    out += ", ";
    append_float(out, points[i].y);
    out += ", ";
    append_float(out, points[i].z);
    out += ']';
  }
  out += ']';
}
void append_hand(std::string& out, const HandObservation& h) { append_points(out, h.points); }
}  // namespace

std::string to_json(const HandTrack& t, bool with_scores, const std::vector<FrameExtra>* extras) {
  std::string out;
  out.reserve(t.frames.size() * 1400 + 4);
  out += '{';
  for (size_t i = 0; i < t.frames.size(); ++i) {
    const HandFrame& f = t.frames[i];
    out += i ? ",\n\"" : "\n\"";
    out += std::to_string(i);
    out += "\": {";
    for (int h = 0; h < 2; ++h) {
      const auto& slot = h == 0 ? f.left : f.right;
      const char* key = h == 0 ? "Left" : "Right";
      if (h) out += ", ";
      out += '"';
      out += key;
      out += "\": ";
      if (slot)
        append_hand(out, *slot);
      else
        out += "null";
      if (with_scores && slot) {
        out += ", \"";
        out += key;
        out += "_score\": [";
        append_float(out, slot->presence);
        out += ", ";
        append_float(out, slot->handedness);
        out += ']';
      }
      if (extras && slot && i < extras->size()) {
        const auto& extra = h == 0 ? (*extras)[i].left : (*extras)[i].right;
        if (extra && extra->track_id >= 0) {
          out += ", \"";
          out += key;
          out += "_track_id\": ";
          out += std::to_string(extra->track_id);
        }
        if (extra && extra->world) {
          out += ", \"";
          out += key;
          out += "_world_landmarks\": ";
          append_points(out, *extra->world);
        }
      }
    }
    out += '}';
  }
  out += t.frames.empty() ? "}\n" : "\n}\n";
  return out;
}

void write_json(const std::filesystem::path& file, const HandTrack& t, bool with_scores,
                const std::vector<FrameExtra>* extras) {
  write_file_atomic(file, to_json(t, with_scores, extras));
}

// ---- binary form ----
// "PVHS", u32 version, u32 frame count; per frame: u8 mask (bit 0 Left, bit 1 Right), then for each
// present hand 63 floats (x, y, z per landmark) + presence + handedness. Little-endian throughout.
namespace {
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_f32(std::string& out, float f) { put_u32(out, std::bit_cast<std::uint32_t>(f)); }

class Reader {
 public:
  Reader(std::string_view b, const std::string& name) : b_(b), name_(name) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(name_, "byte " + std::to_string(pos_) + ": " + what);
  }
  size_t left() const { return b_.size() - pos_; }
  size_t pos() const { return pos_; }
  std::uint8_t u8(const char* what) {
    if (left() < 1) fail(std::string("truncated (") + what + ")");
    return static_cast<std::uint8_t>(b_[pos_++]);
  }
  std::uint32_t u32(const char* what) {
    if (left() < 4) fail(std::string("truncated (") + what + ")");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(b_[pos_ + i])) << (8 * i);
    pos_ += 4;
    return v;
  }
  float f32(const std::string& ctx) {
    if (left() < 4) fail(ctx + "truncated");
    float f = std::bit_cast<float>(u32("float"));
    if (!std::isfinite(f)) {
      pos_ -= 4;
      fail(ctx + "non-finite value");
    }
    return f;
  }

 private:
  std::string_view b_;
  const std::string& name_;
  size_t pos_ = 0;
};
}  // namespace

std::string to_binary(const HandTrack& t) {
  std::string out;
  out.append(kMagic, 4);
  put_u32(out, kVersion);
  put_u32(out, static_cast<std::uint32_t>(t.frames.size()));
  for (const HandFrame& f : t.frames) {
    out += static_cast<char>((f.left ? 1 : 0) | (f.right ? 2 : 0));
    for (const auto* slot : {&f.left, &f.right}) {
      if (!*slot) continue;
      for (const Landmark& p : (*slot)->points) {
        put_f32(out, p.x);
        put_f32(out, p.y);
        put_f32(out, p.z);
      }
      put_f32(out, (*slot)->presence);
      put_f32(out, (*slot)->handedness);
    }
  }
  return out;
}

HandTrack parse_binary(std::string_view bytes, const std::string& name) {
  Reader r(bytes, name);
  if (bytes.size() < 4 || std::memcmp(bytes.data(), kMagic, 4) != 0) r.fail("not a PVHS file (bad magic)");
  r.u32("magic");
  std::uint32_t version = r.u32("version");
  if (version != kVersion) r.fail("unsupported PVHS version " + std::to_string(version));
  std::uint32_t count = r.u32("frame count");
  if (count > r.left() || count > static_cast<std::uint64_t>(kMaxFrames))
    r.fail("frame count " + std::to_string(count) + " does not fit the file");
  HandTrack t;
  t.frames.resize(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::string ctx = frame_ctx(i);
    std::uint8_t mask = r.u8("frame mask");
    if (mask & ~3u) r.fail(ctx + "bad presence mask " + std::to_string(mask));
    for (int h = 0; h < 2; ++h) {
      if (!(mask & (1u << h))) continue;
      const std::string c2 = ctx + (h == 0 ? "Left: " : "Right: ");
      if (r.left() < 65 * 4) r.fail(c2 + "truncated");
      HandObservation obs;
      for (Landmark& p : obs.points) {
        p.x = r.f32(c2);
        p.y = r.f32(c2);
        p.z = r.f32(c2);
      }
      obs.presence = r.f32(c2);
      obs.handedness = r.f32(c2);
      (h == 0 ? t.frames[i].left : t.frames[i].right) = obs;
    }
  }
  if (r.left() != 0) r.fail(std::to_string(r.left()) + " unexpected bytes after the last frame");
  return t;
}

HandTrack read(const std::filesystem::path& file) {
  std::string bytes = read_file(file);
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) == 0) return parse_binary(bytes, file.string());
  return parse_json(bytes, file.string());
}

}  // namespace pv::hands_io
