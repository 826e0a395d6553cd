// pianovam hands <video-or-image>... -o OUT.json: 21 hand landmarks per hand per frame (MediaPipe Hands,
// native), written as the PianoVAM Handskeleton JSON ("Left"/"Right" = the pianist's hands).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "io/json/handskeleton.hpp"
#include "io/video/video.hpp"
#include "vision/frame_view.hpp"
#include "vision/tracker.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct HandsOpts {
  std::vector<std::string> inputs;
  std::string output, binary, model = "full", models_dir;
  bool static_mode = false, scores = false, world = false, json = false, mirrored = false, smooth = false;
  int threads = 2, max_hands = 2;
  float min_detection = 0.85f, min_presence = 0.8f;
};

bool is_image(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* e : {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
    if (ext == e) return true;
  return false;
}

struct Result {
  pv::hands_io::HandTrack track;
  std::vector<pv::hands_io::FrameExtra> extras;  // track ids / world landmarks, when asked for
  long frames = 0, left = 0, right = 0, with_hands = 0;
  double decode_ms = 0;
};

Result run_one(const fs::path& in, pv::vision::HandTracker& tracker, bool track_ids, bool world) {
  using Clock = std::chrono::steady_clock;
  Result r;
  tracker.reset();
  auto add = [&](const auto& f) {
    auto hands = tracker.process(pv::vision::view_of(f), f.time);
    const pv::vision::TrackedHand *lh = nullptr, *rh = nullptr;
    auto hf = pv::vision::HandTracker::to_frame(hands, tracker.options().duplicate_iou, &lh, &rh);
    const auto idx = static_cast<size_t>(std::max<std::int64_t>(f.index, 0));
    if (r.track.frames.size() <= idx) r.track.frames.resize(idx + 1);
    r.left += hf.left.has_value();
    r.right += hf.right.has_value();
    r.with_hands += hf.left || hf.right;
    r.track.frames[idx] = std::move(hf);
    if (track_ids || world) {
      if (r.extras.size() <= idx) r.extras.resize(idx + 1);
      auto extra = [&](const pv::vision::TrackedHand* h) {
        std::optional<pv::hands_io::HandExtra> e;
        if (!h) return e;
        e.emplace();
        if (track_ids) e->track_id = h->track_id;
        if (world) e->world = h->hand.world;
        return e;
      };
      r.extras[idx] = {extra(lh), extra(rh)};
    }
    ++r.frames;
  };
  if (is_image(in)) {
    auto t0 = Clock::now();
    pv::video::Frame f = pv::video::read_image(in);
    f.index = 0;
    r.decode_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    add(f);
    return r;
  }
  // Decoded on its own thread (overlapping inference); the tracker samples the YUV planes directly.
  pv::video::PrefetchDecoder dec(in);
  pv::Progress progress("hands " + in.filename().string(), dec.info().frame_count);
  pv::video::PlanarFrame f;
  while (dec.next(f)) {
    add(f);
    progress.update(r.frames);
  }
  r.decode_ms = dec.decode_ms();
  progress.finish();
  if (r.frames == 0) throw pv::InputError(in, "no video frames could be decoded");
  return r;
}

// PianoVAM's thresholds (detection 0.85, presence 0.8) are the defaults; on clips where the wrist is out of the
// frame the palm detector never scores that high, which silently gives an empty Handskeleton: say so.
void warn_few_hands(const std::string& input, const Result& r, float min_detection, float min_presence) {
  const bool none = r.with_hands == 0;
  const bool few = r.frames >= 20 && r.with_hands * 10 < r.frames;  // hands on < 10 % of the frames
  if (!none && !few) return;
  if (none)
    std::fprintf(stderr, "pianovam hands: %s: no hands found", input.c_str());
  else
    std::fprintf(stderr, "pianovam hands: %s: hands found on only %ld of %ld frames", input.c_str(), r.with_hands,
                 r.frames);
  if (min_detection > 0.5f || min_presence > 0.5f)
    std::fprintf(stderr,
                 ". With PianoVAM's thresholds (--min-detection %.2f --min-presence %.2f) palms whose wrist is out "
                 "of the frame are missed; try --min-detection 0.5 --min-presence 0.5 (MediaPipe's defaults)",
                 static_cast<double>(min_detection), static_cast<double>(min_presence));
  std::fprintf(stderr, "\n");
}

}  // namespace

