#include "io/midi/midi.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <limits>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace pv::midi {
namespace {

// ---------------------------------------------------------------------------------------------
// Reading: a bounds-checked cursor; every failure names the byte offset.

class Reader {
 public:
  Reader(std::string_view bytes, const std::string& name) : b_(bytes), name_(name) {}

  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    throw InputError(name_, "byte " + std::to_string(at) + ": " + what);
  }
  std::size_t size() const { return b_.size(); }
  std::uint8_t at(std::size_t i) const { return static_cast<std::uint8_t>(b_[i]); }
  std::uint32_t be(std::size_t i, int n) const {
    std::uint32_t v = 0;
    for (int k = 0; k < n; ++k) v = (v << 8) | at(i + k);
    return v;
  }
  std::string_view view(std::size_t i, std::size_t n) const { return b_.substr(i, n); }

 private:
  std::string_view b_;
  const std::string& name_;
};

struct RawNote {
  std::int64_t on = 0, off = -1;
  std::uint8_t pitch = 0, velocity = 0, channel = 0;
};
struct RawPedal {
  std::int64_t tick;
  std::uint8_t controller, value, channel;
};
struct RawTempo {
  std::int64_t tick;
  std::uint32_t us;
};

struct Raw {
  std::vector<RawNote> notes;
  std::vector<RawPedal> pedals;
  std::vector<RawTempo> tempos;  // in file order (track, position)
  std::int64_t last_channel_tick = 0;
  int unmatched_offs = 0, unterminated = 0;
};

// Reads a variable-length quantity at p (< end); at most 4 bytes.
std::uint32_t read_vlq(const Reader& r, std::size_t& p, std::size_t end, const char* what) {
  std::uint32_t v = 0;
  for (int k = 0; k < 4; ++k) {
    if (p >= end) r.fail(p, std::string("truncated ") + what);
    std::uint8_t c = r.at(p++);
    v = (v << 7) | (c & 0x7F);
    if (!(c & 0x80)) return v;
  }
  r.fail(p - 4, std::string(what) + " longer than 4 bytes");
}

// Parses one MTrk body [p, end) into raw events. Notes pair FIFO per (channel, pitch) within the track.
void parse_track(const Reader& r, std::size_t p, std::size_t end, Raw& raw,
                 std::array<std::vector<std::uint32_t>, 16 * 128>& sounding,
                 std::array<std::uint32_t, 16 * 128>& head) {
  for (auto& s : sounding) s.clear();
  head.fill(0);
  std::int64_t tick = 0;
  std::uint8_t running = 0;
  while (p < end) {
    tick += read_vlq(r, p, end, "delta time");
    const std::size_t ev = p;
    if (p >= end) r.fail(p, "truncated event");
    std::uint8_t status = r.at(p);
    if (status & 0x80) {
      ++p;
    } else {
      if (!running) r.fail(ev, "data byte without a running status");
      status = running;
    }

    if (status < 0xF0) {  // channel message
      running = status;
      const int type = status >> 4, ch = status & 0x0F;
      const int len = (type == 0xC || type == 0xD) ? 1 : 2;
      if (p + len > end) r.fail(ev, "truncated channel message");
      const std::uint8_t d1 = r.at(p), d2 = len == 2 ? r.at(p + 1) : 0;
      if ((d1 | d2) & 0x80) r.fail(p, "data byte >= 0x80 in channel message");
      p += len;
      raw.last_channel_tick = std::max(raw.last_channel_tick, tick);
      const int key = ch * 128 + d1;
      if (type == 0x9 && d2 > 0) {
        sounding[key].push_back(static_cast<std::uint32_t>(raw.notes.size()));
        raw.notes.push_back({tick, -1, d1, d2, static_cast<std::uint8_t>(ch)});
      } else if (type == 0x8 || type == 0x9) {
        auto& q = sounding[key];
        if (head[key] < q.size()) {
          raw.notes[q[head[key]++]].off = tick;
          if (head[key] == q.size()) q.clear(), head[key] = 0;
        } else {
          ++raw.unmatched_offs;
        }
      } else if (type == 0xB && (d1 == 64 || d1 == 66 || d1 == 67)) {
        raw.pedals.push_back({tick, d1, d2, static_cast<std::uint8_t>(ch)});
      }
    } else if (status == 0xFF) {  // meta event
      if (p >= end) r.fail(ev, "truncated meta event");
      const std::uint8_t type = r.at(p++);
      const std::uint32_t len = read_vlq(r, p, end, "meta event length");
      if (len > end - p) r.fail(ev, "meta event runs past the end of its track");
      if (type == 0x51) {
        if (len != 3) r.fail(ev, "tempo meta event has length " + std::to_string(len) + ", expected 3");
        std::uint32_t us = r.be(p, 3);
        if (us == 0) r.fail(ev, "tempo of 0 microseconds per quarter note");
        raw.tempos.push_back({tick, us});
      }
      p += len;
      if (type == 0x2F) break;  // end of track; trailing bytes are ignored
    } else if (status == 0xF0 || status == 0xF7) {  // sysex / escape: skipped
      const std::uint32_t len = read_vlq(r, p, end, "sysex length");
      if (len > end - p) r.fail(ev, "sysex event runs past the end of its track");
      p += len;  // running status is kept: some writers rely on it after sysex
    } else {
      r.fail(ev, "unexpected status byte 0x" + [&] {
        char buf[3];
        std::snprintf(buf, sizeof buf, "%02X", status);
        return std::string(buf);
      }() + " in a track");
    }
  }
  // Close notes never released at the end of the track.
  for (std::size_t k = 0; k < sounding.size(); ++k)
    for (std::size_t i = head[k]; i < sounding[k].size(); ++i) {
      raw.notes[sounding[k][i]].off = tick;
      ++raw.unterminated;
    }
}

