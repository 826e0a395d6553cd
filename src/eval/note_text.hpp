#pragma once
// Plain-text note lists as mir_eval.io reads them (MIREX note format): one note per line,
// whitespace-separated "onset offset pitch [velocity]"; '#' comment lines and blank lines skipped;
// LF or CRLF. The pitch column is taken as is (Hz in MIREX files).
#include <filesystem>
#include <string>
#include <string_view>

#include "eval/transcription.hpp"

namespace pv::eval {

// columns: 3 (onset offset pitch) or 4 (+ velocity). Throws pv::InputError naming line and problem.
NoteList parse_note_text(std::string_view text, const std::string& name, int columns = 3);
NoteList read_note_text(const std::filesystem::path& file, int columns = 3);

}  // namespace pv::eval
