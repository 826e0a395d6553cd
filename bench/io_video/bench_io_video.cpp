// Video decode speed: pv::video::Decoder (threaded decode + RGB24 conversion) on a generated 720p
// H.264 clip, against baselines measured in the same run: the same decoder on one thread, and
// libavcodec decoding alone (no RGB conversion). Also the real 848x480 hand video when present.
#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <chrono>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <algorithm>

#include "io/video/video.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int kW = 1280, kH = 720, kFrames = 300;

// A 10-s 720p30 clip: a keyboard-like texture with camera-like temporal noise and a large bright
// shape sweeping across it (a few Mbit/s, like a real camera clip at CRF 23). Generated once into
// the temp directory.
fs::path clip_720p() {
  static fs::path path;
  if (!path.empty()) return path;
  path = fs::temp_directory_path() / "pv_bench_io_video_720p30_v3.mp4";
  if (fs::exists(path)) return path;
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> grain(-12, 12);
  std::vector<std::uint8_t> background(static_cast<std::size_t>(kW) * kH * 3);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      for (int c = 0; c < 3; ++c) {
        const bool black_key = (x / 20) % 7 != 2 && (x / 20) % 7 != 6 && y < kH / 2 && (x % 20) > 6;
        const int base = black_key ? 30 : 200 - c * 10;
        background[(static_cast<std::size_t>(y) * kW + x) * 3 + c] = static_cast<std::uint8_t>(
            std::clamp(base + grain(rng), 0, 255));
      }
  pv::video::EncoderOptions opt;
  opt.width = kW;
  opt.height = kH;
  opt.fps = {30, 1};
  opt.crf = 23;
  pv::video::Encoder enc(path, opt);
  // Temporal noise: each frame adds a window of one precomputed noise field at a random offset.
  std::vector<std::int8_t> noise(background.size() + (1 << 20));
  std::uniform_int_distribution<int> small(-10, 10);
  for (auto& v : noise) v = static_cast<std::int8_t>(small(rng));
  std::uniform_int_distribution<std::size_t> offset(0, (1 << 20) - 1);
  std::vector<std::uint8_t> frame(background.size());
  for (int i = 0; i < kFrames; ++i) {
    const std::int8_t* n = noise.data() + offset(rng);
    for (std::size_t k = 0; k < frame.size(); ++k)
      frame[k] = static_cast<std::uint8_t>(std::clamp(background[k] + n[k], 0, 255));
    const double cx = 100 + 1000.0 * i / kFrames, cy = 360 + 120 * std::sin(i * 0.1);
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x) {
        const double d = std::hypot(x - cx, (y - cy) * 1.5);
        if (d < 140) {
          std::uint8_t* p = &frame[(static_cast<std::size_t>(y) * kW + x) * 3];
          p[0] = static_cast<std::uint8_t>(std::min(255.0, 180 + d * 0.5));
          p[1] = static_cast<std::uint8_t>(120 + static_cast<int>(d) % 40);
          p[2] = 90;
        }
      }
    enc.add_frame(frame.data());
  }
  enc.finish();
  std::fprintf(stderr, "generated %s (%s, %.0f kbit/s)\n", path.c_str(), enc.codec().c_str(),
               fs::file_size(path) * 8.0 / 1000.0 / (kFrames / 30.0));
  return path;
}

std::map<std::string, double> g_fps, g_cpu_ms;

// CPU time of the whole process (all decoder threads), seconds.
double cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

void record(benchmark::State& state, const std::string& key, std::int64_t frames, double seconds, double cpu) {
  state.counters["fps"] = benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  g_fps[key] = seconds > 0 ? static_cast<double>(frames) / seconds : 0.0;
  g_cpu_ms[key] = frames > 0 ? 1000.0 * cpu / static_cast<double>(frames) : 0.0;
  state.counters["cpu_ms_per_frame"] = g_cpu_ms[key];
}