// Tick -> seconds through a piecewise-constant tempo map.
class TimeMap {
 public:
  TimeMap(int division, int smpte_fps, int ticks_per_frame, std::vector<RawTempo> tempos) {
    if (division > 0) {
      std::stable_sort(tempos.begin(), tempos.end(),
                       [](const RawTempo& a, const RawTempo& b) { return a.tick < b.tick; });
      seg_.push_back({0, 0.0, 500000.0 / (1e6 * division)});
      for (const auto& t : tempos) {
        Segment& last = seg_.back();
        const double sec = last.sec + static_cast<double>(t.tick - last.tick) * last.sec_per_tick;
        const double spt = t.us / (1e6 * division);
        if (t.tick == last.tick)
          last.sec_per_tick = spt;  // a later event at the same tick wins
        else
          seg_.push_back({t.tick, sec, spt});
      }
    } else {
      const double fps = smpte_fps == 29 ? 30000.0 / 1001.0 : smpte_fps;
      seg_.push_back({0, 0.0, 1.0 / (fps * ticks_per_frame)});
    }
  }
  double seconds(std::int64_t tick) const {
    auto it = std::upper_bound(seg_.begin(), seg_.end(), tick,
                               [](std::int64_t t, const Segment& s) { return t < s.tick; });
    const Segment& s = *std::prev(it);
    return s.sec + static_cast<double>(tick - s.tick) * s.sec_per_tick;
  }

 private:
  struct Segment {
    std::int64_t tick;
    double sec, sec_per_tick;
  };
  std::vector<Segment> seg_;
};

}  // namespace

