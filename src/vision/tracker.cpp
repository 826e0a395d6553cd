#include "vision/tracker.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace pv::vision {

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

NormRect landmark_box(const HandLandmarks& lm) {
  float minx = 1e30f, miny = 1e30f, maxx = -1e30f, maxy = -1e30f;
  for (const auto& p : lm) {
    minx = std::min(minx, p.x);
    maxx = std::max(maxx, p.x);
    miny = std::min(miny, p.y);
    maxy = std::max(maxy, p.y);
  }
  return {(minx + maxx) / 2, (miny + maxy) / 2, maxx - minx, maxy - miny, 0.f};
}
}  // namespace

HandTracker::HandTracker(const HandsOptions& opt) : opt_(opt) {
  if (opt_.max_hands < 1) throw UsageError("max_hands must be at least 1");
  const auto dir = opt_.model_dir.empty() ? default_model_dir() : opt_.model_dir;
  const char* suffix = opt_.model == ModelKind::Full ? "full" : "lite";
  pool_ = std::make_unique<ThreadPool>(opt_.threads);
  const auto palm_file = dir / (std::string("palm_detection_") + suffix + ".tflite");
  const auto lm_file = dir / (std::string("hand_landmark_") + suffix + ".tflite");
  for (const auto& f : {palm_file, lm_file})
    if (!std::filesystem::exists(f))
      throw InputError(f, "model file not found (run scripts/setup, or set PIANOVAM_MODELS to the models folder)");
  // The engines run single-threaded: splitting these small models over threads needs a barrier per
  // operator, which collapses when the cores are shared; threads are used across hands instead (one barrier
  // per frame).
  palm_ = std::make_unique<PalmDetector>(tflite::load(palm_file), nullptr);
  const auto lm_model = tflite::load(lm_file);
  const int engines = opt_.threads > 1 ? opt_.max_hands + 1 : 1;
  for (int i = 0; i < engines; ++i) landmarks_.push_back(std::make_unique<LandmarkModel>(lm_model, nullptr));
}

HandTracker::~HandTracker() = default;

void HandTracker::reset() {
  tracks_.clear();
  frame_no_ = 0;
}

void HandTracker::smooth(Track& tr, HandLandmarks& lm, double time) const {
  // One Euro filter (Casiez et al. 2012): a low-pass whose cutoff rises with speed, so slow jitter is removed
  // and fast motion is not delayed.
  constexpr double kPi = 3.14159265358979323846;
  auto alpha = [](double cutoff, double dt) {
    const double tau = 1.0 / (2 * kPi * cutoff);
    return 1.0 / (1.0 + tau / dt);
  };
  float* p = &lm[0].x;
  static_assert(sizeof(HandLandmarks) == 63 * sizeof(float));
  if (!tr.filtered) {
    std::copy(p, p + 63, tr.value.begin());
    tr.speed.fill(0.f);
    tr.filtered = true;
    tr.last_time = time;
    return;
  }
  const double dt = std::max(time - tr.last_time, 1e-3);
  tr.last_time = time;
  const double a_d = alpha(1.0, dt);
  for (size_t i = 0; i < 63; ++i) {
    const double dx = (p[i] - tr.value[i]) / dt;
    tr.speed[i] = static_cast<float>(a_d * dx + (1 - a_d) * tr.speed[i]);
    const double cutoff = opt_.smooth_min_cutoff + opt_.smooth_beta * std::abs(tr.speed[i]);
    const double a = alpha(cutoff, dt);
    tr.value[i] = static_cast<float>(a * p[i] + (1 - a) * tr.value[i]);
    p[i] = tr.value[i];
  }
}

