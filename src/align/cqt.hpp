#pragma once
// Constant-Q magnitude spectrogram and the alignment features built from it (design §3).
// The CQT is computed from the spectrum of the whole signal: every bin's Hann-windowed kernel is a
// narrow band-pass in the frequency domain, so its output sampled at the hop is one small inverse FFT
// of the band around the bin frequency (band width = rate / hop). Only the spectrum below the top
// bin's band is computed (polyphase FFTs of the signal's every D-th sample), so memory stays near the
// signal's own size. Frames are centred: frame i is the window centred on sample i * hop.
#include <cstddef>
#include <vector>

namespace pv::align {

struct CqtParams {
  int rate = 22050;
  double fmin_midi = 36.0;  // C2
  int bins = 48;
  int bins_per_octave = 12;
  int hop = 64;
};

// Frames × bins, row-major.
struct Features {
  int bins = 0;
  int hop = 0;   // samples at `rate` per frame
  int rate = 0;
  std::vector<float> data;
  std::size_t frames() const { return bins ? data.size() / bins : 0; }
  const float* frame(std::size_t i) const { return data.data() + i * bins; }
  float* frame(std::size_t i) { return data.data() + i * bins; }
  double frame_period() const { return static_cast<double>(hop) / rate; }
};

// |CQT| of a mono signal at params.rate; frames = size/hop + 1; a sinusoid of amplitude A at a bin
// centre gives magnitude A in that bin. `threads` > 1 splits the bins between threads (same result).
Features cqt_magnitude(const std::vector<float>& signal, const CqtParams& params = {}, int threads = 1);
// Same, releasing the signal's memory as soon as its spectrum is computed.
Features cqt_magnitude(std::vector<float>&& signal, const CqtParams& params = {}, int threads = 1);

// Reference feature processing: dB relative to the global maximum floored at floor_db, back to
// amplitude; each frame divided by the mean of the per-frame minima over ±2 frames. Then every frame
// is scaled to unit Euclidean norm so that cosine distance is 1 - dot.
void to_alignment_features(Features& f, double floor_db = -80.0);

// Reference features (above) followed by `bins` onset features: the half-wave rectified rise of the
// dB spectrum over ±span frames, unit norm, weighted by onset_weight. The result has 2·bins values
// per frame and unit norm. Onset features pin the path to note attacks, which sustained-energy
// features alone place several milliseconds off when the two pianos decay differently.
void to_alignment_features_with_onsets(Features& f, double floor_db, double onset_weight, int span = 2);

// Mean of `factor` consecutive frames (the last group may be shorter), re-normalised to unit norm.
Features pool(const Features& f, int factor);

// Cosine distance of two unit-norm frames: 1 - <a, b>.
float cosine_distance(const float* a, const float* b, int bins);

}  // namespace pv::align