static pv::cli::Verb reg{"hands", 40, [](CLI::App& app) {
  auto* cmd = app.add_subcommand("hands", "Hand landmarks (MediaPipe Hands, native) -> Handskeleton JSON");
  auto o = std::make_shared<HandsOpts>();
  cmd->add_option("inputs", o->inputs, "Videos or images")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->output,
                  "Output Handskeleton JSON (with several inputs: a directory, one <stem>.json each)")
      ->required();
  cmd->add_option("--binary", o->binary, "Also write the compact binary form (.pvhs; a directory with several inputs)");
  cmd->add_option("--model", o->model, "Model complexity")->check(CLI::IsMember({"full", "lite"}))->capture_default_str();
  cmd->add_option("--models", o->models_dir, "Folder with the .tflite files (default: $PIANOVAM_MODELS or assets/models)");
  cmd->add_flag("--static", o->static_mode, "Detect palms on every frame (no tracking)");
  cmd->add_option("--threads", o->threads, "Inference threads")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--max-hands", o->max_hands, "Hands per frame")->check(CLI::Range(1, 8))->capture_default_str();
  cmd->add_option("--min-detection", o->min_detection, "Palm detection score threshold")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd->add_option("--min-presence", o->min_presence, "Hand presence threshold")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd->add_flag("--mirrored", o->mirrored, "The camera image is mirrored (selfie view): keep MediaPipe's raw labels");
  cmd->add_flag("--smooth", o->smooth, "Temporal smoothing of the landmarks along each track (One Euro filter)");
  cmd->add_flag("--scores", o->scores,
                "Add \"Left_score\"/\"Right_score\": [presence, handedness] and \"Left_track_id\"/\"Right_track_id\" "
                "to the JSON");
  cmd->add_flag("--world", o->world,
                "Add \"Left_world_landmarks\"/\"Right_world_landmarks\": MediaPipe's world landmarks [[x,y,z]x21] "
                "in metres (origin at the hand's centre) to the JSON");
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  return [o]() -> int {
    pv::vision::HandsOptions opt;
    opt.model = o->model == "lite" ? pv::vision::ModelKind::Lite : pv::vision::ModelKind::Full;
    if (!o->models_dir.empty()) opt.model_dir = o->models_dir;
    opt.threads = o->threads;
    opt.max_hands = o->max_hands;
    opt.min_detection = o->min_detection;
    opt.min_presence = o->min_presence;
    opt.static_mode = o->static_mode;
    opt.mirrored_input = o->mirrored;
    opt.smoothing = o->smooth;
    pv::vision::HandTracker tracker(opt);

    const bool many = o->inputs.size() > 1;
    json summary = {{"model", o->model}, {"inputs", json::array()}};
    double decode_ms = 0;
    long frames = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& in_str : o->inputs) {
      const fs::path in = in_str;
      // Still images are always processed as static images.
      if (is_image(in) && !opt.static_mode) tracker.reset();
      Result r = run_one(in, tracker, o->scores, o->world);
      fs::path out = many ? fs::path(o->output) / (in.stem().string() + ".json") : fs::path(o->output);
      pv::hands_io::write_json(out, r.track, o->scores, r.extras.empty() ? nullptr : &r.extras);
      json item = {{"file", in_str}, {"output", out.string()}, {"frames", r.frames},
                   {"frames_with_left", r.left}, {"frames_with_right", r.right}};
      if (!o->binary.empty()) {
        fs::path bin = many ? fs::path(o->binary) / (in.stem().string() + ".pvhs") : fs::path(o->binary);
        pv::write_file_atomic(bin, pv::hands_io::to_binary(r.track));
        item["binary"] = bin.string();
      }
      warn_few_hands(in_str, r, o->min_detection, o->min_presence);
      summary["inputs"].push_back(item);
      decode_ms += r.decode_ms;
      frames += r.frames;
    }
    const double total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const auto& tm = tracker.timing();
    summary["frames"] = frames;
    summary["fps"] = total_ms > 0 ? frames * 1000.0 / total_ms : 0.0;
    summary["ms_per_frame"] = {{"decode", frames ? decode_ms / frames : 0.0},
                               {"palm", frames ? tm.palm_ms / frames : 0.0},
                               {"landmark", frames ? tm.landmark_ms / frames : 0.0},
                               {"tracking", frames ? tm.tracking_ms / frames : 0.0}};
    summary["palm_runs"] = tm.palm_runs;
    summary["landmark_runs"] = tm.landmark_runs;
    if (o->json) std::printf("%s\n", summary.dump(2).c_str());
    return 0;
  };
}};