Performance parse(std::string_view bytes, const std::string& name, MidiInfo* info) {
  Reader r(bytes, name);
  // RIFF RMID wrapper: the SMF is the "data" chunk.
  std::size_t p = 0;
  if (r.size() >= 20 && r.view(0, 4) == "RIFF" && r.view(8, 4) == "RMID") p = 20;
  if (r.size() < p + 14 || r.view(p, 4) != "MThd") r.fail(p, "not a Standard MIDI File (no MThd header)");
  const std::uint32_t hlen = r.be(p + 4, 4);
  if (hlen < 6) r.fail(p + 4, "MThd header length " + std::to_string(hlen) + " < 6");
  if (hlen > r.size() - p - 8) r.fail(p + 4, "truncated MThd header");
  MidiInfo mi;
  mi.format = static_cast<int>(r.be(p + 8, 2));
  const int declared_tracks = static_cast<int>(r.be(p + 10, 2));
  const std::uint16_t div = static_cast<std::uint16_t>(r.be(p + 12, 2));
  if (mi.format > 1) r.fail(p + 8, "SMF format " + std::to_string(mi.format) + " is not supported (only 0 and 1)");
  if (div & 0x8000) {
    mi.smpte_fps = -static_cast<int>(static_cast<std::int8_t>(div >> 8));
    mi.ticks_per_frame = div & 0xFF;
    mi.division = static_cast<std::int16_t>(div);
    if (mi.smpte_fps != 24 && mi.smpte_fps != 25 && mi.smpte_fps != 29 && mi.smpte_fps != 30)
      r.fail(p + 12, "invalid SMPTE frame rate " + std::to_string(mi.smpte_fps));
    if (mi.ticks_per_frame == 0) r.fail(p + 12, "SMPTE division with 0 ticks per frame");
  } else {
    mi.division = div;
    if (div == 0) r.fail(p + 12, "division of 0 ticks per quarter note");
  }
  p += 8 + hlen;

  Raw raw;
  auto sounding = std::make_unique<std::array<std::vector<std::uint32_t>, 16 * 128>>();
  auto head = std::make_unique<std::array<std::uint32_t, 16 * 128>>();
  int tracks = 0;
  // Reads the declared number of MTrk chunks; anything after the last one is ignored.
  while (tracks < declared_tracks) {
    if (p == r.size())
      r.fail(p, "file ends after " + std::to_string(tracks) + " of " + std::to_string(declared_tracks) +
                    " declared tracks (truncated file)");
    if (r.size() - p < 8) r.fail(p, "truncated chunk header");
    const std::string_view id = r.view(p, 4);
    const std::uint32_t len = r.be(p + 4, 4);
    if (len > r.size() - p - 8) {
      r.fail(p, "chunk '" + std::string(id) + "' declares " + std::to_string(len) + " bytes, only " +
                    std::to_string(r.size() - p - 8) + " remain (truncated file)");
    }
    if (id == "MTrk") {
      parse_track(r, p + 8, p + 8 + len, raw, *sounding, *head);
      ++tracks;
    } else {
      // Unknown chunks are skipped; their id must be printable, else the file is corrupt.
      for (char c : id)
        if (c < 0x20 || c > 0x7E) r.fail(p, "corrupt chunk id");
    }
    p += 8 + len;
  }
  mi.tracks = tracks;
  mi.tempo_changes = static_cast<int>(raw.tempos.size());
  mi.unmatched_note_offs = raw.unmatched_offs;
  mi.unterminated_notes = raw.unterminated;

  TimeMap tm(mi.division, mi.smpte_fps, mi.ticks_per_frame, raw.tempos);
  Performance perf;
  perf.notes.reserve(raw.notes.size());
  for (const auto& n : raw.notes) {
    Note x;
    x.pitch = n.pitch;
    x.velocity = n.velocity;
    x.channel = n.channel;
    x.onset = tm.seconds(n.on);
    x.key_offset = x.sound_offset = tm.seconds(n.off);
    perf.notes.push_back(x);
  }
  perf.pedals.reserve(raw.pedals.size());
  for (const auto& e : raw.pedals) perf.pedals.push_back({tm.seconds(e.tick), e.controller, e.value, e.channel});
  std::stable_sort(raw.tempos.begin(), raw.tempos.end(),
                   [](const RawTempo& a, const RawTempo& b) { return a.tick < b.tick; });
  for (const auto& t : raw.tempos) perf.tempos.push_back({tm.seconds(t.tick), t.tick, t.us});
  perf.sort();
  mi.last_event_time = tm.seconds(raw.last_channel_tick);
  if (info) *info = mi;
  return perf;
}

Performance read(const std::filesystem::path& file, MidiInfo* info) {
  return parse(read_file(file), file.string(), info);
}

// ---------------------------------------------------------------------------------------------
// Writing.

namespace {

void put_be(std::string& s, std::uint32_t v, int n) {
  for (int k = n - 1; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}

void put_vlq(std::string& s, std::uint32_t v) {
  char buf[5];
  int n = 0;
  buf[n++] = static_cast<char>(v & 0x7F);
  while (v >>= 7) buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
  while (n) s.push_back(buf[--n]);
}

void put_chunk(std::string& out, const char* id, const std::string& body) {
  out.append(id, 4);
  put_be(out, static_cast<std::uint32_t>(body.size()), 4);
  out += body;
}

struct OutEvent {
  std::int64_t tick;
  int cls;  // order at equal tick: 0 note-off, 1 controller, 2 note-on, 3 note-off of a 0-tick note
  std::size_t seq;
  std::uint8_t status, d1, d2;
};

}  // namespace

std::string serialize(const Performance& perf, const WriteOptions& opt) {
  if (opt.division <= 0 || opt.division > 0x7FFF) throw Error("MIDI write: division must be 1..32767");
  if (opt.us_per_quarter == 0 || opt.us_per_quarter > 0xFFFFFF)
    throw Error("MIDI write: tempo must be 1..16777215 microseconds per quarter");
  const double ticks_per_sec = opt.division * 1e6 / opt.us_per_quarter;
  auto to_tick = [&](double t, const char* what) -> std::int64_t {
    if (!std::isfinite(t) || t < 0) throw Error(std::string("MIDI write: invalid ") + what + " time " + std::to_string(t));
    double tk = std::round(t * ticks_per_sec);
    if (tk > 4e15) throw Error(std::string("MIDI write: ") + what + " time too large");
    return static_cast<std::int64_t>(tk);
  };

  // Notes in onset order, so FIFO pairing on read gives each off back to its own note.
  std::vector<std::size_t> order(perf.notes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<std::int64_t> on_tick(perf.notes.size());
  for (std::size_t i = 0; i < perf.notes.size(); ++i) on_tick[i] = to_tick(perf.notes[i].onset, "onset");
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return on_tick[a] < on_tick[b]; });

