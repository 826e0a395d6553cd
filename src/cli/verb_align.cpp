// pianovam align --audio A.wav --midi M.mid -o aligned.mid [--tsv T] [--report R] [--plots DIR]:
// fine audio–MIDI alignment over the whole recording (CQT + multiscale banded DTW), every note and
// pedal event moved onto the audio's clock.
#include <cstdio>
#include <memory>
#include <utility>
#include <nlohmann/json.hpp>

#include "align/align.hpp"
#include "align/plot.hpp"
#include "cli/verb.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/pedal_rule.hpp"
#include "core/progress.hpp"
#include "io/audio/audio.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"

namespace {

struct AlignOpts {
  std::string audio, midi, output, tsv, report, plots, soundfont, room = "auto", dereverb = "auto";
  // Defaults are the library's.
  double band = pv::align::MultiscaleOptions{}.band_seconds;
  double line_limit_ms = pv::align::AlignOptions{}.line_limit_s * 1e3;
  int coarse = pv::align::MultiscaleOptions{}.factor, radius = pv::align::MultiscaleOptions{}.fine_radius;
  bool no_refine = false, json = false;
};

int run_align(const AlignOpts& o) {
  pv::align::AlignOptions opt;
  opt.audio_name = o.audio;
  opt.midi_name = o.midi;
  opt.dtw.band_seconds = o.band;
  opt.dtw.factor = o.coarse;
  opt.dtw.fine_radius = o.radius;
  opt.refine_onsets = !o.no_refine;
  opt.line_limit_s = o.line_limit_ms * 1e-3;
  if (!o.soundfont.empty()) opt.synth.soundfont = o.soundfont;
  if (o.room == "auto") {
    opt.room = pv::align::RoomMode::Estimate;
  } else if (o.room == "dry") {
    opt.room = pv::align::RoomMode::Dry;
  } else {
    double direct = 0, rt60 = 0;
    char tail = 0;
    if (std::sscanf(o.room.c_str(), "%lf,%lf%c", &direct, &rt60, &tail) != 2 || direct <= 0 || direct > 1 || rt60 < 0)
      throw pv::UsageError("--room must be auto, dry or DIRECT,RT60 (direct share in (0,1], RT60 in seconds), not '" +
                           o.room + "'");
    opt.room = pv::align::RoomMode::Fixed;
    opt.fixed_room = {direct, rt60 / 13.8155};
  }
  if (o.dereverb == "auto") opt.dereverb = pv::align::DereverbMode::Auto;
  else if (o.dereverb == "on") opt.dereverb = pv::align::DereverbMode::On;
  else if (o.dereverb == "off") opt.dereverb = pv::align::DereverbMode::Off;
  else throw pv::UsageError("--dereverb must be auto, on or off, not '" + o.dereverb + "'");
  if (o.band <= 0 || o.coarse < 1 || o.radius < 1) throw pv::UsageError("--band, --coarse and --radius must be positive");

  pv::Progress progress("align", 4);
  const pv::audio::AudioInfo info = pv::audio::probe(o.audio);
  const pv::Performance midi = pv::midi::read(o.midi);
  pv::audio::Signal sig = pv::audio::read_mono(o.audio, opt.cqt.rate);
  progress.update(1);
  // Without plots the samples are not needed afterwards: the aligner frees them early (peak memory).
  pv::align::AlignResult r = o.plots.empty() ? pv::align::align(std::move(sig.samples), midi, opt)
                                             : pv::align::align(sig.samples, midi, opt);
  progress.update(2);
  if (info.sample_rate < opt.cqt.rate)
    r.report.warnings.push_back("audio sample rate " + std::to_string(info.sample_rate) + " Hz is below " +
                                std::to_string(opt.cqt.rate) + " Hz (up-sampled)");

  pv::Performance aligned = r.aligned;
  pv::midi::write(o.output, aligned);
  if (!o.tsv.empty()) {
    pv::PedalRule{}.apply(aligned);
    pv::tsv::write_notes(o.tsv, aligned.notes);
  }
  progress.update(3);
  nlohmann::json rep = r.report.to_json();
  rep["audio"] = o.audio;
  rep["midi"] = o.midi;
  rep["output"] = o.output;
  rep["audio_sample_rate"] = info.sample_rate;
  if (!o.report.empty()) pv::write_file_atomic(o.report, rep.dump(2) + "\n");
  if (!o.plots.empty()) {
    pv::align::plot_path(std::filesystem::path(o.plots) / "path.png", r);
    pv::align::plot_onsets(std::filesystem::path(o.plots) / "onsets.png", r, sig.samples, opt);
  }
  progress.update(4);
  progress.finish();
  for (const auto& w : r.report.warnings) std::fprintf(stderr, "pianovam align: warning: %s\n", w.c_str());
  if (o.json) {
    std::printf("%s\n", rep.dump(2).c_str());
  } else {
    std::printf("%s: offset %+.4f s, drift %+.1f ppm, residual median %.1f ms / p95 %.1f ms, room %s, %d notes %d pedal "
                "events -> %s\n",
                o.midi.c_str(), r.report.offset_s, r.report.drift_ppm, r.report.residual_median_ms,
                r.report.residual_p95_ms,
                r.room.dry() ? "dry"
                             : ("RT60 " + std::to_string(13.8155 * r.room.tau_s).substr(0, 4) + " s, direct " +
                                std::to_string(r.room.direct).substr(0, 4))
                                   .c_str(),
                r.report.notes, r.report.pedals, o.output.c_str());
  }
  return 0;
}

pv::cli::Verb reg{"align", 40, [](CLI::App& app) -> pv::cli::Run {
  auto* cmd = app.add_subcommand(
      "align", "Align a MIDI performance to its audio recording over the whole length (FluidSynth render, CQT, "
               "multiscale banded DTW); writes the MIDI with every note and pedal event on the audio's clock");
  auto o = std::make_shared<AlignOpts>();
  cmd->add_option("--audio", o->audio, "Recording (WAV/FLAC/OGG, or a video's audio track)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--midi", o->midi, "Performance MIDI to align")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->output, "Aligned MIDI to write (atomically)")->required();
  cmd->add_option("--tsv", o->tsv, "Also write the aligned PianoVAM note TSV");
  cmd->add_option("--report", o->report, "JSON report: offset, drift (ppm), residuals, cost");
  cmd->add_option("--plots", o->plots, "Folder for path.png (path over the coarse cost) and onsets.png");
  cmd->add_option("--soundfont", o->soundfont, "SoundFont for the render (default FluidR3_GM)");
  cmd->add_option("--band", o->band, "Coarse Sakoe-Chiba half-width in seconds beyond the length difference")->capture_default_str();
  cmd->add_option("--coarse", o->coarse, "Coarse hop as a multiple of the 64-sample hop")->capture_default_str();
  cmd->add_option("--radius", o->radius, "Fine band half-width around the coarse path (frames)")->capture_default_str();
  cmd->add_option("--room", o->room,
                  "Room of the recording applied to the reference render: auto (estimated), dry, or DIRECT,RT60 "
                  "(share of direct energy, reverberation time in s)")
      ->capture_default_str();
  cmd->add_option("--dereverb", o->dereverb,
                  "Dereverberate the recording (WPE) before the onsets are refined: auto (when its attacks rise "
                  "slower than the render's), on, off")
      ->capture_default_str();
  cmd->add_option("--line-limit", o->line_limit_ms,
                  "Keep the map within this many ms of the fitted clock line (offset + drift); 0: off")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-refine", o->no_refine, "Keep the DTW map as is (no onset refinement of the time map)");
  cmd->add_flag("--json", o->json, "Print the report on stdout");
  return [o]() { return run_align(*o); };
}};

}  // namespace
