// validate's readers: the project's own io libraries.
#include <algorithm>

#include "dataset/validate.hpp"
#include "io/audio/audio.hpp"
#include "io/json/handskeleton.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"
#include "io/video/video.hpp"

namespace pv::dataset {
namespace {
double latest_offset(const std::vector<Note>& notes) {
  double end = 0;
  for (const Note& n : notes) end = std::max(end, n.key_offset);
  return end;
}
}  // namespace

Probes default_probes() {
  Probes p;
  p.audio_duration = [](const std::filesystem::path& f) { return audio::probe(f).duration; };
  p.video = [](const std::filesystem::path& f) {
    video::VideoInfo v = video::probe(f);
    VideoFacts out;
    out.width = v.width;
    out.height = v.height;
    out.duration = v.duration;
    out.fps = v.fps.value();
    out.frame_count = v.frame_count;
    return out;
  };
  p.midi_end = [](const std::filesystem::path& f) { return midi::read(f).duration(); };
  p.tsv_end = [](const std::filesystem::path& f) { return latest_offset(tsv::read_notes(f)); };
  p.fingering_end = [](const std::filesystem::path& f) { return latest_offset(tsv::read_fingering(f)); };
  p.hand_frames = [](const std::filesystem::path& f) {
    return static_cast<std::int64_t>(hands_io::read(f).frames.size());
  };
  return p;
}

}  // namespace pv::dataset
