#pragma once
// Checks a dataset root in the PianoVAM v1.x layout (design §2): metadata keys and values, every
// referenced file present and readable, modality durations agreeing, corners inside the video frame,
// duplicate ids, and files that no record references. One Finding per problem, with a stable code.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pv::dataset {

// Modality folders and the file extension each holds (<folder>/<record_time><ext>).
struct Modality {
  const char* folder;
  const char* ext;
  bool required;  // every record must have one
};
const std::vector<Modality>& modalities();

// Stable problem codes (one line each in `pianovam validate`):
//   E_NO_METADATA, E_METADATA_PARSE      metadata.json absent / not a valid metadata file
//   E_META_BAD_INDEX                     record keys are not "0".."N-1" in order
//   E_META_<X>                           a record's keys/values (pv::meta::check_record codes, prefixed E_)
//   E_DUPLICATE_ID                       record_time used by more than one record
//   E_MISSING_FILE                       a referenced file is absent
//   E_UNREADABLE_FILE                    a referenced file exists but cannot be read/parsed
//   E_DURATION_MISMATCH                  a modality's duration disagrees with the record's (> tolerance)
//   E_CORNER_OUTSIDE_FRAME               a keyboard corner lies outside the video frame
//   E_ORPHAN_FILE                        a file in a modality folder that no record references
struct Finding {
  std::string code;
  std::string record;  // metadata.json key ("" for dataset-level findings)
  std::string id;      // record_time ("" when unknown)
  std::string path;    // file relative to the root ("" when not about a file)
  std::string message;
};

// What validate needs from each modality's reader. A reader throws pv::InputError (or pv::Error)
// when the file cannot be read. An empty function means "only check that the file exists".
struct VideoFacts {
  int width = 0, height = 0;
  double duration = 0.0;
  double fps = 0.0;
  std::int64_t frame_count = 0;
};
struct Probes {
  std::function<double(const std::filesystem::path&)> audio_duration;
  std::function<VideoFacts(const std::filesystem::path&)> video;
  std::function<double(const std::filesystem::path&)> midi_end;         // time of the last event
  std::function<double(const std::filesystem::path&)> tsv_end;          // latest note offset
  std::function<double(const std::filesystem::path&)> fingering_end;    // latest note offset
  std::function<std::int64_t(const std::filesystem::path&)> hand_frames;  // frames in the file
};
// The project's readers (pv::audio::probe, pv::video::probe, pv::midi::read, pv::tsv, pv::hands_io).
Probes default_probes();

struct Options {
  double duration_tolerance = 1.0;  // seconds
};

struct Report {
  std::size_t records = 0;        // records in metadata.json
  std::vector<Finding> findings;  // empty = clean
};
// root must be a directory (throws pv::UsageError otherwise). Findings are in a stable order:
// dataset-level, then per record in metadata order, then orphans sorted by path.
Report validate(const std::filesystem::path& root, const Probes& probes, const Options& opt = {});

// "CODE <where>: message"; <where> is the relative path, else metadata.json["key"] (id).
std::string format_line(const Finding& f);
nlohmann::json to_json(const std::filesystem::path& root, const Report& report);

}  // namespace pv::dataset
