#pragma once
// File adapters for the fingering verbs: labelled notes from a Fingering TSV or a PIG file (chosen by
// content), CLI geometry arguments, and the undecided-notes queue.
#include <filesystem>
#include <string>
#include <vector>

#include "core/performance.hpp"
#include "core/session.hpp"
#include "fingering/assign.hpp"
#include "keyboard/keyboard.hpp"

namespace pv::fing {

// Fingering TSV ('#' header, 7 columns) or PIG ("//" comment or 8 tab fields per line). Throws InputError.
std::vector<Note> read_labelled_notes(const std::filesystem::path& file);
bool looks_like_pig(const std::string& text);

// "x,y;x,y;x,y;x,y" (LT;RT;RB;LB, pixels) -> corners. Throws pv::UsageError.
KeyboardCorners parse_corners(const std::string& s);
// "1920x1080" -> {w, h}. Throws pv::UsageError.
std::pair<int, int> parse_frame_size(const std::string& s);

// The record `id` (record_time, or key "0".."N-1") of a metadata.json. Throws InputError naming the file.
SessionMetadata find_record(const std::filesystem::path& metadata, const std::string& id);
// Its keyboard corners (pixels); throws InputError naming the file when the record has none.
KeyboardCorners record_corners(const SessionMetadata& rec, const std::filesystem::path& metadata);
// A duet: the record names a second performer (P2_name non-empty).
bool is_duet(const SessionMetadata& rec);

// Undecided queue: TSV with the note index (0-based row of the output), onset, key_offset, note, status and
// the candidates as "R2:0.83,L1:0.61". Written atomically.
std::string format_queue(const std::vector<Note>& notes, const std::vector<NoteLabel>& labels);

}  // namespace pv::fing
