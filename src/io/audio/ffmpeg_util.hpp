#pragma once
// Small FFmpeg helpers shared by the audio and video readers/writers (internal to src/io).
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace pv::ffmpeg {

// av_err2str without the macro's compound literal (not valid C++).
std::string error_string(int err);

// Lowers FFmpeg's own logging to fatal errors (once per process): our pv::InputError messages say
// what is wrong. PV_FFMPEG_LOG=quiet|error|warning|info|debug chooses another level.
void init_logging();

struct FormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecCloser {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecCloser>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;

PacketPtr make_packet();
FramePtr make_frame();

// Opens a media file and reads its stream info. Throws pv::InputError (missing file, unknown format).
FormatPtr open_input(const std::filesystem::path& file);

// Opens a decoder for stream `index` (threads: 0 = automatic). Throws pv::InputError.
CodecPtr open_decoder(const std::filesystem::path& file, const AVStream* stream, int threads = 0);

// Seconds of a stream timestamp, or `fallback` when it is AV_NOPTS_VALUE.
double ts_seconds(std::int64_t ts, AVRational tb, double fallback = 0.0);

// Upper bound on packets to read from a file of this size (guards against corrupt indexes).
std::int64_t packet_budget(const std::filesystem::path& file);

}  // namespace pv::ffmpeg
