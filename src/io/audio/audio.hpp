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
// Reads a file, mixes to mono (channel mean), resamples to `rate` (0 = keep the file's rate).
// libsndfile first (WAV/FLAC/OGG/...), else FFmpeg (best audio stream of MP4/MOV/MKV/...). From
// FFmpeg, decoded frames are placed at their timestamps (gaps filled with silence, overlaps
// dropped, encoder padding past the last packet's end trimmed): sample k is at
// AudioInfo::start_time + k / rate. Throws pv::InputError (missing, unreadable, no audio stream,
// corrupt data, implausible sample rate outside 1 kHz..1.536 MHz); pv::UsageError for a bad `rate`.
Signal read_mono(const std::filesystem::path& file, int rate = 0);
// What a channel carries (for BS.1770 channel weighting).
enum class ChannelRole { Left, Right, Center, Lfe, LeftSurround, RightSurround, Other };
struct Channels {
  Signal signal;                   // interleaved, signal.channels per frame, at the file's rate
  std::vector<ChannelRole> roles;  // one per channel
};
// Reads every channel of a file interleaved (libsndfile first, else the best audio stream through
// FFmpeg, placed at its timestamps as read_mono does), with each channel's role from the file's
// channel layout (WAV without one: L R C LFE Ls Rs; mono: centre). Throws pv::InputError.
Channels read_channels(const std::filesystem::path& file);
// Resamples with soxr (VHQ); any channel count (interleaved). Output length = round(n * rate / in_rate).
Signal resample(const Signal& in, int rate);
// Writes WAV (PCM 16 by default, PCM 24 or float 32) atomically. Integer formats scale by 2^(bits-1)
// with rounding and clipping (the inverse of the readers); NaN/Inf samples throw pv::Error.
enum class WavFormat { Pcm16, Pcm24, Float32 };
void write_wav(const std::filesystem::path& file, const Signal& s, WavFormat fmt = WavFormat::Pcm16);

}  // namespace pv::audio
