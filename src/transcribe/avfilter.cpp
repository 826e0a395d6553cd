#include "transcribe/avfilter.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.hpp"
#include "keyboard/keyboard.hpp"

namespace pv::transcribe {

namespace {

constexpr int kTips[5] = {4, 8, 12, 16, 20};  // MediaPipe fingertip landmarks

// MIDI pitch of white key index 0..51 (A0 = 21).
int white_pitch(int idx) {
  static const int steps[7] = {0, 2, 3, 5, 7, 8, 10};  // A B C D E F G relative to A
  return 21 + 12 * (idx / 7) + steps[idx % 7];
}

std::vector<const HandObservation*> hands_of(const HandFrame& f) {
  std::vector<const HandObservation*> h;
  if (f.left) h.push_back(&*f.left);
  if (f.right) h.push_back(&*f.right);
  return h;
}

}  // namespace

AvFilterResult av_filter(const std::vector<Note>& notes, const std::vector<HandFrame>& frames,
                         const KeyboardCorners& corners, const AvFilterOptions& opt) {
  if (!(opt.fps > 0) || !(opt.window >= 0) || !(opt.tolerance >= 0))
    throw Error("avfilter: fps must be > 0, window and tolerance >= 0");
  kb::KeyboardParams kp;
  kp.frame_aspect = opt.frame_aspect;
  if (opt.reference) kp.mapping = kb::Mapping::Homography;  // the reference's perspective warp
  const kb::Keyboard88 keyboard(corners, kp);
  const double reach = keyboard.depth() * 0.25;  // fingertips this far beyond the key ends still count

  // Candidate pitches of one frame; `seen` = hands visible. Cached per frame.
  struct FrameInfo {
    bool done = false;
    int seen = 0;
    std::set<int> cand;
  };
  std::vector<FrameInfo> cache(frames.size());
  auto info = [&](int fi) -> const FrameInfo& {
    FrameInfo& f = cache[fi];
    if (f.done) return f;
    f.done = true;
    auto hands = hands_of(frames[fi]);
    f.seen = static_cast<int>(hands.size());
    for (const HandObservation* h : hands)
      for (int t : kTips) {
        Point2 p{h->points[t].x, h->points[t].y};
        if (opt.reference) {
          double u = keyboard.to_plane(p).x;  // white keys from the left edge (x of the warped image)
          int w = static_cast<int>(std::floor(u));
          if (w < 0 || w >= kb::kWhiteKeys) continue;
          int lo = white_pitch(std::max(0, w - 2)), hi = white_pitch(std::min(kb::kWhiteKeys - 1, w + 2));
          for (int q = lo; q <= hi; ++q) f.cand.insert(q);
        } else {
          kb::Keyboard88::Query q = keyboard.prepare(p);
          if (q.uv.x < -opt.tolerance || q.uv.x > kb::kWhiteKeys + opt.tolerance || q.uv.y < -reach ||
              q.uv.y > keyboard.depth() + reach)
            continue;
          int w = std::clamp(static_cast<int>(std::floor(q.uv.x)), 0, kb::kWhiteKeys - 1);
          int lo = std::max(0, white_pitch(std::max(0, w - 2)) - 21 - 1);
          int hi = std::min(kb::kKeys - 1, white_pitch(std::min(kb::kWhiteKeys - 1, w + 2)) - 21 + 1);
          for (int key = lo; key <= hi; ++key)
            if (keyboard.distance_prepared(q, key) <= opt.tolerance) f.cand.insert(key + 21);
        }
      }
    return f;
  };

  AvFilterResult res;
  const int nf = static_cast<int>(frames.size());
  for (const Note& n : notes) {
    int first, last;
    if (opt.reference) {
      first = last = static_cast<int>(std::floor(n.onset * opt.fps));
    } else {
      first = static_cast<int>(std::floor((n.onset - opt.window) * opt.fps));
      last = static_cast<int>(std::floor((n.onset + opt.window) * opt.fps));
    }
    first = std::max(first, 0);
    bool decided = false, supported = false;
    std::set<int> seen_cand;
    for (int fi = first; fi <= last && fi < nf; ++fi) {
      const FrameInfo& f = info(fi);
      if (f.seen < (opt.reference ? 2 : 1)) continue;
      decided = true;
      seen_cand.insert(f.cand.begin(), f.cand.end());
      if (f.cand.count(n.pitch)) {
        supported = true;
        break;
      }
    }
    if (!decided) {
      ++res.no_evidence;
      res.kept.push_back(n);
    } else if (supported) {
      res.kept.push_back(n);
    } else {
      res.removed.push_back({n, first, std::vector<int>(seen_cand.begin(), seen_cand.end())});
    }
  }
  return res;
}

std::string format_removals(const std::vector<AvRemoval>& removed) {
  std::string out = "# onset\tnote\tvelocity\tframe\tcandidates\n";
  char buf[96];
  for (const auto& r : removed) {
    std::snprintf(buf, sizeof buf, "%.6f\t%d\t%d\t%d\t", r.note.onset, r.note.pitch, r.note.velocity, r.frame);
    out += buf;
    for (std::size_t i = 0; i < r.candidates.size(); ++i)
      out += (i ? "," : "") + std::to_string(r.candidates[i]);
    out += "\n";
  }
  return out;
}

}  // namespace pv::transcribe
