#pragma once
// Helpers for loudness tests: generated signals, FFmpeg's ebur128 filter as the reference meter.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace ltest {

struct FfmpegLoudness {
  double integrated = 0, range = 0, true_peak = 0;
};

inline bool have_ffmpeg() { return std::system("ffmpeg -version >/dev/null 2>&1") == 0; }

// Runs `ffmpeg -nostats -i F -af ebur128=peak=true -f null -` and parses its summary.
inline std::optional<FfmpegLoudness> ffmpeg_ebur128(const std::filesystem::path& f) {
  const std::string cmd = "ffmpeg -hide_banner -nostats -i \"" + f.string() + "\" -af ebur128=peak=true -f null - 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  const auto summary = out.rfind("Summary:");
  if (summary == std::string::npos) return std::nullopt;
  const std::string s = out.substr(summary);
  auto grab = [&](const std::string& key) -> std::optional<double> {
    std::smatch m;
    if (!std::regex_search(s, m, std::regex(key + R"(\s*(-?[0-9.]+|-inf))"))) return std::nullopt;
    return m[1] == "-inf" ? -INFINITY : std::stod(m[1]);
  };
  const auto i = grab("I:"), lra = grab("LRA:"), tp = grab("Peak:");
  if (!i || !lra || !tp) return std::nullopt;
  return FfmpegLoudness{*i, *lra, *tp};
}

// Piano-like material with dynamics: decaying partials at Poisson onsets, a crescendo over the file.
inline std::vector<float> dynamic_tones(double seconds, int rate, unsigned seed, double level) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> out(static_cast<std::size_t>(seconds * rate), 0.0f);
  for (double t = 0.1; t < seconds; t += 0.05 + 0.3 * u(rng)) {
    const double f0 = 55.0 * std::pow(2.0, 5.0 * u(rng));
    const double amp = level * (0.2 + 0.8 * t / seconds) * (0.3 + 0.7 * u(rng));
    const auto start = static_cast<std::size_t>(t * rate);
    const auto len = std::min(out.size() - start, static_cast<std::size_t>(1.5 * rate));
    for (int h = 1; h <= 6 && f0 * h < 0.45 * rate; ++h)
      for (std::size_t i = 0; i < len; ++i) {
        const double ti = static_cast<double>(i) / rate;
        out[start + i] += static_cast<float>(amp / h * std::exp(-3.0 * ti) * std::sin(2 * M_PI * f0 * h * ti));
      }
  }
  return out;
}

}  // namespace ltest