std::vector<TrackedHand> HandTracker::process(const ImageView& img, double time) {
  if (img.empty()) throw Error("empty image");
  ++timing_.frames;
  if (time < 0) time = static_cast<double>(frame_no_) / 30.0;
  ++frame_no_;
  if (opt_.static_mode) tracks_.clear();

  // Candidate ROIs: palm ROIs first, then tracked ROIs; a later ROI removes earlier ones it overlaps.
  struct Candidate {
    NormRect roi;
    int track;  // index into tracks_, -1 for a new hand
  };
  std::vector<Candidate> rois;
  if (static_cast<int>(tracks_.size()) < opt_.max_hands) {
    auto t0 = Clock::now();
    auto dets = palm_->detect(img, opt_.min_detection);
    ++timing_.palm_runs;
    if (dets.size() > static_cast<size_t>(opt_.max_hands)) dets.resize(static_cast<size_t>(opt_.max_hands));
    timing_.palm_ms += ms_since(t0);
    for (const auto& d : dets) rois.push_back({palm_to_roi(d, img.width, img.height), -1});
  }
  auto t1 = Clock::now();
  auto add = [&](const Candidate& c) {
    std::erase_if(rois, [&](const Candidate& o) { return rect_iou(c.roi, o.roi) > opt_.association_iou; });
    rois.push_back(c);
  };
  for (size_t i = 0; i < tracks_.size(); ++i) add({tracks_[i].next_roi, static_cast<int>(i)});
  timing_.tracking_ms += ms_since(t1);

  // Landmarks for every ROI (in parallel when there is one engine per ROI).
  auto t2 = Clock::now();
  std::vector<HandResult> results(rois.size());
  if (landmarks_.size() > 1 && rois.size() > 1) {
    for (size_t start = 0; start < rois.size(); start += landmarks_.size()) {
      const size_t n = std::min(landmarks_.size(), rois.size() - start);
      pool_->parallel_for(n, [&](size_t i) { results[start + i] = landmarks_[i]->run(img, rois[start + i].roi); });
    }
  } else {
    for (size_t i = 0; i < rois.size(); ++i) results[i] = landmarks_[0]->run(img, rois[i].roi);
  }
  timing_.landmark_runs += static_cast<long>(rois.size());
  timing_.landmark_ms += ms_since(t2);

  std::vector<TrackedHand> out;
  std::vector<Track> next;
  for (size_t i = 0; i < rois.size(); ++i) {
    const auto& c = rois[i];
    HandResult& h = results[i];
    if (h.presence < opt_.min_presence) continue;
    auto t3 = Clock::now();
    Track tr;
    if (c.track >= 0) tr = tracks_[static_cast<size_t>(c.track)];
    else tr.id = next_id_++;
    tr.evidence += h.right_prob - 0.5;
    // The next ROI comes from the raw landmarks (as MediaPipe); smoothing only changes the output.
    tr.next_roi = landmarks_to_roi(h.landmarks, img.width, img.height);
    if (opt_.smoothing && !opt_.static_mode) smooth(tr, h.landmarks, time);
    TrackedHand th{h, tr.id, false};
    const bool raw_right = tr.evidence > 0 || (tr.evidence == 0 && h.raw_right());
    th.pianist_right = opt_.mirrored_input ? raw_right : !raw_right;
    out.push_back(th);
    next.push_back(tr);
    timing_.tracking_ms += ms_since(t3);
  }
  // Two tracks claiming the same hand: the weaker evidence takes the other label.
  if (out.size() == 2 && out[0].pianist_right == out[1].pianist_right &&
      rect_iou(landmark_box(out[0].hand.landmarks), landmark_box(out[1].hand.landmarks)) <= opt_.duplicate_iou) {
    const size_t weak = std::abs(next[0].evidence) < std::abs(next[1].evidence) ? 0 : 1;
    out[weak].pianist_right = !out[weak].pianist_right;
    next[weak].evidence = -next[weak].evidence;
  }
  tracks_ = std::move(next);
  return out;
}

HandFrame HandTracker::to_frame(const std::vector<TrackedHand>& hands, float duplicate_iou, const TrackedHand** left,
                                const TrackedHand** right) {
  if (left) *left = nullptr;
  if (right) *right = nullptr;
  // Duplicates (same physical hand found twice): keep the first (tracked hands come last and are preferred by
  // MediaPipe's association; here the higher presence wins).
  std::vector<const TrackedHand*> kept;
  std::vector<const TrackedHand*> order;
  for (const auto& h : hands) order.push_back(&h);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->hand.presence > b->hand.presence; });
  for (const auto* h : order) {
    bool dup = false;
    if (duplicate_iou > 0)
      for (const auto* k : kept)
        dup |= rect_iou(landmark_box(h->hand.landmarks), landmark_box(k->hand.landmarks)) > duplicate_iou;
    if (!dup) kept.push_back(h);
  }
  HandFrame f;
  for (const auto* h : kept) {
    auto& slot = h->pianist_right ? f.right : f.left;
    if (slot) continue;
    if (const TrackedHand** chosen = h->pianist_right ? right : left) *chosen = h;
    HandObservation o;
    o.points = h->hand.landmarks;
    o.presence = h->hand.presence;
    o.handedness = h->hand.handedness_score();
    slot = o;
  }
  return f;
}

}  // namespace pv::vision
