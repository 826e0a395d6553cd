#include "dataset/validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "io/json/metadata.hpp"

namespace pv::dataset {
namespace fs = std::filesystem;

const std::vector<Modality>& modalities() {
  static const std::vector<Modality> m = {
      {"Audio", ".wav", true},         {"Video", ".mp4", true}, {"MIDI", ".mid", true},
      {"TSV", ".tsv", true},           {"Handskeleton", ".json", true},
      {"Fingering", ".tsv", false},    {"Fingering_GT", ".tsv", false},
  };
  return m;
}

namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

// The reader's message without the "<path>: " prefix that InputError adds (the line names the file).
std::string reason(const std::exception& e, const fs::path& file) {
  std::string w = e.what();
  std::string prefix = file.string() + ": ";
  if (w.rfind(prefix, 0) == 0) w.erase(0, prefix.size());
  return w;
}

bool valid_id(const std::string& id) {
  // Only ids in the record_time shape name files; anything else (e.g. "../x") is never joined to a path.
  if (id.size() != 19) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool digit = c >= '0' && c <= '9';
    if (i == 4 || i == 7 || i == 13 || i == 16) {
      if (c != '-') return false;
    } else if (i == 10) {
      if (c != '_') return false;
    } else if (!digit) {
      return false;
    }
  }
  return true;
}

class Checker {
 public:
  Checker(const fs::path& root, const Probes& probes, const Options& opt)
      : root_(root), probes_(probes), opt_(opt) {}

  std::vector<Finding> run() {
    const fs::path meta_file = root_ / "metadata.json";
    std::vector<Session> sessions;
    if (!fs::exists(meta_file)) {
      add("E_NO_METADATA", "", "", "metadata.json", "not found");
    } else {
      try {
        sessions = meta::sessions(root_);
      } catch (const std::exception& e) {
        add("E_METADATA_PARSE", "", "", "metadata.json", reason(e, meta_file));
      }
    }
    records_ = sessions.size();

    std::map<std::string, std::string> first_key_of_id;
    Progress progress("validate", static_cast<std::int64_t>(sessions.size()));
    for (size_t i = 0; i < sessions.size(); ++i) {
      progress.update(static_cast<std::int64_t>(i));
      const Session& s = sessions[i];
      const std::string& key = s.key;
      const std::string& id = s.meta.record_time;
      if (key != std::to_string(i))
        add("E_META_BAD_INDEX", key, id, "", "record key \"" + key + "\" at position " + std::to_string(i) +
                                                 " (PianoVAM loaders expect \"0\"..\"N-1\" in order)");
      for (const auto& p : meta::check_record(s.meta)) add("E_" + p.code, key, id, "", p.message);
      if (!id.empty()) {
        auto [it, inserted] = first_key_of_id.emplace(id, key);
        if (!inserted) {
          add("E_DUPLICATE_ID", key, id, "", "record_time \"" + id + "\" is also record \"" + it->second + "\"");
          continue;  // the files were checked with the first record
        }
      }
      if (valid_id(id)) {
        referenced_.insert(id);
        check_files(s);
      }
    }
    progress.finish();
    check_orphans();
    return std::move(findings_);
  }

  size_t records() const { return records_; }

 private:
  void add(std::string code, std::string record, std::string id, std::string path, std::string message) {
    findings_.push_back({std::move(code), std::move(record), std::move(id), std::move(path), std::move(message)});
  }

  // Runs a reader; records E_UNREADABLE_FILE and returns nullopt when it fails.
  template <class F>
  auto attempt(const Session& s, const std::string& rel, const fs::path& file, F&& f)
      -> std::optional<decltype(f(file))> {
    try {
      return f(file);
    } catch (const std::exception& e) {
      add("E_UNREADABLE_FILE", s.key, s.id(), rel, reason(e, file));
      return std::nullopt;
    }
  }

