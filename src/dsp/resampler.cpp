#include "dsp/resampler.hpp"

#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace pv::dsp {
namespace {

constexpr std::size_t kInFrames = 1 << 16;  // input frames per soxr call

soxr_t handle(void* p) { return static_cast<soxr_t>(p); }

}  // namespace

Resampler::Resampler(double in_rate, double out_rate, int channels, ResampleQuality quality)
    : channels_(static_cast<std::size_t>(channels)) {
  if (in_rate <= 0 || out_rate <= 0 || channels <= 0)
    throw Error("resample: sample rates and channel count must be positive");
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(quality == ResampleQuality::High ? SOXR_HQ : SOXR_VHQ, 0);
  soxr_error_t err = nullptr;
  soxr_ = soxr_create(in_rate, out_rate, static_cast<unsigned>(channels), &err, &io, &q, nullptr);
  if (err || !soxr_) {
    if (soxr_) soxr_delete(handle(soxr_));
    throw Error(std::string("resample: soxr failed: ") + (err ? err : "cannot create"));
  }
  chunk_.resize(static_cast<std::size_t>(std::ceil(kInFrames * out_rate / in_rate) + 64) * channels_);
}

Resampler::~Resampler() { soxr_delete(handle(soxr_)); }

void Resampler::push(const float* in, std::size_t frames, std::vector<float>& out) {
  while (frames > 0) {
    const std::size_t n = std::min(frames, kInFrames);
    std::size_t used = 0;
    const std::size_t got = process(in, n, &used, out, std::numeric_limits<std::size_t>::max());
    if (used == 0 && got == 0) throw Error("resample: soxr made no progress");
    in += used * channels_;
    frames -= used;
  }
}

void Resampler::finish(std::vector<float>& out, std::size_t total_frames) {
  const std::size_t want = total_frames * channels_;
  while (out.size() < want && process(nullptr, 0, nullptr, out, want - out.size()) > 0) {
  }
  out.resize(want, 0.0f);
}

void Resampler::finish(std::vector<float>& out) {
  while (process(nullptr, 0, nullptr, out, std::numeric_limits<std::size_t>::max()) > 0) {
  }
}

std::size_t Resampler::process(const float* in, std::size_t frames, std::size_t* used, std::vector<float>& out,
                               std::size_t room) {
  std::size_t done = 0;
  const std::size_t olen = chunk_.size() / channels_;
  if (soxr_error_t err = soxr_process(handle(soxr_), in, frames, used, chunk_.data(), olen, &done))
    throw Error(std::string("resample: soxr failed: ") + err);
  const std::size_t take = std::min(done * channels_, room);
  out.insert(out.end(), chunk_.begin(), chunk_.begin() + static_cast<std::ptrdiff_t>(take));
  return done;
}

std::vector<float> resample(std::span<const float> in, double in_rate, double out_rate, ResampleQuality quality) {
  if (in_rate <= 0 || out_rate <= 0) throw Error("resample: sample rates must be positive");
  if (in_rate == out_rate) return {in.begin(), in.end()};
  Resampler r(in_rate, out_rate, 1, quality);
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(std::ceil(static_cast<double>(in.size()) * out_rate / in_rate)) + 16);
  r.push(in.data(), in.size(), out);
  r.finish(out);
  return out;
}

}  // namespace pv::dsp
