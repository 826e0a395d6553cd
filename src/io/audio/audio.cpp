#include "io/audio/audio.hpp"

#include <sndfile.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <system_error>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "dsp/resampler.hpp"
#include "io/audio/ffmpeg_util.hpp"

namespace pv::audio {
namespace fs = std::filesystem;

namespace {

// Plausible sample rates for audio; anything outside comes from a corrupt header.
constexpr int kMinRate = 1000;
constexpr int kMaxRate = 1'536'000;

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// Opens with libsndfile; returns null (and the library's message in `why`) if it cannot.
SndfilePtr open_sndfile(const fs::path& file, SF_INFO& info, std::string& why) {
  info = SF_INFO{};
  SNDFILE* f = sf_open(file.c_str(), SFM_READ, &info);
  if (!f) {
    why = sf_strerror(nullptr);
    return nullptr;
  }
  if (info.channels <= 0 || info.samplerate < kMinRate || info.samplerate > kMaxRate) {
    sf_close(f);
    why = "invalid header (channels " + std::to_string(info.channels) + ", rate " +
          std::to_string(info.samplerate) + ")";
    return nullptr;
  }
  return SndfilePtr(f);
}

std::string sndfile_container(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX: return "wav";
    case SF_FORMAT_RF64: return "rf64";
    case SF_FORMAT_W64: return "w64";
    case SF_FORMAT_FLAC: return "flac";
    case SF_FORMAT_OGG: return "ogg";
    case SF_FORMAT_AIFF: return "aiff";
    case SF_FORMAT_AU: return "au";
    case SF_FORMAT_CAF: return "caf";
    case SF_FORMAT_MPEG: return "mp3";
    default: return "sndfile";
  }
}

std::string sndfile_codec(int format) {
  const int major = format & SF_FORMAT_TYPEMASK;
  const std::string endian =
      (major == SF_FORMAT_AIFF || major == SF_FORMAT_AU || major == SF_FORMAT_CAF) ? "be" : "le";
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: return "pcm_s8";
    case SF_FORMAT_PCM_U8: return "pcm_u8";
    case SF_FORMAT_PCM_16: return major == SF_FORMAT_FLAC ? "flac" : "pcm_s16" + endian;
    case SF_FORMAT_PCM_24: return major == SF_FORMAT_FLAC ? "flac" : "pcm_s24" + endian;
    case SF_FORMAT_PCM_32: return "pcm_s32" + endian;
    case SF_FORMAT_FLOAT: return "pcm_f32" + endian;
    case SF_FORMAT_DOUBLE: return "pcm_f64" + endian;
    case SF_FORMAT_ULAW: return "pcm_mulaw";
    case SF_FORMAT_ALAW: return "pcm_alaw";
    case SF_FORMAT_VORBIS: return "vorbis";
    case SF_FORMAT_OPUS: return "opus";
    case SF_FORMAT_MPEG_LAYER_III: return "mp3";
    default: {
      std::ostringstream s;
      s << "sndfile:0x" << std::hex << (format & SF_FORMAT_SUBMASK);
      return s.str();
    }
  }
}

// "mov,mp4,m4a,..." -> the token matching the file's extension, else the first token.
std::string ffmpeg_container(const AVInputFormat* f, const fs::path& file) {
  std::string names = f->name;
  std::string ext = file.extension().string();
  if (!ext.empty()) ext.erase(0, 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  std::istringstream in(names);
  std::string tok, first;
  while (std::getline(in, tok, ',')) {
    if (first.empty()) first = tok;
    if (!ext.empty() && tok == ext) return tok;
  }
  return first;
}

// Adds `frames` interleaved frames of `channels` channels to `mono` as the channel mean.
void mix_into(std::vector<float>& mono, const float* data, std::int64_t frames, int channels) {
  const std::size_t at = mono.size();
  mono.resize(at + static_cast<std::size_t>(frames));
  float* out = mono.data() + at;
  if (channels == 1) {
    std::copy(data, data + frames, out);
    return;
  }
  const float scale = 1.0f / static_cast<float>(channels);
  for (std::int64_t i = 0; i < frames; ++i) {
    float acc = 0.0f;
    for (int c = 0; c < channels; ++c) acc += data[i * channels + c];
    out[i] = acc * scale;
  }
}

// Output length of a resampling: round(frames * out_rate / in_rate).
std::size_t resampled_frames(std::size_t frames, int in_rate, int out_rate) {
  return static_cast<std::size_t>(
      std::llround(static_cast<double>(frames) * out_rate / static_cast<double>(in_rate)));
}

// Throws if a block of samples holds NaN or infinity.
void check_finite(const fs::path& file, const float* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(data[i])) throw InputError(file, "audio contains NaN or infinite samples");
}

