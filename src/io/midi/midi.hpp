#pragma once
// Standard MIDI File reader/writer (format 0 and 1). Times in seconds through the tempo map.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/performance.hpp"

namespace pv::midi {

struct MidiInfo {
  int format = 0;
  int tracks = 0;
  int division = 480;  // ticks per quarter; negative: SMPTE (see smpte_fps / ticks_per_frame)
  int smpte_fps = 0, ticks_per_frame = 0;
  int tempo_changes = 0;
  int unmatched_note_offs = 0;  // note-offs without a sounding note (ignored)
  int unterminated_notes = 0;   // note-ons never released (closed at end of track)
  double last_event_time = 0.0; // seconds of the last channel event (any kind)
};

// Parses SMF bytes. `name` is used in error messages ("<name>: byte <offset>: <what>").
// Notes carry key_offset == sound_offset (apply PedalRule for pedal-extended offsets).
// Pedal events: CC64/66/67. Throws pv::InputError on malformed input.
Performance parse(std::string_view bytes, const std::string& name, MidiInfo* info = nullptr);
Performance read(const std::filesystem::path& file, MidiInfo* info = nullptr);

struct WriteOptions {
  int division = 480;
  std::uint32_t us_per_quarter = 500000;  // one constant tempo
};
// Format-1 SMF: track 0 tempo, track 1 notes (key_offset) + pedals. Round-trips to 1 tick.
std::string serialize(const Performance& perf, const WriteOptions& opt = {});
void write(const std::filesystem::path& file, const Performance& perf, const WriteOptions& opt = {});  // atomic

}  // namespace pv::midi
