#pragma once
// PIG fingering format (Nakamura et al., Piano Fingering Dataset): one note per line, tab-separated:
// id, onset (s), offset (s), spelled pitch (C4 = MIDI 60, accidentals # / b, doubled allowed), onset velocity,
// offset velocity, channel (0 right hand, 1 left hand), finger (1..5, negative for the left hand; "3_1" = a
// substitution, the note is struck with the first finger). First line(s) "//..." are comments.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/performance.hpp"

namespace pv::fing {

// Spelled pitch -> MIDI number; throws pv::Error on a malformed name.
int parse_spelled_pitch(std::string_view s);
std::string spelled_pitch(int midi);  // sharps: "C#4"

// Notes with onset, key_offset = sound_offset = offset, velocity, hand (R/L) and finger (striking finger).
std::vector<Note> parse_pig(std::string_view text, const std::string& name);  // throws InputError
std::vector<Note> read_pig(const std::filesystem::path& file);
// Notes without a hand/finger are written with channel 0 and finger 0.
std::string format_pig(const std::vector<Note>& notes);
void write_pig(const std::filesystem::path& file, const std::vector<Note>& notes);  // atomic

}  // namespace pv::fing