// Reads block by block: mixdown, and resampling to `rate` (0 = the file's rate) as the blocks arrive,
// so that only the output signal is ever held whole.
Signal read_sndfile(const fs::path& file, SNDFILE* sf, const SF_INFO& info, int rate) {
  Signal s;
  s.sample_rate = rate != 0 ? rate : info.samplerate;
  std::unique_ptr<dsp::Resampler> resampler;
  if (s.sample_rate != info.samplerate) resampler = std::make_unique<dsp::Resampler>(info.samplerate, s.sample_rate, 1);
  std::error_code ec;
  const auto bytes = fs::file_size(file, ec);
  // Never trust the header's frame count for the reservation (a corrupt one can be huge).
  const auto plausible = ec ? 0 : static_cast<std::int64_t>(bytes) / info.channels;
  const auto expected = static_cast<std::size_t>(std::clamp<std::int64_t>(info.frames, 0, plausible));
  s.samples.reserve(resampler ? resampled_frames(expected, info.samplerate, s.sample_rate) : expected);
  const sf_count_t kBlock = std::max(1, (1 << 20) / info.channels);  // frames per read, ~4 MB
  std::vector<float> buf(static_cast<std::size_t>(kBlock) * info.channels);
  std::vector<float> mono;
  std::size_t frames = 0;
  for (;;) {
    const sf_count_t got = sf_readf_float(sf, buf.data(), kBlock);
    if (got <= 0) break;
    frames += static_cast<std::size_t>(got);
    if (!resampler) {
      mix_into(s.samples, buf.data(), got, info.channels);
      check_finite(file, s.samples.data() + s.samples.size() - got, static_cast<std::size_t>(got));
      continue;
    }
    const float* block = buf.data();
    if (info.channels > 1) {
      mono.clear();
      mix_into(mono, buf.data(), got, info.channels);
      block = mono.data();
    }
    check_finite(file, block, static_cast<std::size_t>(got));  // the mixdown (a sum may overflow)
    resampler->push(block, static_cast<std::size_t>(got), s.samples);
  }
  if (int err = sf_error(sf); err != SF_ERR_NO_ERROR)
    throw InputError(file, std::string("read error: ") + sf_error_number(err));
  if (resampler) resampler->finish(s.samples, resampled_frames(frames, info.samplerate, s.sample_rate));
  return s;
}

struct SwrFree {
  void operator()(SwrContext* c) const { swr_free(&c); }
};

ChannelRole role_of(AVChannel c) {
  switch (c) {
    case AV_CHAN_FRONT_LEFT: return ChannelRole::Left;
    case AV_CHAN_FRONT_RIGHT: return ChannelRole::Right;
    case AV_CHAN_FRONT_CENTER: return ChannelRole::Center;
    case AV_CHAN_LOW_FREQUENCY:
    case AV_CHAN_LOW_FREQUENCY_2: return ChannelRole::Lfe;
    case AV_CHAN_SIDE_LEFT:
    case AV_CHAN_BACK_LEFT: return ChannelRole::LeftSurround;
    case AV_CHAN_SIDE_RIGHT:
    case AV_CHAN_BACK_RIGHT: return ChannelRole::RightSurround;
    default: return ChannelRole::Other;
  }
}

