#pragma once
// A recording session in the PianoVAM v1.x layout: metadata record + the paths of its modalities.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "core/performance.hpp"

namespace pv {

// One metadata.json record. Known keys are typed; everything else is kept verbatim in `extra`
// (as JSON text) so that read -> write is an identity.
struct SessionMetadata {
  std::string record_time;  // id, "YYYY-MM-DD_HH-MM-SS"
  std::string split;        // train | valid | test
  std::string composer, piece, performance_method, performance_type;
  std::string p1_name, p1_gender, p1_skill, p1_musicmajor;
  std::optional<double> p1_age;
  std::optional<std::string> p2_name, p2_gender, p2_skill, p2_musicmajor;
  std::optional<double> p2_age;
  std::optional<double> duration;  // seconds
  std::optional<KeyboardCorners> corners;
  std::map<std::string, std::string> extra;  // key -> raw JSON value text
};

struct Session {
  std::filesystem::path root;  // dataset root
  std::string key;             // metadata.json key ("0".."N-1")
  SessionMetadata meta;
  const std::string& id() const { return meta.record_time; }
  std::filesystem::path audio() const { return root / "Audio" / (id() + ".wav"); }
  std::filesystem::path video() const { return root / "Video" / (id() + ".mp4"); }
  std::filesystem::path midi() const { return root / "MIDI" / (id() + ".mid"); }
  std::filesystem::path tsv() const { return root / "TSV" / (id() + ".tsv"); }
  std::filesystem::path hands() const { return root / "Handskeleton" / (id() + ".json"); }
  std::filesystem::path fingering() const { return root / "Fingering" / (id() + ".tsv"); }
  std::filesystem::path fingering_gt() const { return root / "Fingering_GT" / (id() + ".tsv"); }
};

}  // namespace pv
