#pragma once
// Loudness per ITU-R BS.1770-4 / EBU R128 (libebur128): integrated loudness, loudness range,
// true peak; and applying a gain to an audio file (streamed, written atomically).
#include <filesystem>
#include <span>
#include <string>

namespace pv::loudness {

struct Measurement {
  double integrated_lufs = 0.0;  // -inf for silence (nothing above the absolute gate)
  double range_lu = 0.0;         // loudness range (LRA)
  double true_peak_dbtp = 0.0;   // max over channels, -inf for digital silence
  double sample_peak_dbfs = 0.0;
  double duration_s = 0.0;
  int sample_rate = 0;
  int channels = 0;
  int source_channels = 0;      // channels in the file
  bool silent() const;  // integrated loudness is -inf
};

// Interleaved float samples (full scale 1.0). Throws pv::Error on a bad rate/channel count.
Measurement measure(std::span<const float> interleaved, int channels, int rate);

// Measures a file per BS.1770 with every channel filtered separately and the powers summed with
// their weights (L R C 1.0, surround 1.41, LFE unused): libsndfile formats (WAV, FLAC, OGG, ...)
// streamed, other containers (e.g. the audio track of an MP4) decoded through FFmpeg with the
// stream's channel layout. Throws pv::InputError (missing, unreadable, no audio stream, empty).
Measurement measure_file(const std::filesystem::path& file);

// Writes `in` scaled by `gain_db` to `out` atomically, in the input's format (libsndfile formats
// only). Returns the measurement of the written file. Throws pv::InputError / pv::Error.
Measurement apply_gain(const std::filesystem::path& in, const std::filesystem::path& out, double gain_db);

// dB value for JSON/text: finite values as numbers; -inf printed as "-inf".
std::string format_db(double v, int decimals = 2);

}  // namespace pv::loudness
