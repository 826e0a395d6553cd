#pragma once
// PianoVAM note TSV and Fingering TSV.
// Note TSV: '#'-header, columns onset, key_offset, frame_offset (pedal-extended), note, velocity.
// Fingering TSV: the 5 note columns + hand (L|R|Noinfo) + finger (1-5 | Noinfo).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/performance.hpp"

namespace pv::tsv {

std::string format_notes(const std::vector<Note>& notes);
std::vector<Note> parse_notes(std::string_view text, const std::string& name);
void write_notes(const std::filesystem::path& file, const std::vector<Note>& notes);  // atomic
std::vector<Note> read_notes(const std::filesystem::path& file);

std::string format_fingering(const std::vector<Note>& notes);  // uses Note::hand/finger
std::vector<Note> parse_fingering(std::string_view text, const std::string& name);
void write_fingering(const std::filesystem::path& file, const std::vector<Note>& notes);  // atomic
std::vector<Note> read_fingering(const std::filesystem::path& file);

}  // namespace pv::tsv