// Decodes the best audio stream with FFmpeg at the stream's rate: a mono mixdown, or with `roles`
// all channels interleaved (their roles stored there).
Signal read_ffmpeg(const fs::path& file, const std::string& sndfile_why, std::vector<ChannelRole>* roles = nullptr) {
  ffmpeg::FormatPtr fmt;
  try {
    fmt = ffmpeg::open_input(file);
  } catch (const InputError& e) {
    if (sndfile_why.empty()) throw;
    throw InputError(file, "not a readable audio or video file (libsndfile: " + sndfile_why +
                               "; FFmpeg: " + std::string(e.what()).substr(file.string().size() + 2) + ")");
  }
  const int index = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (index < 0) throw InputError(file, "no audio stream");
  const AVStream* st = fmt->streams[index];
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (static_cast<int>(i) != index) fmt->streams[i]->discard = AVDISCARD_ALL;
  auto dec = ffmpeg::open_decoder(file, st, 1);

  Signal s;
  {
    // Reserve the expected length (container duration + 1 s for codec priming and padding), bounded by
    // the file size so that a corrupt duration cannot reserve absurd memory (64 samples per byte
    // covers low-bitrate codecs).
    double seconds = ffmpeg::ts_seconds(st->duration, st->time_base, -1.0);
    if (seconds <= 0 && fmt->duration != AV_NOPTS_VALUE) seconds = static_cast<double>(fmt->duration) / AV_TIME_BASE;
    std::error_code ec;
    const auto bytes = fs::file_size(file, ec);
    const double bound = ec ? 0.0 : 64.0 * static_cast<double>(bytes);
    const int st_rate = st->codecpar->sample_rate;
    if (seconds > 0 && st_rate >= kMinRate && st_rate <= kMaxRate)
      s.samples.reserve(static_cast<std::size_t>(std::min((seconds + 1.0) * st_rate, bound)));
  }
  double origin = ffmpeg::ts_seconds(st->start_time, st->time_base, std::nan(""));
  std::unique_ptr<SwrContext, SwrFree> swr;
  int swr_format = -1, swr_channels = 0;
  std::vector<float> buf;
  auto packet = ffmpeg::make_packet();
  auto frame = ffmpeg::make_frame();
  std::int64_t budget = ffmpeg::packet_budget(file);
  double packets_end = -1.0;  // end time of the last audio packet (pts + duration)
  // Progress (in ms of media time) for long tracks, e.g. the audio of an hour-long video.
  const double total_s = fmt->duration != AV_NOPTS_VALUE ? static_cast<double>(fmt->duration) / AV_TIME_BASE : 0.0;
  std::unique_ptr<Progress> progress;
  if (total_s > 60.0)
    progress = std::make_unique<Progress>("reading audio", static_cast<std::int64_t>(total_s * 1000));

  auto take_frame = [&] {
    const int channels = frame->ch_layout.nb_channels;
    if (channels <= 0 || frame->sample_rate < kMinRate || frame->sample_rate > kMaxRate)
      throw InputError(file, "decoded audio has an invalid format");
    if (s.sample_rate == 0) s.sample_rate = frame->sample_rate;
    if (frame->sample_rate != s.sample_rate)
      throw InputError(file, "audio sample rate changes mid-stream (" + std::to_string(s.sample_rate) + " -> " +
                                 std::to_string(frame->sample_rate) + " Hz)");
    if (roles && roles->empty()) {
      s.channels = channels;
      // A stream without a channel layout (e.g. PCM in Matroska) gets FFmpeg's default for its count.
      AVChannelLayout layout{};
      if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_default(&layout, channels);
      else if (av_channel_layout_copy(&layout, &frame->ch_layout) < 0)
        throw InputError(file, "cannot read the audio channel layout");
      for (int c = 0; c < channels; ++c) roles->push_back(role_of(av_channel_layout_channel_from_index(&layout, c)));
      av_channel_layout_uninit(&layout);
    }
    if (roles && channels != s.channels)
      throw InputError(file, "audio channel count changes mid-stream (" + std::to_string(s.channels) + " -> " +
                                 std::to_string(channels) + ")");
    // Interleaved output holds s.channels values per frame (the mixdown one).
    const std::size_t width = roles ? static_cast<std::size_t>(s.channels) : 1;
    if (!swr || frame->format != swr_format || channels != swr_channels) {
      SwrContext* raw = nullptr;
      int rc = swr_alloc_set_opts2(&raw, &frame->ch_layout, AV_SAMPLE_FMT_FLT, frame->sample_rate,
                                   &frame->ch_layout, static_cast<AVSampleFormat>(frame->format),
                                   frame->sample_rate, 0, nullptr);
      swr.reset(raw);
      if (rc < 0 || (rc = swr_init(swr.get())) < 0)
        throw InputError(file, "cannot convert audio sample format: " + ffmpeg::error_string(rc));
      swr_format = frame->format;
      swr_channels = channels;
    }
    buf.resize(static_cast<std::size_t>(frame->nb_samples) * channels);
    auto* out = reinterpret_cast<std::uint8_t*>(buf.data());
    const int got = swr_convert(swr.get(), &out, frame->nb_samples,
                                const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
    if (got < 0) throw InputError(file, "audio conversion failed: " + ffmpeg::error_string(got));
    // Place the frame at its timestamp: fill gaps with silence, drop overlaps (beyond 1 ms of jitter),
    // so that sample k of the signal is at time start_time + k / rate.
    std::int64_t skip = 0;
    const std::int64_t ts = frame->pts != AV_NOPTS_VALUE ? frame->pts : frame->best_effort_timestamp;
    if (ts != AV_NOPTS_VALUE) {
      const double t = ffmpeg::ts_seconds(ts, st->time_base);
      if (std::isnan(origin)) origin = t;
      const double at = (t - origin) * s.sample_rate;
      const auto have = static_cast<double>(s.samples.size() / width);
      const double tolerance = s.sample_rate / 1000.0 + 1.0;
      if (at - have > tolerance) {
        if (at - have > 60.0 * s.sample_rate) {
          std::ostringstream msg;
          msg << "audio timestamps jump forward by " << (at - have) / s.sample_rate << " s at " << t << " s";
          throw InputError(file, msg.str());
        }
        s.samples.resize(static_cast<std::size_t>(std::llround(at)) * width, 0.0f);
      } else if (have - at > tolerance) {
        skip = std::min<std::int64_t>(got, std::llround(std::min(have - at, 1e12)));
      }
    }
    if (roles)
      s.samples.insert(s.samples.end(), buf.begin() + skip * channels, buf.begin() + static_cast<std::ptrdiff_t>(got) * channels);
    else
      mix_into(s.samples, buf.data() + skip * channels, got - skip, channels);
  };
  auto drain = [&] {
    for (;;) {
      int rc = avcodec_receive_frame(dec.get(), frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) throw InputError(file, "corrupt audio data: " + ffmpeg::error_string(rc));
      take_frame();
      av_frame_unref(frame.get());
    }
  };

  for (;;) {
    int rc = av_read_frame(fmt.get(), packet.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) throw InputError(file, "read error: " + ffmpeg::error_string(rc));
    if (--budget < 0) throw InputError(file, "corrupt container: more packets than the file can hold");
    if (packet->stream_index == index) {
      const double at = ffmpeg::ts_seconds(packet->pts, st->time_base);
      if (packet->pts != AV_NOPTS_VALUE && packet->duration > 0)
        packets_end = std::max(packets_end, ffmpeg::ts_seconds(packet->pts + packet->duration, st->time_base));
      if (progress && at > 0) progress->update(std::min<std::int64_t>(static_cast<std::int64_t>(at * 1000), total_s * 1000));
      rc = avcodec_send_packet(dec.get(), packet.get());
      if (rc < 0 && rc != AVERROR(EAGAIN)) {
        std::ostringstream msg;
        msg << "corrupt audio data at " << at << " s: " << ffmpeg::error_string(rc);
        throw InputError(file, msg.str());
      }
      av_packet_unref(packet.get());
      drain();
    } else {
      av_packet_unref(packet.get());
    }
  }
  avcodec_send_packet(dec.get(), nullptr);
  drain();
  if (progress) progress->finish();
  if (s.sample_rate == 0) throw InputError(file, "audio stream has no decodable samples");
  // Encoders pad the last frame; the packets' durations say where the track really ends.
  if (!std::isnan(origin) && packets_end > origin) {
    const double end = (packets_end - origin) * s.sample_rate;
    const std::size_t width = static_cast<std::size_t>(s.channels);
    if (end * width < static_cast<double>(s.samples.size()))
      s.samples.resize(static_cast<std::size_t>(std::llround(end)) * width);
  }
  for (float v : s.samples)
    if (!std::isfinite(v)) throw InputError(file, "audio contains NaN or infinite samples");
  return s;
}

}  // namespace

