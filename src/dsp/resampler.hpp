#pragma once
// Streaming soxr resampler: input is pushed in blocks and the output appended to a vector, so that
// soxr's internal buffers stay block-sized. One soxr_oneshot over a whole recording holds several
// full-length copies in double precision and grows its output by repeated realloc (quadratic where
// realloc cannot grow in place, as under AddressSanitizer). Output equals a one-shot conversion.
#include <cstddef>
#include <span>
#include <vector>

namespace pv::dsp {

enum class ResampleQuality { High, VeryHigh };  // soxr's HQ and VHQ recipes

class Resampler {
 public:
  // Rates may be fractional (a clock drift applied by resampling). Throws pv::Error if soxr refuses.
  Resampler(double in_rate, double out_rate, int channels, ResampleQuality quality = ResampleQuality::VeryHigh);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  // Feeds `frames` interleaved frames; appends what soxr delivers to `out`.
  void push(const float* in, std::size_t frames, std::vector<float>& out);
  // Flushes the filter tail; `out` ends with exactly `total_frames` frames (extra output dropped,
  // a missing last sample padded with zero).
  void finish(std::vector<float>& out, std::size_t total_frames);
  // Flushes the filter tail, appending all of it.
  void finish(std::vector<float>& out);

 private:
  std::size_t process(const float* in, std::size_t frames, std::size_t* used, std::vector<float>& out,
                      std::size_t room);
  void* soxr_ = nullptr;  // soxr_t
  std::size_t channels_;
  std::vector<float> chunk_;  // output block
};

// A whole mono signal through a Resampler (output length as soxr gives it, about in * out/in).
std::vector<float> resample(std::span<const float> in, double in_rate, double out_rate,
                            ResampleQuality quality = ResampleQuality::VeryHigh);

}  // namespace pv::dsp
