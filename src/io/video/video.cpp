#include "io/video/video.hpp"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <png.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <cmath>
#include <cstring>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/audio/ffmpeg_util.hpp"

namespace pv::video {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxSide = 16384;
constexpr std::size_t kRowSlack = 256;  // bytes of room after an RGB image for swscale's vector stores

struct SwsFree {
  void operator()(SwsContext* c) const { sws_freeContext(c); }
};
using SwsPtr = std::unique_ptr<SwsContext, SwsFree>;

bool valid(AVRational q) { return q.num > 0 && q.den > 0; }

// Still-image demuxers (image2 for files named *.jpg/*.png, *_pipe when probed by content).
bool is_image(const AVFormatContext* fmt) {
  const std::string name = fmt->iformat->name;
  return name == "image2" || (name.size() > 5 && name.compare(name.size() - 5, 5, "_pipe") == 0);
}

// The nominal rate (r_frame_rate) when the average frame duration agrees with it to 0.2 % or to
// one tick of the stream's time base (Matroska's millisecond timestamps skew the average); else
// the average.
Rational pick_fps(const AVStream* st) {
  const AVRational avg = st->avg_frame_rate, r = st->r_frame_rate;
  AVRational q{0, 1};
  const auto agree = [&] {
    const double tolerance = std::max(valid(st->time_base) ? av_q2d(st->time_base) : 0.0, 2e-3 / av_q2d(r));
    return std::abs(1.0 / av_q2d(avg) - 1.0 / av_q2d(r)) <= tolerance;
  };
  if (valid(avg) && valid(r) && agree())
    q = r;
  else if (valid(avg))
    q = avg;
  else if (valid(r))
    q = r;
  if (!valid(q)) return Rational{0, 1};
  av_reduce(&q.num, &q.den, q.num, q.den, 1 << 30);
  return Rational{q.num, q.den};
}

int best_video_stream(const fs::path& file, AVFormatContext* fmt) {
  const int index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) throw InputError(file, "no video stream");
  const AVCodecParameters* par = fmt->streams[index]->codecpar;
  if (par->width <= 0 || par->height <= 0 || par->width > kMaxSide || par->height > kMaxSide)
    throw InputError(file, "video stream has an invalid size " + std::to_string(par->width) + "x" +
                               std::to_string(par->height));
  return index;
}

// Video packets in the file (for containers that do not store a frame count).
std::int64_t count_packets(const fs::path& file, int index) {
  auto fmt = ffmpeg::open_input(file);
  auto pkt = ffmpeg::make_packet();
  std::int64_t n = 0, budget = ffmpeg::packet_budget(file);
  for (;;) {
    const int rc = av_read_frame(fmt.get(), pkt.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) throw InputError(file, "read error while counting frames: " + ffmpeg::error_string(rc));
    if (--budget < 0) throw InputError(file, "corrupt container: more packets than the file can hold");
    if (pkt->stream_index == index) ++n;
    av_packet_unref(pkt.get());
  }
  return n;
}

VideoInfo describe(const fs::path& file, AVFormatContext* fmt, int index) {
  const AVStream* st = fmt->streams[index];
  VideoInfo info;
  info.width = st->codecpar->width;
  info.height = st->codecpar->height;
  info.codec = avcodec_get_name(st->codecpar->codec_id);
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) info.has_audio = true;
  info.start_time = ffmpeg::ts_seconds(st->start_time, st->time_base);
  double duration = ffmpeg::ts_seconds(st->duration, st->time_base, -1.0);
  if (duration < 0 && fmt->duration != AV_NOPTS_VALUE) duration = static_cast<double>(fmt->duration) / AV_TIME_BASE;
  info.duration = std::max(0.0, duration);
  if (is_image(fmt))
    info.frame_count = 1;
  else if (st->nb_frames > 0)
    info.frame_count = st->nb_frames;
  else
    info.frame_count = count_packets(file, index);
  info.fps = pick_fps(st);
  if (info.fps.num == 0) {
    // No rate in the container: derive one from the count and duration, else assume 30.
    AVRational q = info.frame_count > 1 && info.duration > 0 ? av_d2q(info.frame_count / info.duration, 1 << 20)
                                                              : AVRational{30, 1};
    info.fps = Rational{q.num, q.den};
  }
  return info;
}