AudioInfo probe(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw InputError(file, "file not found");
  SF_INFO si;
  std::string why;
  if (auto sf = open_sndfile(file, si, why)) {
    AudioInfo info;
    info.sample_rate = si.samplerate;
    info.channels = si.channels;
    info.frames = si.frames;
    info.duration = static_cast<double>(si.frames) / si.samplerate;
    info.codec = sndfile_codec(si.format);
    info.container = sndfile_container(si.format);
    return info;
  }
  auto fmt = ffmpeg::open_input(file);
  const int index = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (index < 0) throw InputError(file, "no audio stream");
  const AVStream* st = fmt->streams[index];
  AudioInfo info;
  info.sample_rate = st->codecpar->sample_rate;
  info.channels = st->codecpar->ch_layout.nb_channels;
  if (info.sample_rate < kMinRate || info.sample_rate > kMaxRate || info.channels <= 0)
    throw InputError(file, "audio stream has an invalid format");
  double duration = ffmpeg::ts_seconds(st->duration, st->time_base, -1.0);
  if (duration < 0 && fmt->duration != AV_NOPTS_VALUE) duration = static_cast<double>(fmt->duration) / AV_TIME_BASE;
  info.duration = std::max(0.0, duration);
  info.frames = std::llround(info.duration * info.sample_rate);
  info.start_time = ffmpeg::ts_seconds(st->start_time, st->time_base);
  info.codec = avcodec_get_name(st->codecpar->codec_id);
  info.container = ffmpeg_container(fmt->iformat, file);
  return info;
}