  std::vector<OutEvent> ev;
  ev.reserve(perf.notes.size() * 2 + perf.pedals.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Note& n = perf.notes[order[k]];
    if (n.pitch < 0 || n.pitch > 127) throw Error("MIDI write: pitch " + std::to_string(n.pitch) + " out of 0..127");
    if (n.velocity < 1 || n.velocity > 127)
      throw Error("MIDI write: velocity " + std::to_string(n.velocity) + " out of 1..127");
    if (n.channel < 0 || n.channel > 15) throw Error("MIDI write: channel " + std::to_string(n.channel) + " out of 0..15");
    if (!(n.key_offset >= n.onset)) throw Error("MIDI write: note ends before it starts");
    const std::int64_t on = on_tick[order[k]], off = to_tick(n.key_offset, "offset");
    const auto p = static_cast<std::uint8_t>(n.pitch), ch = static_cast<std::uint8_t>(n.channel);
    ev.push_back({on, 2, k, static_cast<std::uint8_t>(0x90 | ch), p, static_cast<std::uint8_t>(n.velocity)});
    ev.push_back({off, off == on ? 3 : 0, k, static_cast<std::uint8_t>(0x80 | ch), p, 0x40});
  }
  for (std::size_t k = 0; k < perf.pedals.size(); ++k) {
    const PedalEvent& e = perf.pedals[k];
    if (e.controller < 0 || e.controller > 127 || e.value < 0 || e.value > 127 || e.channel < 0 || e.channel > 15)
      throw Error("MIDI write: controller event out of range");
    ev.push_back({to_tick(e.time, "pedal"), 1, k, static_cast<std::uint8_t>(0xB0 | e.channel),
                  static_cast<std::uint8_t>(e.controller), static_cast<std::uint8_t>(e.value)});
  }
  std::sort(ev.begin(), ev.end(), [](const OutEvent& a, const OutEvent& b) {
    if (a.tick != b.tick) return a.tick < b.tick;
    if (a.cls != b.cls) return a.cls < b.cls;
    return a.seq < b.seq;
  });

  std::string tempo_track;
  put_vlq(tempo_track, 0);
  tempo_track += "\xFF\x51\x03";
  put_be(tempo_track, opt.us_per_quarter, 3);
  tempo_track.append("\x00\xFF\x2F\x00", 4);

  std::string body;
  body.reserve(ev.size() * 4 + 8);
  std::int64_t now = 0;
  std::uint8_t running = 0;
  for (const auto& e : ev) {
    std::int64_t delta = e.tick - now;
    if (delta > 0x0FFFFFFF) throw Error("MIDI write: gap between events exceeds the SMF delta-time range");
    put_vlq(body, static_cast<std::uint32_t>(delta));
    now = e.tick;
    if (e.status != running) body.push_back(static_cast<char>(e.status)), running = e.status;
    body.push_back(static_cast<char>(e.d1));
    body.push_back(static_cast<char>(e.d2));
  }
  body.append("\x00\xFF\x2F\x00", 4);

  std::string out;
  out.reserve(body.size() + tempo_track.size() + 40);
  out += "MThd";
  put_be(out, 6, 4);
  put_be(out, 1, 2);
  put_be(out, 2, 2);
  put_be(out, static_cast<std::uint32_t>(opt.division), 2);
  put_chunk(out, "MTrk", tempo_track);
  put_chunk(out, "MTrk", body);
  return out;
}

void write(const std::filesystem::path& file, const Performance& perf, const WriteOptions& opt) {
  write_file_atomic(file, serialize(perf, opt));
}

}  // namespace pv::midi