// yuvj* formats are yuv* with full range; swscale wants the range given separately.
AVPixelFormat unjpeg(AVPixelFormat f, bool& full_range) {
  switch (f) {
    case AV_PIX_FMT_YUVJ420P: full_range = true; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: full_range = true; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: full_range = true; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: full_range = true; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: full_range = true; return AV_PIX_FMT_YUV411P;
    default: return f;
  }
}

}  // namespace

VideoInfo probe(const fs::path& file) {
  auto fmt = ffmpeg::open_input(file);
  return describe(file, fmt.get(), best_video_stream(file, fmt.get()));
}

// ------------------------------------------------------------------------------------------------
struct Decoder::Impl {
  fs::path file;
  ffmpeg::FormatPtr fmt;
  ffmpeg::CodecPtr dec;
  int index = -1;
  AVRational tb{1, 1};
  VideoInfo info;
  ffmpeg::PacketPtr packet = ffmpeg::make_packet();
  ffmpeg::FramePtr frame = ffmpeg::make_frame();
  SwsPtr sws;
  int sws_w = 0, sws_h = 0, sws_fmt = -1, sws_cs = -1, sws_range = -1;
  std::int64_t decoded = 0, budget = 0;
  bool flushing = false, done = false;
  double last_time = 0.0;

  void check_size() const;
  void stamp(std::int64_t& index, double& time);  // index and presentation time of `frame`
  void convert(Frame& out);
  bool receive();  // the next decoded frame into `frame`; false at end of stream
};

Decoder::Decoder(const fs::path& file, int threads) : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.file = file;
  d.fmt = ffmpeg::open_input(file);
  d.index = best_video_stream(file, d.fmt.get());
  d.info = describe(file, d.fmt.get(), d.index);
  const AVStream* st = d.fmt->streams[d.index];
  d.tb = st->time_base;
  for (unsigned i = 0; i < d.fmt->nb_streams; ++i)
    if (static_cast<int>(i) != d.index) d.fmt->streams[i]->discard = AVDISCARD_ALL;
  d.dec = ffmpeg::open_decoder(file, st, std::max(0, threads));
  d.budget = ffmpeg::packet_budget(file);
}

Decoder::~Decoder() = default;

const VideoInfo& Decoder::info() const { return impl_->info; }

void Decoder::Impl::check_size() const {
  const AVFrame* f = frame.get();
  if (f->width <= 0 || f->height <= 0 || f->width > kMaxSide || f->height > kMaxSide ||
      av_image_check_size(f->width, f->height, 0, nullptr) < 0)
    throw InputError(file, "decoded frame has an invalid size");
}

void Decoder::Impl::stamp(std::int64_t& index, double& time) {
  const double fallback = decoded == 0 ? info.start_time
                                       : last_time + (info.fps.num > 0 ? info.fps.den / double(info.fps.num) : 0.0);
  time = ffmpeg::ts_seconds(frame->best_effort_timestamp, tb, fallback);
  index = decoded++;
  last_time = time;
}

