#include "loudness/loudness.hpp"

#include <ebur128.h>
#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "io/audio/audio.hpp"

namespace pv::loudness {
namespace fs = std::filesystem;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double to_db(double amplitude) { return amplitude > 0.0 ? 20.0 * std::log10(amplitude) : kNegInf; }

struct StateDeleter {
  void operator()(ebur128_state* s) const { ebur128_destroy(&s); }
};
using State = std::unique_ptr<ebur128_state, StateDeleter>;

State make_state(int channels, int rate) {
  if (channels < 1 || channels > 64) throw Error("loudness: unsupported channel count " + std::to_string(channels));
  if (rate < 8000 || rate > 768000) throw Error("loudness: unsupported sample rate " + std::to_string(rate));
  State st(ebur128_init(static_cast<unsigned>(channels), static_cast<unsigned long>(rate),
                        EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK));
  if (!st) throw Error("loudness: libebur128 initialisation failed");
  // WAV 5.1 order is L R C LFE Ls Rs: the LFE channel does not count (BS.1770).
  if (channels == 6) {
    ebur128_set_channel(st.get(), 3, EBUR128_UNUSED);
    ebur128_set_channel(st.get(), 4, EBUR128_LEFT_SURROUND);
    ebur128_set_channel(st.get(), 5, EBUR128_RIGHT_SURROUND);
  }
  return st;
}

void add(ebur128_state* st, const float* data, std::size_t frames) {
  if (frames && ebur128_add_frames_float(st, data, frames) != EBUR128_SUCCESS)
    throw Error("loudness: libebur128 failed to add frames");
}

Measurement finish(ebur128_state* st, int channels, int rate, std::size_t frames) {
  Measurement m;
  m.channels = channels;
  m.sample_rate = rate;
  m.duration_s = static_cast<double>(frames) / rate;
  double v = 0.0;
  if (ebur128_loudness_global(st, &v) != EBUR128_SUCCESS) throw Error("loudness: integrated loudness failed");
  m.integrated_lufs = std::isfinite(v) ? v : kNegInf;
  if (ebur128_loudness_range(st, &v) != EBUR128_SUCCESS) throw Error("loudness: loudness range failed");
  m.range_lu = std::isfinite(v) ? v : 0.0;
  double tp = 0.0, sp = 0.0;
  for (int c = 0; c < channels; ++c) {
    double p = 0.0;
    if (ebur128_true_peak(st, static_cast<unsigned>(c), &p) != EBUR128_SUCCESS) throw Error("loudness: true peak failed");
    tp = std::max(tp, p);
    if (ebur128_sample_peak(st, static_cast<unsigned>(c), &p) != EBUR128_SUCCESS) throw Error("loudness: sample peak failed");
    sp = std::max(sp, p);
  }
  m.true_peak_dbtp = to_db(tp);
  m.sample_peak_dbfs = to_db(sp);
  return m;
}

struct SfCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SfPtr = std::unique_ptr<SNDFILE, SfCloser>;

SfPtr open_read(const fs::path& file, SF_INFO& info) {
  info = SF_INFO{};
  return SfPtr(sf_open(file.c_str(), SFM_READ, &info));
}

constexpr sf_count_t kBlock = 1 << 15;  // frames per streamed block

}  // namespace

bool Measurement::silent() const { return !std::isfinite(integrated_lufs); }

std::string format_db(double v, int decimals) {
  if (!std::isfinite(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

Measurement measure(std::span<const float> interleaved, int channels, int rate) {
  State st = make_state(channels, rate);
  if (interleaved.size() % static_cast<std::size_t>(channels) != 0)
    throw Error("loudness: sample count is not a multiple of the channel count");
  const std::size_t frames = interleaved.size() / static_cast<std::size_t>(channels);
  add(st.get(), interleaved.data(), frames);
  return finish(st.get(), channels, rate, frames);
}

Measurement measure_file(const fs::path& file) {
  if (!fs::exists(file)) throw InputError(file, "no such file");
  SF_INFO info;
  SfPtr f = open_read(file, info);
  if (!f) {
    // Not a libsndfile format (e.g. a video's audio track): decode to mono through FFmpeg.
    const audio::Signal s = audio::read_mono(file);
    try {
      Measurement m = measure(s.samples, 1, s.sample_rate);
      m.source_channels = audio::probe(file).channels;
      return m;
    } catch (const InputError&) {
      throw;
    } catch (const Error& e) {
      throw InputError(file, e.what());
    }
  }
  State st;
  try {
    st = make_state(info.channels, info.samplerate);
  } catch (const Error& e) {
    throw InputError(file, e.what());
  }
  std::vector<float> buf(static_cast<std::size_t>(kBlock * info.channels));
  std::size_t total = 0;
  Progress progress("loudness " + file.filename().string(), info.frames);
  for (;;) {
    const sf_count_t got = sf_readf_float(f.get(), buf.data(), kBlock);
    if (got <= 0) break;
    add(st.get(), buf.data(), static_cast<std::size_t>(got));
    total += static_cast<std::size_t>(got);
    progress.update(static_cast<std::int64_t>(total));
  }
  progress.finish();
  if (sf_error(f.get()) != SF_ERR_NO_ERROR) throw InputError(file, std::string("read error: ") + sf_strerror(f.get()));
  if (total == 0) throw InputError(file, "no audio samples");
  Measurement m = finish(st.get(), info.channels, info.samplerate, total);
  m.source_channels = info.channels;
  return m;
}

Measurement apply_gain(const fs::path& in, const fs::path& out, double gain_db) {
  if (!std::isfinite(gain_db)) throw Error("loudness: gain is not finite");
  SF_INFO info;
  SfPtr f = open_read(in, info);
  if (!f) throw InputError(in, std::string("cannot open as audio: ") + sf_strerror(nullptr));
  fs::create_directories(out.parent_path().empty() ? fs::path(".") : out.parent_path());
  AtomicFile af(out);
  SF_INFO oinfo{};
  oinfo.samplerate = info.samplerate;
  oinfo.channels = info.channels;
  oinfo.format = info.format;
  {
    SfPtr o(sf_open(af.temp_path().c_str(), SFM_WRITE, &oinfo));
    if (!o) throw Error(out.string() + ": cannot write: " + sf_strerror(nullptr));
    // Integer formats: clip at full scale rather than wrap (the true-peak guard keeps us below).
    sf_command(o.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
    const auto g = static_cast<float>(std::pow(10.0, gain_db / 20.0));
    std::vector<float> buf(static_cast<std::size_t>(kBlock * info.channels));
    for (;;) {
      const sf_count_t got = sf_readf_float(f.get(), buf.data(), kBlock);
      if (got <= 0) break;
      for (std::size_t i = 0; i < static_cast<std::size_t>(got * info.channels); ++i) buf[i] *= g;
      if (sf_writef_float(o.get(), buf.data(), got) != got)
        throw Error(out.string() + ": write failed: " + sf_strerror(o.get()));
    }
    if (sf_error(f.get()) != SF_ERR_NO_ERROR) throw InputError(in, std::string("read error: ") + sf_strerror(f.get()));
  }
  af.commit();
  return measure_file(out);
}

}  // namespace pv::loudness
