#pragma once
// Diagnostic PNG plots of an alignment (pv::video::write_png, written atomically).
#include <filesystem>
#include <vector>

#include "align/align.hpp"

namespace pv::align {

// Path over the coarse cosine-distance matrix: rows = render (top to bottom), columns = audio (left
// to right); dark = similar; cells outside the coarse band are tinted blue; the coarse path is red.
void plot_path(const std::filesystem::path& png, const AlignResult& r, int max_side = 1200);

// Onset snippet: CQT (dB) of the recording (top) and of a render of the aligned MIDI (bottom) over
// `seconds` around `centre` (negative: the middle of the densest onset region); aligned onsets are
// marked in green on both.
void plot_onsets(const std::filesystem::path& png, const AlignResult& r, const std::vector<float>& audio,
                 const AlignOptions& opt, double centre = -1.0, double seconds = 4.0);

}  // namespace pv::align