void Decoder::Impl::convert(Frame& out) {
  const AVFrame* f = frame.get();
  check_size();
  bool full = f->color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat src = unjpeg(static_cast<AVPixelFormat>(f->format), full);
  if (!sws || f->width != sws_w || f->height != sws_h || src != sws_fmt || f->colorspace != sws_cs ||
      int(full) != sws_range) {
    SwsContext* c = sws_getContext(f->width, f->height, src, f->width, f->height, AV_PIX_FMT_RGB24, SWS_BILINEAR,
                                   nullptr, nullptr, nullptr);
    if (!c) {
      const char* name = av_get_pix_fmt_name(src);
      throw InputError(file, std::string("cannot convert pixel format ") + (name ? name : "(unknown)") + " to RGB");
    }
    sws.reset(c);
    // Unspecified matrices fall back to BT.601, as FFmpeg's own tools do.
    sws_setColorspaceDetails(c, sws_getCoefficients(f->colorspace), full ? 1 : 0,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    sws_w = f->width;
    sws_h = f->height;
    sws_fmt = src;
    sws_cs = f->colorspace;
    sws_range = full;
  }
  out.width = f->width;
  out.height = f->height;
  // swscale's SIMD converters write up to a vector's width past the last pixel of a row: give them room.
  const std::size_t bytes = static_cast<std::size_t>(f->width) * f->height * 3;
  out.rgb.resize(bytes + kRowSlack);
  std::uint8_t* dst[4] = {out.rgb.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {f->width * 3, 0, 0, 0};
  const int rows = sws_scale(sws.get(), f->data, f->linesize, 0, f->height, dst, dst_stride);
  out.rgb.resize(bytes);  // keeps the capacity, so the next frame does not reallocate
  if (rows != f->height) throw InputError(file, "pixel conversion failed");
  stamp(out.index, out.time);
}

bool Decoder::next(Frame& out) {
  Impl& d = *impl_;
  if (!d.receive()) return false;
  d.convert(out);
  av_frame_unref(d.frame.get());
  return true;
}

bool Decoder::next(PlanarFrame& out) {
  Impl& d = *impl_;
  if (!d.receive()) return false;
  const AVFrame* f = d.frame.get();
  d.check_size();
  bool full = f->color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat fmt = unjpeg(static_cast<AVPixelFormat>(f->format), full);
  const bool planar = fmt == AV_PIX_FMT_YUV420P && f->linesize[0] > 0 && f->linesize[1] > 0 && f->linesize[2] > 0;
  out.rgb.clear();
  out.buffers.reset();
  for (int p = 0; p < 3; ++p) out.plane[p] = nullptr, out.stride[p] = 0;
  if (!planar) {
    Frame rgb;
    d.convert(rgb);
    av_frame_unref(d.frame.get());
    out.index = rgb.index;
    out.time = rgb.time;
    out.width = rgb.width;
    out.height = rgb.height;
    out.rgb = std::move(rgb.rgb);
    return true;
  }
  d.stamp(out.index, out.time);
  AVFrame* held = av_frame_alloc();
  if (!held) throw Error("out of memory");
  av_frame_move_ref(held, d.frame.get());
  out.buffers = std::shared_ptr<void>(held, [](void* p) {
    auto* fr = static_cast<AVFrame*>(p);
    av_frame_free(&fr);
  });
  out.width = held->width;
  out.height = held->height;
  for (int p = 0; p < 3; ++p) {
    out.plane[p] = held->data[p];
    out.stride[p] = held->linesize[p];
  }
  const int* table = sws_getCoefficients(held->colorspace);  // as convert() does
  std::copy(table, table + 4, out.coefficients);
  out.full_range = full;
  return true;
}

bool Decoder::Impl::receive() {
  Impl& d = *this;
  if (d.done) return false;
  for (;;) {
    int rc = avcodec_receive_frame(d.dec.get(), d.frame.get());
    if (rc == 0) return true;
    if (rc == AVERROR_EOF) {
      d.done = true;
      return false;
    }
    if (rc != AVERROR(EAGAIN))
      throw InputError(d.file, "corrupt video data after frame " + std::to_string(d.decoded) + ": " +
                                   ffmpeg::error_string(rc));
    if (d.flushing) {  // a decoder that neither outputs nor ends after flushing: treat as the end
      d.done = true;
      return false;
    }
    rc = av_read_frame(d.fmt.get(), d.packet.get());
    if (rc == AVERROR_EOF) {
      avcodec_send_packet(d.dec.get(), nullptr);
      d.flushing = true;
      continue;
    }
    if (rc < 0) throw InputError(d.file, "read error after frame " + std::to_string(d.decoded) + ": " +
                                             ffmpeg::error_string(rc));
    if (--d.budget < 0) throw InputError(d.file, "corrupt container: more packets than the file can hold");
    if (d.packet->stream_index == d.index) {
      rc = avcodec_send_packet(d.dec.get(), d.packet.get());
      av_packet_unref(d.packet.get());
      if (rc < 0 && rc != AVERROR(EAGAIN))
        throw InputError(d.file, "corrupt video data after frame " + std::to_string(d.decoded) + ": " +
                                     ffmpeg::error_string(rc));
    } else {
      av_packet_unref(d.packet.get());
    }
  }
}

// ------------------------------------------------------------------------------------------------
struct PrefetchDecoder::Impl {
  Decoder dec;
  size_t depth;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<PlanarFrame> queue;
  bool ended = false, stop = false;
  std::exception_ptr error;
  std::atomic<double> decode_ms{0.0};
  std::thread worker;

  Impl(const fs::path& file, int depth_, int threads) : dec(file, threads), depth(std::max(depth_, 1)) {}
  void run() {
    try {
      for (;;) {
        PlanarFrame f;
        const auto t0 = std::chrono::steady_clock::now();
        const bool ok = dec.next(f);
        decode_ms.store(decode_ms.load() +
                        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return stop || queue.size() < depth; });
        if (stop) return;
        if (!ok) {
          ended = true;
          cv.notify_all();
          return;
        }
        queue.push_back(std::move(f));
        cv.notify_all();
      }
    } catch (...) {
      std::lock_guard lk(mu);
      error = std::current_exception();
      ended = true;
      cv.notify_all();
    }
  }
};

PrefetchDecoder::PrefetchDecoder(const fs::path& file, int depth, int threads)
    : impl_(std::make_unique<Impl>(file, depth, threads)) {
  impl_->worker = std::thread([this] { impl_->run(); });
}

PrefetchDecoder::~PrefetchDecoder() {
  {
    std::lock_guard lk(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  impl_->worker.join();
}

const VideoInfo& PrefetchDecoder::info() const { return impl_->dec.info(); }

double PrefetchDecoder::decode_ms() const { return impl_->decode_ms.load(); }

bool PrefetchDecoder::next(PlanarFrame& out) {
  Impl& d = *impl_;
  std::unique_lock lk(d.mu);
  d.cv.wait(lk, [&] { return !d.queue.empty() || d.ended; });
  if (!d.queue.empty()) {
    out = std::move(d.queue.front());
    d.queue.pop_front();
    d.cv.notify_all();
    return true;
  }
  if (d.error) std::rethrow_exception(d.error);
  return false;
}

Frame read_image(const fs::path& file) {
  Decoder d(file, 1);
  Frame f;
  if (!d.next(f)) throw InputError(file, "no decodable image");
  return f;
}

// ------------------------------------------------------------------------------------------------
struct Encoder::Impl {
  EncoderOptions opt;
  AtomicFile out;
  AVFormatContext* oc = nullptr;
  ffmpeg::CodecPtr venc, aenc;
  AVStream* vst = nullptr;
  AVStream* ast = nullptr;
  SwsPtr sws;
  ffmpeg::FramePtr yuv = ffmpeg::make_frame();
  ffmpeg::FramePtr rgb = ffmpeg::make_frame();
  ffmpeg::FramePtr pcm = ffmpeg::make_frame();
  ffmpeg::PacketPtr packet = ffmpeg::make_packet();
  std::int64_t frames = 0;
  std::size_t audio_pos = 0;
  bool finished = false;
  std::string codec;

  explicit Impl(const fs::path& file, const EncoderOptions& o) : opt(o), out(file) {}
  ~Impl() {
    if (oc) {
      if (oc->pb) avio_closep(&oc->pb);
      avformat_free_context(oc);
    }
  }
  [[noreturn]] void fail(const std::string& what, int rc) const {
    throw Error(out.target().string() + ": cannot write video: " + what + (rc < 0 ? ": " + ffmpeg::error_string(rc) : ""));
  }
  void write_packets(AVCodecContext* enc, AVStream* st) {
    for (;;) {
      int rc = avcodec_receive_packet(enc, packet.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) fail("encoding failed", rc);
      av_packet_rescale_ts(packet.get(), enc->time_base, st->time_base);
      packet->stream_index = st->index;
      rc = av_interleaved_write_frame(oc, packet.get());
      if (rc < 0) fail("writing a packet failed", rc);
    }
  }
  // Encodes audio up to sample `until` (the whole track at the end).
  void push_audio(std::size_t until) {
    if (!aenc) return;
    const std::vector<float>& a = *opt.audio;
    until = std::min(until, a.size());
    const std::size_t fs = aenc->frame_size > 0 ? static_cast<std::size_t>(aenc->frame_size) : 1024;
    const bool last = until == a.size();
    while (audio_pos < until && (until - audio_pos >= fs || last)) {
      const std::size_t n = std::min(fs, until - audio_pos);
      av_frame_unref(pcm.get());
      pcm->nb_samples = static_cast<int>(n);
      pcm->format = aenc->sample_fmt;
      pcm->sample_rate = aenc->sample_rate;
      av_channel_layout_copy(&pcm->ch_layout, &aenc->ch_layout);
      int rc = av_frame_get_buffer(pcm.get(), 0);
      if (rc < 0) fail("audio buffer", rc);
      std::memcpy(pcm->data[0], a.data() + audio_pos, n * sizeof(float));
      pcm->pts = static_cast<std::int64_t>(audio_pos);
      audio_pos += n;
      rc = avcodec_send_frame(aenc.get(), pcm.get());
      if (rc < 0) fail("audio encoding failed", rc);
      write_packets(aenc.get(), ast);
    }
  }
};

Encoder::Encoder(const fs::path& file, const EncoderOptions& opt) {
  ffmpeg::init_logging();
  if (opt.width <= 0 || opt.height <= 0 || opt.width % 2 || opt.height % 2 || opt.width > kMaxSide ||
      opt.height > kMaxSide)
    throw Error(file.string() + ": cannot write video: size must be even and positive, got " +
                std::to_string(opt.width) + "x" + std::to_string(opt.height));
  if (opt.fps.num <= 0 || opt.fps.den <= 0 || opt.fps.num > INT32_MAX || opt.fps.den > INT32_MAX)
    throw Error(file.string() + ": cannot write video: invalid frame rate " + opt.fps.str());
  if (opt.audio && (opt.audio_rate <= 0 || opt.audio_rate > 384000))
    throw Error(file.string() + ": cannot write video: invalid audio rate " + std::to_string(opt.audio_rate));
  impl_ = std::make_unique<Impl>(file, opt);
  Impl& e = *impl_;

  int rc = avformat_alloc_output_context2(&e.oc, nullptr, "mp4", e.out.temp_path().c_str());
  if (rc < 0 || !e.oc) e.fail("no mp4 muxer", rc);

  // Video: H.264 through libx264, or MPEG-4 part 2 when FFmpeg was built without it.
  const AVCodec* vc = nullptr;
  if (opt.codec.empty()) {
    vc = avcodec_find_encoder_by_name("libx264");
    if (!vc) vc = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (!vc) e.fail("no H.264 or MPEG-4 encoder available", 0);
  } else if (opt.codec == "libx264" || opt.codec == "mpeg4") {
    vc = avcodec_find_encoder_by_name(opt.codec.c_str());
    if (!vc) e.fail("encoder " + opt.codec + " is not available", 0);
  } else {
    e.fail("unsupported encoder '" + opt.codec + "' (libx264 or mpeg4)", 0);
  }
  e.codec = vc->name;
  e.venc.reset(avcodec_alloc_context3(vc));
  AVCodecContext* v = e.venc.get();
  v->width = opt.width;
  v->height = opt.height;
  v->framerate = AVRational{static_cast<int>(opt.fps.num), static_cast<int>(opt.fps.den)};
  v->time_base = av_inv_q(v->framerate);
  v->pix_fmt = AV_PIX_FMT_YUV420P;
  v->gop_size = std::max(1, static_cast<int>(std::lround(2 * opt.fps.value())));
  v->color_range = AVCOL_RANGE_MPEG;
  v->colorspace = AVCOL_SPC_SMPTE170M;
  v->color_primaries = AVCOL_PRI_SMPTE170M;
  v->color_trc = AVCOL_TRC_SMPTE170M;
  v->thread_count = 0;
  if (e.oc->oformat->flags & AVFMT_GLOBALHEADER) v->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* vopts = nullptr;
  if (e.codec == "libx264") {
    av_dict_set_int(&vopts, "crf", std::clamp(opt.crf, 0, 51), 0);
    av_dict_set(&vopts, "preset", opt.preset.c_str(), 0);
  } else {
    v->flags |= AV_CODEC_FLAG_QSCALE;
    v->global_quality = FF_QP2LAMBDA * std::clamp(1 + opt.crf / 6, 2, 31);
  }
  rc = avcodec_open2(v, vc, &vopts);
  av_dict_free(&vopts);
  if (rc < 0) e.fail(std::string("cannot open the ") + vc->name + " encoder", rc);
  e.vst = avformat_new_stream(e.oc, nullptr);
  if (!e.vst) throw std::bad_alloc();
  e.vst->time_base = v->time_base;
  e.vst->avg_frame_rate = v->framerate;
  rc = avcodec_parameters_from_context(e.vst->codecpar, v);
  if (rc < 0) e.fail("stream parameters", rc);

  if (opt.audio) {
    const AVCodec* ac = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!ac) e.fail("no AAC encoder available", 0);
    e.aenc.reset(avcodec_alloc_context3(ac));
    AVCodecContext* a = e.aenc.get();
    a->sample_fmt = AV_SAMPLE_FMT_FLTP;
    a->sample_rate = opt.audio_rate;
    av_channel_layout_default(&a->ch_layout, 1);
    a->bit_rate = 128000;
    a->time_base = AVRational{1, opt.audio_rate};
    if (e.oc->oformat->flags & AVFMT_GLOBALHEADER) a->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    rc = avcodec_open2(a, ac, nullptr);
    if (rc < 0) e.fail("cannot open the AAC encoder", rc);
    e.ast = avformat_new_stream(e.oc, nullptr);
    if (!e.ast) throw std::bad_alloc();
    e.ast->time_base = a->time_base;
    rc = avcodec_parameters_from_context(e.ast->codecpar, a);
    if (rc < 0) e.fail("stream parameters", rc);
  }

  rc = avio_open(&e.oc->pb, e.out.temp_path().c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) e.fail("cannot open the output", rc);
  AVDictionary* mopts = nullptr;
  av_dict_set(&mopts, "movflags", "+faststart", 0);
  rc = avformat_write_header(e.oc, &mopts);
  av_dict_free(&mopts);
  if (rc < 0) e.fail("cannot write the header", rc);

  e.sws.reset(sws_getContext(opt.width, opt.height, AV_PIX_FMT_RGB24, opt.width, opt.height, AV_PIX_FMT_YUV420P,
                             SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
  if (!e.sws) e.fail("no RGB to YUV converter", 0);
  sws_setColorspaceDetails(e.sws.get(), sws_getCoefficients(SWS_CS_DEFAULT), 1, sws_getCoefficients(SWS_CS_ITU601),
                           0, 0, 1 << 16, 1 << 16);
  e.yuv->format = AV_PIX_FMT_YUV420P;
  e.yuv->width = opt.width;
  e.yuv->height = opt.height;
  rc = av_frame_get_buffer(e.yuv.get(), 0);
  if (rc < 0) e.fail("frame buffer", rc);
  e.rgb->format = AV_PIX_FMT_RGB24;
  e.rgb->width = opt.width;
  e.rgb->height = opt.height;
  rc = av_frame_get_buffer(e.rgb.get(), 0);
  if (rc < 0) e.fail("frame buffer", rc);
}

Encoder::~Encoder() = default;

const std::string& Encoder::codec() const { return impl_->codec; }

void Encoder::add_frame(const std::uint8_t* rgb) {
  Impl& e = *impl_;
  if (e.finished) throw Error(e.out.target().string() + ": add_frame after finish");
  int rc = av_frame_make_writable(e.yuv.get());
  if (rc < 0) e.fail("frame buffer", rc);
  // Copy into a padded frame first: swscale's vector loads read past the end of tightly packed rows.
  const int row = e.opt.width * 3;
  for (int y = 0; y < e.opt.height; ++y)
    std::memcpy(e.rgb->data[0] + static_cast<std::ptrdiff_t>(y) * e.rgb->linesize[0],
                rgb + static_cast<std::ptrdiff_t>(y) * row, static_cast<std::size_t>(row));
  sws_scale(e.sws.get(), e.rgb->data, e.rgb->linesize, 0, e.opt.height, e.yuv->data, e.yuv->linesize);
  e.yuv->pts = e.frames++;
  rc = avcodec_send_frame(e.venc.get(), e.yuv.get());
  if (rc < 0) e.fail("video encoding failed", rc);
  e.write_packets(e.venc.get(), e.vst);
  if (e.aenc) {
    const double t = static_cast<double>(e.frames) * e.opt.fps.den / static_cast<double>(e.opt.fps.num);
    e.push_audio(static_cast<std::size_t>(t * e.opt.audio_rate));
  }
}

void Encoder::finish() {
  Impl& e = *impl_;
  if (e.finished) return;
  if (e.aenc) {
    e.push_audio(e.opt.audio->size());
    int rc = avcodec_send_frame(e.aenc.get(), nullptr);
    if (rc < 0) e.fail("audio flush", rc);
    e.write_packets(e.aenc.get(), e.ast);
  }
  int rc = avcodec_send_frame(e.venc.get(), nullptr);
  if (rc < 0) e.fail("video flush", rc);
  e.write_packets(e.venc.get(), e.vst);
  rc = av_write_trailer(e.oc);
  if (rc < 0) e.fail("cannot write the trailer", rc);
  rc = avio_closep(&e.oc->pb);
  if (rc < 0) e.fail("cannot close the output", rc);
  e.out.commit();
  e.finished = true;
}

// ------------------------------------------------------------------------------------------------
void write_png(const fs::path& file, int width, int height, const std::uint8_t* rgb) {
  if (width <= 0 || height <= 0 || !rgb) throw Error(file.string() + ": cannot write PNG: empty image");
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = static_cast<png_uint_32>(width);
  img.height = static_cast<png_uint_32>(height);
  img.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  const png_int_32 stride = width * 3;
  if (!png_image_write_to_memory(&img, nullptr, &size, 0, rgb, stride, nullptr))
    throw Error(file.string() + ": cannot write PNG: " + img.message);
  std::string bytes(size, '\0');
  if (!png_image_write_to_memory(&img, bytes.data(), &size, 0, rgb, stride, nullptr))
    throw Error(file.string() + ": cannot write PNG: " + img.message);
  bytes.resize(size);
  write_file_atomic(file, bytes);
}

}  // namespace pv::video
