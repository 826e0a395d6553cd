// pianovam augment noise|reverb: degradations for robustness experiments.
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "core/error.hpp"
#include "io/audio/audio.hpp"
#include "transcribe/augment.hpp"

namespace {

struct AugmentOpts {
  std::string kind, input, output, ir, format = "float", delay = "onset";
  double snr = 0.0, peak = 1.0;
  std::uint64_t seed = 0;
  int rate = 0;
  bool snr_set = false, json = false, keep_tail = false;
};

pv::audio::WavFormat wav_format(const std::string& f) {
  if (f == "pcm16") return pv::audio::WavFormat::Pcm16;
  if (f == "pcm24") return pv::audio::WavFormat::Pcm24;
  return pv::audio::WavFormat::Float32;
}

int run_augment(const AugmentOpts& o) {
  pv::audio::Signal in = pv::audio::read_mono(o.input, o.rate);
  if (in.samples.empty()) throw pv::InputError(o.input, "no audio samples");
  pv::audio::Signal out;
  out.sample_rate = in.sample_rate;
  nlohmann::ordered_json j = {{"kind", o.kind}, {"input", o.input}, {"output", o.output},
                              {"sample_rate", in.sample_rate}, {"format", o.format}};
  if (o.kind == "noise") {
    if (!o.snr_set) throw pv::UsageError("noise needs --snr DB");
    if (!o.ir.empty()) throw pv::UsageError("--ir belongs to reverb");
    try {
      out.samples = pv::transcribe::add_noise(in.samples, o.snr, o.seed);
    } catch (const pv::InputError&) {
      throw;
    } catch (const pv::Error& e) {
      throw pv::InputError(o.input, e.what());
    }
    double measured = pv::transcribe::measured_snr_db(in.samples, out.samples);
    // Integer PCM cannot hold |x| > 1: scale signal and noise together (the SNR is unchanged).
    double gain = 1.0, peak = 0.0;
    for (float v : out.samples) peak = std::max(peak, static_cast<double>(std::abs(v)));
    if (o.format != "float" && peak > 1.0) {
      gain = 1.0 / peak;
      for (auto& v : out.samples) v = static_cast<float>(v * gain);
    }
    j["snr_db"] = o.snr;
    j["measured_snr_db"] = measured;
    j["seed"] = o.seed;
    j["gain"] = gain;
  } else {
    if (o.ir.empty()) throw pv::UsageError("reverb needs --ir IR.wav");
    if (o.snr_set) throw pv::UsageError("--snr belongs to noise");
    pv::audio::Signal ir = pv::audio::read_mono(o.ir, in.sample_rate);  // resampled to the input's rate
    pv::transcribe::ReverbOptions ro;
    ro.delay = o.delay == "peak" ? pv::transcribe::DelayMode::Peak
               : o.delay == "none" ? pv::transcribe::DelayMode::None
                                   : pv::transcribe::DelayMode::Onset;
    ro.keep_tail = o.keep_tail;
    ro.peak = o.peak;
    pv::transcribe::ReverbResult r;
    try {
      r = pv::transcribe::reverb(in.samples, ir.samples, ro);
    } catch (const pv::InputError&) {
      throw;
    } catch (const pv::Error& e) {
      throw pv::InputError(o.ir, e.what());
    }
    out.samples = std::move(r.samples);
    j["ir"] = o.ir;
    j["delay_mode"] = o.delay;
    j["delay_samples"] = r.delay;
    j["delay_s"] = static_cast<double>(r.delay) / in.sample_rate;
    j["gain"] = r.gain;
  }
  pv::audio::write_wav(o.output, out, wav_format(o.format));
  j["duration_s"] = out.duration();
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
  } else if (o.kind == "noise") {
    std::printf("%s -> %s: Gaussian noise at %.3f dB SNR (measured %.6f dB), seed %llu\n", o.input.c_str(),
                o.output.c_str(), o.snr, j["measured_snr_db"].get<double>(),
                static_cast<unsigned long long>(o.seed));
  } else {
    std::printf("%s -> %s: reverb with %s, delay %zu samples removed, gain %.4f\n", o.input.c_str(), o.output.c_str(),
                o.ir.c_str(), j["delay_samples"].get<std::size_t>(), j["gain"].get<double>());
  }
  return 0;
}

pv::cli::Verb reg{"augment", 72, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "augment",
      "Degrade audio for robustness experiments: 'noise' adds seeded Gaussian noise at an exact SNR; 'reverb' "
      "convolves with a measured impulse response (FFT, resampled to the input's rate), removes the IR's delay "
      "and peak-normalizes");
  auto o = std::make_shared<AugmentOpts>();
  cmd->add_option("kind", o->kind, "noise | reverb")->required()->check(CLI::IsMember({"noise", "reverb"}));
  cmd->add_option("input", o->input, "Input audio (mixed to mono)")->required();
  cmd->add_option("-o,--output", o->output, "Output WAV (written atomically)")->required();
  cmd->add_option("--snr", o->snr, "noise: signal-to-noise ratio in dB")->each([o](const std::string&) {
    o->snr_set = true;
  });
  cmd->add_option("--seed", o->seed, "noise: random seed")->capture_default_str();
  cmd->add_option("--ir", o->ir, "reverb: impulse response WAV");
  cmd->add_option("--delay", o->delay,
                  "reverb: delay removed: onset (first sample at half the IR's peak; default), peak (the IR's peak "
                  "index, as the reference), none")
      ->check(CLI::IsMember({"onset", "peak", "none"}))
      ->capture_default_str();
  cmd->add_flag("--tail", o->keep_tail, "reverb: keep the reverberant tail (default: the input's length)");
  cmd->add_option("--peak", o->peak, "reverb: peak-normalize to this level (0: off)")->capture_default_str();
  cmd->add_option("--rate", o->rate, "Resample the input to this rate first (soxr); 0 keeps it")
      ->capture_default_str();
  cmd->add_option("--format", o->format, "float | pcm16 | pcm24")
      ->check(CLI::IsMember({"float", "pcm16", "pcm24"}))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  return [o]() { return run_augment(*o); };
}};

}  // namespace
