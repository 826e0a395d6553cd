#pragma once
// Handskeleton JSON (PianoVAM): {"<frame>": {"Left": [[x,y,z]x21] | null, "Right": ...}, ...}
// x,y in [0,1] of the frame; frame index on the video's frame grid. "Left"/"Right" = the pianist's hands.
// Optional scores (our extension, ignored by PianoVAM loaders): "Left_score": [presence, handedness]; further
// optional keys: see FrameExtra.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/performance.hpp"

namespace pv::hands_io {

// Dense per-frame sequence: frames[i] is video frame i (missing frames -> no hands).
struct HandTrack {
  std::vector<HandFrame> frames;
};

HandTrack parse_json(std::string_view text, const std::string& name);  // throws InputError
HandTrack read_json(const std::filesystem::path& file);
// Optional per-hand extras (our extension, after the hand's keys; PianoVAM loaders and parse_json skip them):
// "Left_track_id": the tracker's id of the hand, "Left_world_landmarks": [[x,y,z]x21] MediaPipe world landmarks
// (metres, origin at the hand's centre). extras[i] belongs to frames[i]; absent fields are not written.
struct HandExtra {
  int track_id = -1;                  // < 0: not written
  std::optional<HandLandmarks> world;
};
struct FrameExtra {
  std::optional<HandExtra> left, right;
};
std::string to_json(const HandTrack& t, bool with_scores = false, const std::vector<FrameExtra>* extras = nullptr);
void write_json(const std::filesystem::path& file, const HandTrack& t, bool with_scores = false,
                const std::vector<FrameExtra>* extras = nullptr);  // atomic

// Compact binary form ("PVHS" magic, version, frame count, per frame a presence mask + float data).
std::string to_binary(const HandTrack& t);
HandTrack parse_binary(std::string_view bytes, const std::string& name);
// Reads either form, chosen by content.
HandTrack read(const std::filesystem::path& file);

}  // namespace pv::hands_io
