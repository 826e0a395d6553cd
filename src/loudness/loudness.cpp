#include "loudness/loudness.hpp"

#include <ebur128.h>
#include <sndfile.h>

#include <algorithm>
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

std::size_t steps_of(int rate) { return static_cast<std::size_t>((rate + 5) / 10); }

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

// BS.1770 weights by channel role: L, R, C 1.0; surround 1.41; LFE (and unknown extras) left out.
void set_roles(ebur128_state* st, const std::vector<audio::ChannelRole>& roles) {
  for (std::size_t c = 0; c < roles.size(); ++c) {
    int ch = EBUR128_UNUSED;
    switch (roles[c]) {
      case audio::ChannelRole::Left: ch = EBUR128_LEFT; break;
      case audio::ChannelRole::Right: ch = EBUR128_RIGHT; break;
      case audio::ChannelRole::Center: ch = EBUR128_CENTER; break;
      case audio::ChannelRole::LeftSurround: ch = EBUR128_LEFT_SURROUND; break;
      case audio::ChannelRole::RightSurround: ch = EBUR128_RIGHT_SURROUND; break;
      case audio::ChannelRole::Lfe: ch = EBUR128_UNUSED; break;
      case audio::ChannelRole::Other: ch = roles.size() <= 2 ? EBUR128_LEFT : EBUR128_UNUSED; break;
    }
    ebur128_set_channel(st, static_cast<unsigned>(c), ch);
  }
}

// Frames are fed in 100 ms steps; after each step, once 3 s have been seen, the short-term loudness
// (3 s window) is kept for the loudness range: 10 values per second, as FFmpeg's ebur128 filter
// does (libebur128's own ebur128_loudness_range takes one 3 s block per second, which on short or
// sparse material can differ from the 10 Hz figure by more than 1 LU).
struct Meter {
  Meter(ebur128_state* s, std::size_t frames_per_step) : st(s), step(frames_per_step) {}
  ebur128_state* st;
  std::size_t step;          // frames per 100 ms
  std::size_t in_step = 0;   // frames of the current step already added
  std::size_t total = 0;
  std::vector<double> short_term;
};

void add(Meter& m, const float* data, std::size_t frames, int channels) {
  while (frames > 0) {
    const std::size_t n = std::min(frames, m.step - m.in_step);
    if (ebur128_add_frames_float(m.st, data, n) != EBUR128_SUCCESS)
      throw Error("loudness: libebur128 failed to add frames");
    data += n * static_cast<std::size_t>(channels);
    frames -= n;
    m.in_step += n;
    m.total += n;
    if (m.in_step == m.step) {
      m.in_step = 0;
      if (m.total >= 30 * m.step) {  // the first full 3 s window
        double v = 0;
        if (ebur128_loudness_shortterm(m.st, &v) != EBUR128_SUCCESS) throw Error("loudness: short-term loudness failed");
        m.short_term.push_back(v);
      }
    }
  }
}

// EBU Tech 3342 loudness range from short-term values: absolute gate -70 LUFS, relative gate 20 LU
// below the power mean of the values above it, then the 95th minus the 10th percentile.
double loudness_range(const std::vector<double>& st) {
  std::vector<double> v;
  double power = 0;
  for (double l : st)
    if (std::isfinite(l) && l >= -70.0) {
      v.push_back(l);
      power += std::pow(10.0, l / 10.0);
    }
  if (v.empty()) return 0.0;
  const double gate = 10.0 * std::log10(power / static_cast<double>(v.size())) - 20.0;
  std::vector<double> g;
  for (double l : v)
    if (l >= gate) g.push_back(l);
  if (g.size() < 2) return 0.0;
  std::sort(g.begin(), g.end());
  // Nearest rank below: the value with floor(q * n) values under it.
  auto pct = [&](double q) { return g[std::min(g.size() - 1, static_cast<std::size_t>(q * static_cast<double>(g.size())))]; };
  return pct(0.95) - pct(0.10);
}

Measurement finish(ebur128_state* st, int channels, int rate, std::size_t frames, const std::vector<double>& short_term) {
  Measurement m;
  m.channels = channels;
  m.sample_rate = rate;
  m.duration_s = static_cast<double>(frames) / rate;
  double v = 0.0;
  if (ebur128_loudness_global(st, &v) != EBUR128_SUCCESS) throw Error("loudness: integrated loudness failed");
  m.integrated_lufs = std::isfinite(v) ? v : kNegInf;
  m.range_lu = loudness_range(short_term);
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
  Meter meter(st.get(), steps_of(rate));
  add(meter, interleaved.data(), frames, channels);
  return finish(st.get(), channels, rate, frames, meter.short_term);
}

Measurement measure_file(const fs::path& file) {
  if (!fs::exists(file)) throw InputError(file, "no such file");
  SF_INFO info;
  SfPtr f = open_read(file, info);
  if (!f) {
    // Not a libsndfile format (e.g. a video's audio track): every channel through FFmpeg, each
    // weighted by its role in the stream's channel layout.
    const audio::Channels a = audio::read_channels(file);
    const int ch = a.signal.channels;
    if (a.signal.samples.empty()) throw InputError(file, "no audio samples");
    try {
      State st = make_state(ch, a.signal.sample_rate);
      set_roles(st.get(), a.roles);
      const std::size_t frames = a.signal.samples.size() / static_cast<std::size_t>(ch);
      Meter meter(st.get(), steps_of(a.signal.sample_rate));
      add(meter, a.signal.samples.data(), frames, ch);
      Measurement m = finish(st.get(), ch, a.signal.sample_rate, frames, meter.short_term);
      m.source_channels = ch;
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
  Meter meter(st.get(), steps_of(info.samplerate));
  Progress progress("loudness " + file.filename().string(), info.frames);
  for (;;) {
    const sf_count_t got = sf_readf_float(f.get(), buf.data(), kBlock);
    if (got <= 0) break;
    add(meter, buf.data(), static_cast<std::size_t>(got), info.channels);
    total += static_cast<std::size_t>(got);
    progress.update(static_cast<std::int64_t>(total));
  }
  progress.finish();
  if (sf_error(f.get()) != SF_ERR_NO_ERROR) throw InputError(file, std::string("read error: ") + sf_strerror(f.get()));
  if (total == 0) throw InputError(file, "no audio samples");
  Measurement m = finish(st.get(), info.channels, info.samplerate, total, meter.short_term);
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
