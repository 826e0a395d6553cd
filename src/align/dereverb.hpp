#pragma once
// Blind dereverberation by weighted prediction error (WPE; Nakatani et al., "Speech dereverberation
// based on variance-normalized delayed linear prediction", IEEE TASLP 2010): in each STFT bin, the
// late reverberation is what a linear filter predicts from frames at least `delay` frames back; the
// prediction is subtracted, with the filter fitted by least squares weighted by the inverse power of
// the (iteratively re-estimated) dry signal.
#include <vector>

namespace pv::align {

struct DereverbOptions {
  int window = 512;     // STFT frame (samples)
  int hop = 128;        // must divide window, at most window / 2
  int delay = 3;        // frames kept from prediction (direct sound + early reflections)
  int taps = 20;        // prediction filter length (frames)
  int iterations = 3;
  long fit_frames = 0;  // the filters are fitted on at most this many frames (0: all)
  double max_hz = 0.0;  // bins above are left as they are (0: all)
  int threads = 1;
};

std::vector<float> dereverberate(const std::vector<float>& signal, int rate, const DereverbOptions& opt = {});
// The same in place (no second copy of a long recording).
void dereverberate_in_place(std::vector<float>& signal, int rate, const DereverbOptions& opt = {});

}  // namespace pv::align
