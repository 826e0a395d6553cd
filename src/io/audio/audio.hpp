#pragma once
// Audio I/O: WAV/FLAC/OGG via libsndfile, the audio track of MP4/MOV/MKV via FFmpeg, mono mixdown,
// resampling with soxr, atomic WAV writing.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pv::audio {

struct AudioInfo {
  int sample_rate = 0;
  int channels = 0;
  std::int64_t frames = 0;  // samples per channel
  double duration = 0.0;    // seconds
  double start_time = 0.0;  // container start time of the audio stream (0 for plain audio files)
  std::string codec;        // e.g. "pcm_s16le", "aac", "flac"
  std::string container;    // e.g. "wav", "mp4"
};

struct Signal {
  int sample_rate = 0;
  std::vector<float> samples;  // mono (or interleaved when channels > 1)
  int channels = 1;
  double duration() const {
    return sample_rate > 0 ? static_cast<double>(samples.size()) / channels / sample_rate : 0.0;
  }
};

// Probe any supported file (audio files or the audio stream of a video). Throws pv::InputError.
AudioInfo probe(const std::filesystem::path& file);
// Reads a file, mixes to mono, resamples to `rate` (0 = keep the file's rate).
Signal read_mono(const std::filesystem::path& file, int rate = 0);
// Resample a mono signal with soxr (VHQ).
Signal resample(const Signal& in, int rate);
// Writes WAV (PCM 16 by default, or float 32) atomically.
enum class WavFormat { Pcm16, Pcm24, Float32 };
void write_wav(const std::filesystem::path& file, const Signal& s, WavFormat fmt = WavFormat::Pcm16);

}  // namespace pv::audio