void decode_rgb(benchmark::State& state, const fs::path& file, int threads, const std::string& key) {
  std::int64_t frames = 0;
  const double t0 = now_s(), c0 = cpu_s();
  for (auto _ : state) {
    pv::video::Decoder dec(file, threads);
    pv::video::Frame f;
    while (dec.next(f)) {
      benchmark::DoNotOptimize(f.rgb.data());
      ++frames;
    }
  }
  record(state, key, frames, now_s() - t0, cpu_s() - c0);
}

void BM_Decode720pRgb_Auto(benchmark::State& state) { decode_rgb(state, clip_720p(), 0, "720p rgb auto"); }
void BM_Decode720pRgb_OneThread(benchmark::State& state) { decode_rgb(state, clip_720p(), 1, "720p rgb 1 thread"); }

// Baseline: libavcodec alone (same threading, no conversion to RGB).
void BM_Decode720pYuvOnly_Auto(benchmark::State& state) {
  const fs::path file = clip_720p();
  std::int64_t frames = 0;
  const double t0 = now_s(), c0 = cpu_s();
  for (auto _ : state) {
    AVFormatContext* fmt = nullptr;
    if (avformat_open_input(&fmt, file.c_str(), nullptr, nullptr) < 0) state.SkipWithError("open");
    avformat_find_stream_info(fmt, nullptr);
    const int index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    const AVCodec* codec = avcodec_find_decoder(fmt->streams[index]->codecpar->codec_id);
    AVCodecContext* ctx = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(ctx, fmt->streams[index]->codecpar);
    ctx->thread_count = 0;
    ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    avcodec_open2(ctx, codec, nullptr);
    AVPacket* pkt = av_packet_alloc();
    AVFrame* frame = av_frame_alloc();
    auto drain = [&] {
      while (avcodec_receive_frame(ctx, frame) == 0) {
        ++frames;
        av_frame_unref(frame);
      }
    };
    while (av_read_frame(fmt, pkt) >= 0) {
      if (pkt->stream_index == index) avcodec_send_packet(ctx, pkt);
      av_packet_unref(pkt);
      drain();
    }
    avcodec_send_packet(ctx, nullptr);
    drain();
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
    avformat_close_input(&fmt);
  }
  record(state, "720p yuv only auto", frames, now_s() - t0, cpu_s() - c0);
}

void BM_DecodeHandVideoRgb_Auto(benchmark::State& state) {
  const fs::path file = fs::path(PV_SHARED_DATA) / "hand-video/9.senfoni_righthand_sena.mp4";
  if (!fs::exists(file)) {
    state.SkipWithError("real data not present");
    for (auto _ : state) {
    }
    return;
  }
  decode_rgb(state, file, 0, "848x480 real rgb auto");
}

}  // namespace

BENCHMARK(BM_Decode720pYuvOnly_Auto)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_Decode720pRgb_OneThread)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_Decode720pRgb_Auto)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_DecodeHandVideoRgb_Auto)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  clip_720p();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const unsigned cores = std::thread::hardware_concurrency();
  std::printf("\n%-24s %10s %18s %26s\n", "decode", "fps", "cpu ms/frame", "fps if all cores were idle");
  for (const auto& [key, fps] : g_fps)
    std::printf("%-24s %10.1f %18.2f %26.1f\n", key.c_str(), fps, g_cpu_ms[key],
                g_cpu_ms[key] > 0 ? cores * 1000.0 / g_cpu_ms[key] : 0.0);
  auto show = [](const char* what, const std::string& a, const std::string& b) {
    if (g_fps.count(a) && g_fps.count(b) && g_fps[b] > 0)
      std::printf("%-52s %8.1f fps vs %8.1f fps  ratio %.2f\n", what, g_fps[a], g_fps[b], g_fps[a] / g_fps[b]);
  };
  std::printf("\nhardware threads: %u, load average now: see the header above\n", cores);
  show("720p RGB decode, auto threads vs one thread:", "720p rgb auto", "720p rgb 1 thread");
  show("720p RGB decode vs libavcodec alone (YUV):", "720p rgb auto", "720p yuv only auto");
  if (g_fps.count("720p rgb auto"))
    std::printf("target 300 fps for 720p H.264 -> RGB: %s\n", g_fps["720p rgb auto"] >= 300 ? "met" : "NOT met");
  return 0;
}