  void check_files(const Session& s) {
    const std::string& id = s.id();
    const double tol = opt_.duration_tolerance;
    std::optional<double> audio_dur, midi_end, tsv_end, fing_end;
    std::optional<VideoFacts> video;
    std::optional<std::int64_t> hand_frames;
    std::map<std::string, std::string> rel_of;

    for (const Modality& m : modalities()) {
      const std::string rel = std::string(m.folder) + "/" + id + m.ext;
      rel_of[m.folder] = rel;
      const fs::path file = root_ / rel;
      std::error_code ec;
      auto st = fs::status(file, ec);
      if (ec || !fs::exists(st)) {
        if (m.required) add("E_MISSING_FILE", s.key, id, rel, "referenced by record \"" + s.key + "\", not found");
        continue;
      }
      if (!fs::is_regular_file(st)) {
        add("E_UNREADABLE_FILE", s.key, id, rel, "not a regular file");
        continue;
      }
      if (!std::ifstream(file, std::ios::binary)) {
        add("E_UNREADABLE_FILE", s.key, id, rel, "cannot be opened for reading");
        continue;
      }
      const std::string folder = m.folder;
      if (folder == "Audio" && probes_.audio_duration)
        audio_dur = attempt(s, rel, file, probes_.audio_duration);
      else if (folder == "Video" && probes_.video)
        video = attempt(s, rel, file, probes_.video);
      else if (folder == "MIDI" && probes_.midi_end)
        midi_end = attempt(s, rel, file, probes_.midi_end);
      else if (folder == "TSV" && probes_.tsv_end)
        tsv_end = attempt(s, rel, file, probes_.tsv_end);
      else if (folder == "Handskeleton" && probes_.hand_frames)
        hand_frames = attempt(s, rel, file, probes_.hand_frames);
      else if ((folder == "Fingering" || folder == "Fingering_GT") && probes_.fingering_end) {
        auto e = attempt(s, rel, file, probes_.fingering_end);
        if (e && folder == "Fingering") fing_end = e;
      }
    }

    // Reference duration: the metadata's, else the audio's, else the video's.
    std::optional<double> ref;
    std::string ref_name;
    if (s.meta.duration && std::isfinite(*s.meta.duration) && *s.meta.duration > 0) {
      ref = s.meta.duration;
      ref_name = "metadata duration";
    } else if (audio_dur) {
      ref = audio_dur;
      ref_name = "audio";
    } else if (video) {
      ref = video->duration;
      ref_name = "video";
    }
    if (ref) {
      auto both_ways = [&](const char* folder, const char* what, std::optional<double> d) {
        if (d && std::fabs(*d - *ref) > tol)
          add("E_DURATION_MISMATCH", s.key, id, rel_of[folder],
              std::string(what) + " lasts " + seconds(*d) + ", " + ref_name + " " + seconds(*ref) +
                  " (tolerance " + seconds(tol) + ")");
      };
      // Note data may end before the recording does (silence at the end), never after it.
      auto not_after = [&](const char* folder, const char* what, std::optional<double> end) {
        if (end && *end > *ref + tol)
          add("E_DURATION_MISMATCH", s.key, id, rel_of[folder],
              std::string(what) + " ends at " + seconds(*end) + ", after the " + ref_name + " " + seconds(*ref) +
                  " (tolerance " + seconds(tol) + ")");
      };
      if (ref_name != "audio") both_ways("Audio", "audio", audio_dur);
      if (ref_name != "video" && video) both_ways("Video", "video", video->duration);
      not_after("MIDI", "last MIDI event", midi_end);
      not_after("TSV", "last TSV note", tsv_end);
      not_after("Fingering", "last fingering note", fing_end);
    }
    if (video && hand_frames && video->fps > 0) {
      const double slack = tol * video->fps;
      if (static_cast<double>(*hand_frames) > static_cast<double>(video->frame_count) + slack)
        add("E_DURATION_MISMATCH", s.key, id, rel_of["Handskeleton"],
            std::to_string(*hand_frames) + " frames, video has " + std::to_string(video->frame_count));
    }
    if (video && s.meta.corners && video->width > 0 && video->height > 0) {
      const auto& c = *s.meta.corners;
      const std::pair<const char*, Point2> pts[4] = {
          {"Point_LT", c.lt}, {"Point_RT", c.rt}, {"Point_RB", c.rb}, {"Point_LB", c.lb}};
      std::string outside;
      for (const auto& [name, p] : pts)
        if (!(p.x >= 0 && p.y >= 0 && p.x <= video->width && p.y <= video->height))
          outside += (outside.empty() ? "" : ", ") + std::string(name) + " (" + meta::format_point(p) + ")";
      if (!outside.empty())
        add("E_CORNER_OUTSIDE_FRAME", s.key, id, "",
            outside + " outside the " + std::to_string(video->width) + "x" + std::to_string(video->height) +
                " video frame");
    }
  }

  void check_orphans() {
    std::vector<Finding> orphans;
    for (const Modality& m : modalities()) {
      const fs::path dir = root_ / m.folder;
      std::error_code ec;
      if (!fs::is_directory(dir, ec)) continue;
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || name[0] == '.') continue;  // hidden files (.DS_Store, editor locks)
        const std::string ext = m.ext;
        bool ours = name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0 &&
                    referenced_.count(name.substr(0, name.size() - ext.size()));
        if (!ours)
          orphans.push_back({"E_ORPHAN_FILE", "", "", std::string(m.folder) + "/" + name,
                             "no record in metadata.json references it"});
      }
    }
    std::sort(orphans.begin(), orphans.end(), [](const Finding& a, const Finding& b) { return a.path < b.path; });
    findings_.insert(findings_.end(), orphans.begin(), orphans.end());
  }

  fs::path root_;
  const Probes& probes_;
  Options opt_;
  std::vector<Finding> findings_;
  std::set<std::string> referenced_;
  size_t records_ = 0;
};

}  // namespace

Report validate(const fs::path& root, const Probes& probes, const Options& opt) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw UsageError(root.string() + ": not a directory");
  Checker c(root, probes, opt);
  Report r;
  r.findings = c.run();
  r.records = c.records();
  return r;
}

std::string format_line(const Finding& f) {
  std::string where;
  if (!f.path.empty())
    where = f.path;
  else if (!f.record.empty())
    where = "metadata.json[\"" + f.record + "\"]" + (f.id.empty() ? "" : " (" + f.id + ")");
  else
    where = "metadata.json";
  return f.code + " " + where + ": " + f.message;
}

nlohmann::json to_json(const fs::path& root, const Report& report) {
  nlohmann::json j;
  j["root"] = root.string();
  j["records"] = report.records;
  j["ok"] = report.findings.empty();
  j["problems"] = nlohmann::json::array();
  for (const auto& f : report.findings)
    j["problems"].push_back(
        {{"code", f.code}, {"record", f.record}, {"id", f.id}, {"path", f.path}, {"message", f.message}});
  return j;
}

}  // namespace pv::dataset
