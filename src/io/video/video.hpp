#pragma once
// Video I/O with FFmpeg (libavformat/libavcodec/libswscale): probe, sequential decode to RGB24 with
// exact timestamps, and an encoder (H.264 + optional AAC audio track) for demos and overlays.
// Frame i covers [t_i, t_{i+1}); its centre is the frame time (see core/time_base.hpp).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/time_base.hpp"

namespace pv::video {

struct VideoInfo {
  int width = 0, height = 0;
  // Frame rate: the stream's nominal r_frame_rate when its average (avg_frame_rate) agrees to within
  // timestamp rounding (e.g. 30/1 for an avg of 30060000/1001849), else the average.
  Rational fps;
  std::int64_t frame_count = 0;  // container's count, else counted from packets (Matroska); images: 1
  double duration = 0.0;      // seconds
  double start_time = 0.0;    // presentation time of the first frame
  std::string codec;
  bool has_audio = false;
  FrameTimeBase time_base() const { return FrameTimeBase{fps, start_time}; }
};

struct Frame {
  std::int64_t index = 0;  // 0-based decode order
  double time = 0.0;       // presentation time (seconds), t_i = best_effort_timestamp x time base
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width*height*3, row-major
};

VideoInfo probe(const std::filesystem::path& file);  // throws pv::InputError

// A decoded frame without colour conversion: 8-bit planar 4:2:0 Y, U, V as the decoder wrote them, with the
// matrix and range that Decoder::next(Frame&) converts them with (swscale's coefficients, so that a consumer can
// reproduce that RGB exactly). Frames in any other pixel format come converted to RGB24 in `rgb` (planes null).
// Holds a reference to the decoder's buffers: it stays valid after later next() calls and may be handed to
// another thread (no pixel copy).
struct PlanarFrame {
  std::int64_t index = 0;
  double time = 0.0;
  int width = 0, height = 0;
  const std::uint8_t* plane[3] = {nullptr, nullptr, nullptr};  // Y, U (Cb), V (Cr); chroma at half size
  int stride[3] = {0, 0, 0};                                    // bytes per row
  // swscale's YUV->RGB table entry for the frame's colour space (sws_getCoefficients: crv, cbu, cgu, cgv in
  // 16.16 fixed point, for limited-range input).
  int coefficients[4] = {104597, 132201, 25675, 53279};
  bool full_range = false;
  std::vector<std::uint8_t> rgb;   // width*height*3 when the format is not planar YUV
  std::shared_ptr<void> buffers;   // the decoder's frame, kept alive
  bool planar() const { return plane[0] != nullptr; }
};

// Sequential decoder. Images (JPEG/PNG) are read as a one-frame video. Colour: the stream's matrix
// and range (BT.601 when unspecified, as FFmpeg's tools do) to full-range RGB24. Work is bounded by
// the file size (corrupt indexes cannot make it loop). FFmpeg's own log is lowered to fatal errors
// (PV_FFMPEG_LOG=error|warning|info|debug shows more).
class Decoder {
 public:
  // threads: decoder threads (0 = one per core, automatic).
  explicit Decoder(const std::filesystem::path& file, int threads = 0);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  const VideoInfo& info() const;
  // Decodes the next frame into `out`; false at end of stream. Throws pv::InputError on corrupt data.
  bool next(Frame& out);
  // The next frame without the RGB conversion when it is 8-bit 4:2:0 (else as RGB); false at end of stream.
  bool next(PlanarFrame& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A Decoder on its own thread, up to `depth` frames ahead of the caller (frames are handed over by reference,
// not copied), so that decoding overlaps the caller's work. Opening errors throw from the constructor; decoding
// errors are rethrown by next().
class PrefetchDecoder {
 public:
  explicit PrefetchDecoder(const std::filesystem::path& file, int depth = 3, int threads = 1);
  ~PrefetchDecoder();
  PrefetchDecoder(const PrefetchDecoder&) = delete;
  PrefetchDecoder& operator=(const PrefetchDecoder&) = delete;
  const VideoInfo& info() const;
  bool next(PlanarFrame& out);  // false at end of stream
  double decode_ms() const;     // time the decoding thread spent in Decoder::next so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a still image (JPEG/PNG/...) as RGB.
Frame read_image(const std::filesystem::path& file);

struct EncoderOptions {
  int width = 1280, height = 720;
  Rational fps{60, 1};
  int crf = 23;                    // x264 constant rate factor (mapped to a quantiser for the mpeg4 fallback)
  std::string preset = "veryfast";  // x264 preset
  std::string codec;                // "" = libx264 when FFmpeg has it, else "mpeg4"; or name one of them
  // Optional mono audio track (AAC), muxed into the file. The vector must outlive finish().
  int audio_rate = 0;
  const std::vector<float>* audio = nullptr;
};
// Sequential H.264 MP4 encoder; written atomically (temp + rename at finish()).
class Encoder {
 public:
  Encoder(const std::filesystem::path& file, const EncoderOptions& opt);
  ~Encoder();
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;
  void add_frame(const std::uint8_t* rgb);  // width*height*3
  void finish();
  const std::string& codec() const;  // "libx264", or "mpeg4" when libx264 is unavailable

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes one RGB image as PNG (atomic).
void write_png(const std::filesystem::path& file, int width, int height, const std::uint8_t* rgb);

}  // namespace pv::video
