#include "io/audio/ffmpeg_util.hpp"

#include <cstdlib>
#include <mutex>
#include <system_error>

#include "core/error.hpp"

namespace pv::ffmpeg {

std::string error_string(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

void init_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Our errors say what is wrong with a file; FFmpeg's own messages only when asked for.
    if (const char* env = std::getenv("PV_FFMPEG_LOG")) {
      const std::string v = env;
      if (v == "quiet") av_log_set_level(AV_LOG_QUIET);
      else if (v == "error") av_log_set_level(AV_LOG_ERROR);
      else if (v == "warning") av_log_set_level(AV_LOG_WARNING);
      else if (v == "info") av_log_set_level(AV_LOG_INFO);
      else if (v == "debug") av_log_set_level(AV_LOG_DEBUG);
      return;
    }
    if (av_log_get_level() > AV_LOG_FATAL) av_log_set_level(AV_LOG_FATAL);
  });
}

PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

FormatPtr open_input(const std::filesystem::path& file) {
  init_logging();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw InputError(file, "file not found");
  if (std::filesystem::is_directory(file, ec)) throw InputError(file, "is a directory, not a media file");
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, file.c_str(), nullptr, nullptr);
  if (rc < 0) throw InputError(file, "cannot open as a media file: " + error_string(rc));
  FormatPtr fmt(raw);
  rc = avformat_find_stream_info(fmt.get(), nullptr);
  if (rc < 0) throw InputError(file, "cannot read stream info: " + error_string(rc));
  return fmt;
}

CodecPtr open_decoder(const std::filesystem::path& file, const AVStream* stream, int threads) {
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (!codec)
    throw InputError(file, std::string("no decoder for codec ") + avcodec_get_name(stream->codecpar->codec_id));
  CodecPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw std::bad_alloc();
  int rc = avcodec_parameters_to_context(ctx.get(), stream->codecpar);
  if (rc < 0) throw InputError(file, "bad codec parameters: " + error_string(rc));
  ctx->pkt_timebase = stream->time_base;
  ctx->thread_count = threads;
  ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  rc = avcodec_open2(ctx.get(), codec, nullptr);
  if (rc < 0) throw InputError(file, std::string("cannot open ") + codec->name + " decoder: " + error_string(rc));
  return ctx;
}

double ts_seconds(std::int64_t ts, AVRational tb, double fallback) {
  if (ts == AV_NOPTS_VALUE || tb.den == 0) return fallback;
  return static_cast<double>(ts) * av_q2d(tb);
}

std::int64_t packet_budget(const std::filesystem::path& file) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  return ec ? (std::int64_t{1} << 20) : static_cast<std::int64_t>(size) + 4096;
}

}  // namespace pv::ffmpeg