Signal read_mono(const fs::path& file, int rate) {
  if (rate < 0 || rate > kMaxRate) throw UsageError("invalid sample rate " + std::to_string(rate));
  std::error_code ec;
  if (!fs::exists(file, ec)) throw InputError(file, "file not found");
  if (fs::is_directory(file, ec)) throw InputError(file, "is a directory, not an audio file");
  SF_INFO si;
  std::string why;
  if (auto sf = open_sndfile(file, si, why)) return read_sndfile(file, sf.get(), si, rate);
  Signal s = read_ffmpeg(file, why);
  if (rate != 0 && rate != s.sample_rate) s = resample(s, rate);  // block-wise: input + output held
  return s;
}

Channels read_channels(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw InputError(file, "file not found");
  if (fs::is_directory(file, ec)) throw InputError(file, "is a directory, not an audio file");
  Channels out;
  SF_INFO si;
  std::string why;
  if (auto sf = open_sndfile(file, si, why)) {
    out.signal.sample_rate = si.samplerate;
    out.signal.channels = si.channels;
    std::vector<int> map(static_cast<std::size_t>(si.channels));
    bool mapped = sf_command(sf.get(), SFC_GET_CHANNEL_MAP_INFO, map.data(),
                             static_cast<int>(map.size() * sizeof(int))) == SF_TRUE;
    for (int m : map) mapped = mapped && m != SF_CHANNEL_MAP_INVALID;
    for (int c = 0; c < si.channels; ++c) {
      ChannelRole r = ChannelRole::Other;
      if (mapped) {
        switch (map[c]) {
          case SF_CHANNEL_MAP_LEFT: case SF_CHANNEL_MAP_FRONT_LEFT: r = ChannelRole::Left; break;
          case SF_CHANNEL_MAP_RIGHT: case SF_CHANNEL_MAP_FRONT_RIGHT: r = ChannelRole::Right; break;
          case SF_CHANNEL_MAP_CENTER: case SF_CHANNEL_MAP_FRONT_CENTER: case SF_CHANNEL_MAP_MONO: r = ChannelRole::Center; break;
          case SF_CHANNEL_MAP_LFE: r = ChannelRole::Lfe; break;
          case SF_CHANNEL_MAP_SIDE_LEFT: case SF_CHANNEL_MAP_REAR_LEFT: r = ChannelRole::LeftSurround; break;
          case SF_CHANNEL_MAP_SIDE_RIGHT: case SF_CHANNEL_MAP_REAR_RIGHT: r = ChannelRole::RightSurround; break;
          default: break;
        }
      } else {
        // WAV's default order: L R C LFE Ls Rs (mono: centre).
        static const ChannelRole order[] = {ChannelRole::Left, ChannelRole::Right, ChannelRole::Center,
                                            ChannelRole::Lfe, ChannelRole::LeftSurround, ChannelRole::RightSurround};
        r = si.channels == 1 ? ChannelRole::Center : c < 6 ? order[c] : ChannelRole::Other;
      }
      out.roles.push_back(r);
    }
    const sf_count_t kBlock = std::max(1, (1 << 20) / si.channels);
    std::vector<float> buf(static_cast<std::size_t>(kBlock) * si.channels);
    for (;;) {
      const sf_count_t got = sf_readf_float(sf.get(), buf.data(), kBlock);
      if (got <= 0) break;
      const std::size_t n = static_cast<std::size_t>(got) * si.channels;
      check_finite(file, buf.data(), n);
      out.signal.samples.insert(out.signal.samples.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    }
    if (int err = sf_error(sf.get()); err != SF_ERR_NO_ERROR)
      throw InputError(file, std::string("read error: ") + sf_error_number(err));
    return out;
  }
  out.signal = read_ffmpeg(file, why, &out.roles);
  return out;
}

Signal resample(const Signal& in, int rate) {
  if (rate <= 0 || rate > kMaxRate) throw Error("resample: invalid target rate " + std::to_string(rate));
  if (in.sample_rate <= 0 || in.channels <= 0) throw Error("resample: input signal has no valid rate/channels");
  if (in.samples.size() % static_cast<std::size_t>(in.channels) != 0)
    throw Error("resample: sample count is not a multiple of the channel count");
  Signal out;
  out.sample_rate = rate;
  out.channels = in.channels;
  if (rate == in.sample_rate) {
    out.samples = in.samples;
    return out;
  }
  const std::size_t in_frames = in.samples.size() / in.channels;
  const std::size_t out_frames = resampled_frames(in_frames, in.sample_rate, rate);
  if (in_frames == 0 || out_frames == 0) {
    out.samples.assign(out_frames * in.channels, 0.0f);
    return out;
  }
  out.samples.reserve(out_frames * in.channels);
  dsp::Resampler resampler(in.sample_rate, rate, in.channels);
  resampler.push(in.samples.data(), in_frames, out.samples);
  resampler.finish(out.samples, out_frames);
  return out;
}

void write_wav(const fs::path& file, const Signal& s, WavFormat fmt) {
  if (s.sample_rate <= 0 || s.channels <= 0)
    throw Error(file.string() + ": cannot write WAV: invalid sample rate or channel count");
  if (s.samples.size() % static_cast<std::size_t>(s.channels) != 0)
    throw Error(file.string() + ": cannot write WAV: sample count is not a multiple of the channel count");
  for (float v : s.samples)
    if (!std::isfinite(v)) throw Error(file.string() + ": cannot write WAV: signal contains NaN or infinity");

  int sub = SF_FORMAT_PCM_16;
  if (fmt == WavFormat::Pcm24) sub = SF_FORMAT_PCM_24;
  if (fmt == WavFormat::Float32) sub = SF_FORMAT_FLOAT;
  SF_INFO info{};
  info.samplerate = s.sample_rate;
  info.channels = s.channels;
  // Plain WAV up to 4 GiB; RF64 beyond (WAV's 32-bit sizes would overflow).
  const std::uint64_t bytes = s.samples.size() * (fmt == WavFormat::Pcm16 ? 2u : fmt == WavFormat::Pcm24 ? 3u : 4u);
  info.format = (bytes > 0xFFFF0000ull ? SF_FORMAT_RF64 : SF_FORMAT_WAV) | sub;

  AtomicFile out(file);
  SNDFILE* raw = sf_open(out.temp_path().c_str(), SFM_WRITE, &info);
  if (!raw) throw Error(file.string() + ": cannot write WAV: " + sf_strerror(nullptr));
  SndfilePtr sf(raw);
  const sf_count_t frames = static_cast<sf_count_t>(s.samples.size() / s.channels);
  sf_count_t written = 0;
  // Integer formats: scale by 2^(bits-1) with rounding and clipping, the inverse of libsndfile's reader.
  constexpr std::size_t kBlock = 1 << 16;
  if (fmt == WavFormat::Float32) {
    written = sf_writef_float(sf.get(), s.samples.data(), frames);
  } else if (fmt == WavFormat::Pcm16) {
    std::vector<short> buf;
    for (std::size_t at = 0; at < s.samples.size(); at += kBlock * s.channels) {
      const std::size_t n = std::min(kBlock * s.channels, s.samples.size() - at);
      buf.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        buf[i] = static_cast<short>(std::clamp(std::lrint(s.samples[at + i] * 32768.0), -32768L, 32767L));
      written += sf_writef_short(sf.get(), buf.data(), static_cast<sf_count_t>(n / s.channels));
    }
  } else {
    std::vector<int> buf;
    for (std::size_t at = 0; at < s.samples.size(); at += kBlock * s.channels) {
      const std::size_t n = std::min(kBlock * s.channels, s.samples.size() - at);
      buf.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        buf[i] = static_cast<int>(std::clamp(std::lrint(s.samples[at + i] * 8388608.0), -8388608L, 8388607L)) * 256;
      written += sf_writef_int(sf.get(), buf.data(), static_cast<sf_count_t>(n / s.channels));
    }
  }
  if (written != frames) throw Error(file.string() + ": cannot write WAV: " + sf_strerror(sf.get()));
  // Close (which writes the final header) before the rename.
  if (int rc = sf_close(sf.release()); rc != 0)
    throw Error(file.string() + ": cannot write WAV: " + sf_error_number(rc));
  out.commit();
}

}  // namespace pv::audio
