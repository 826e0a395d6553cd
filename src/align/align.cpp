#include "align/align.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <thread>
#include <utility>

#include "align/room.hpp"
#include "core/error.hpp"

namespace pv::align {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const std::size_t k = static_cast<std::size_t>(pos);
  const double a = pos - static_cast<double>(k);
  return k + 1 < v.size() ? v[k] * (1 - a) + v[k + 1] * a : v[k];
}

void make_features(Features& f, const AlignOptions& opt) {
  if (opt.onset_weight > 0.0) to_alignment_features_with_onsets(f, opt.floor_db, opt.onset_weight);
  else to_alignment_features(f, opt.floor_db);
}

}  // namespace

double aligned_time(const TimeMap& map, double t, int rate) { return map(synth::scheduled_time(t, rate)); }

nlohmann::json AlignReport::to_json() const {
  return {{"offset_s", offset_s},
          {"drift_ppm", drift_ppm},
          {"residual_ms", {{"median", residual_median_ms}, {"p95", residual_p95_ms}, {"max", residual_max_ms}}},
          {"cost", {{"mean_path_distance", mean_path_distance}, {"penalty", penalty}, {"dtw_total", dtw_cost}}},
          {"cells", {{"coarse", coarse_cells}, {"fine", fine_cells}}},
          {"onset_refinement",
           {{"groups", onset_groups},
            {"used", refined_groups},
            {"median_abs_correction_ms", median_correction_ms},
            {"lag_scan_median_ms", lag_scan_median_ms},
            {"dereverberated", dereverberated},
            {"dtw_off_line_s", off_line_s},
            {"dtw_beyond_line_fraction", dtw_beyond_line_fraction},
            {"beyond_line_fraction", beyond_line_fraction},
            {"edge_fraction", {{"render", render_edge_fraction}, {"audio", audio_edge_fraction}}},
            {"rise_q75_ms", {{"render", render_rise_q75_ms}, {"audio", audio_rise_q75_ms}}}}},
          {"room", {{"direct", room.direct}, {"decay_s", room.tau_s}, {"rt60_s", 13.8155 * room.tau_s},
                    {"mean_path_distance", room_distance}, {"dry_mean_path_distance", dry_distance}}},
          {"notes", notes},
          {"pedals", pedals},
          {"audio_duration_s", audio_duration},
          {"midi_duration_s", midi_duration},
          {"seconds", {{"features", seconds_features}, {"room", seconds_room}, {"dtw", seconds_dtw}}},
          {"warnings", warnings}};
}

namespace {

// `release`: the caller's audio (== &audio) to free as soon as it is in the CQT's FFT buffer (DereverbMode::Auto:
// after the refinement, which may dereverberate it).
AlignResult align_impl(const std::vector<float>& audio, std::vector<float>* release, const Performance& midi,
                       const AlignOptions& opt) {
  const int rate = opt.cqt.rate;
  if (midi.notes.empty()) throw InputError(opt.midi_name, "MIDI has no notes");
  float peak = 0.0f;
  for (float v : audio) peak = std::max(peak, std::fabs(v));
  if (audio.empty() || peak < 1e-4f) throw InputError(opt.audio_name, "audio is silent (peak below -80 dBFS)");
  double last_onset = 0.0, first_onset = midi.notes.front().onset;
  for (const Note& n : midi.notes) {
    last_onset = std::max(last_onset, n.onset);
    first_onset = std::min(first_onset, n.onset);
  }
  AlignResult R;
  AlignReport& rep = R.report;
  rep.audio_duration = static_cast<double>(audio.size()) / rate;
  rep.midi_duration = midi.duration();
  rep.notes = static_cast<int>(midi.notes.size());
  rep.pedals = static_cast<int>(midi.pedals.size());
  if (rep.audio_duration + opt.dtw.band_seconds < last_onset)
    throw InputError(opt.audio_name, "audio (" + std::to_string(rep.audio_duration) +
                                         " s) is much shorter than the MIDI (last onset at " +
                                         std::to_string(last_onset) + " s)");
  if (rep.audio_duration > 2.0 * rep.midi_duration + 30.0)
    rep.warnings.push_back("audio is much longer than the MIDI; the alignment band may be too wide");
  if (first_onset < 0.0) rep.warnings.push_back("MIDI has events before time 0");

  // The render runs in a second thread while the audio's attack gram and CQT run here; the render's
  // follow, each on both threads.
  const auto t0 = std::chrono::steady_clock::now();
  std::exception_ptr err;
  AttackGram render_attacks, audio_attacks;
  std::vector<float> rendered;
  Features room_audio_features;
  const bool dereverb_always = opt.refine_onsets && opt.dereverb == DereverbMode::On;
  // Auto decides after the first refinement, so the audio is kept until then.
  const bool keep_audio = opt.refine_onsets && opt.dereverb == DereverbMode::Auto;
  std::thread worker([&] {
    try {
      rendered = synth::render(midi, rate, opt.synth);
    } catch (...) {
      err = std::current_exception();
    }
  });
  try {
    if (opt.refine_onsets)
      audio_attacks = attack_gram(dereverb_always ? dereverberate(audio, rate, opt.dereverb_options) : audio, rate);
    R.audio_features = release && !keep_audio ? cqt_magnitude(std::move(*release), opt.cqt) : cqt_magnitude(audio, opt.cqt);
    // The room is chosen on the reference features; the DTW may add onset features.
    if (opt.onset_weight > 0.0 && opt.room == RoomMode::Estimate) {
      room_audio_features = R.audio_features;
      to_alignment_features(room_audio_features, opt.floor_db);
    }
    make_features(R.audio_features, opt);
  } catch (...) {
    worker.join();
    throw;
  }
  worker.join();
  if (err) std::rethrow_exception(err);
  if (opt.refine_onsets) render_attacks = attack_gram(rendered, rate, 256, 32, 2);
  R.render_features = cqt_magnitude(std::move(rendered), opt.cqt, 2);
  const auto t_room = std::chrono::steady_clock::now();
  if (opt.room == RoomMode::Estimate) {
    const RoomFit fit = estimate_room_fine(
        R.render_features, room_audio_features.frames() ? room_audio_features : R.audio_features, opt.floor_db, opt.dtw);
    room_audio_features = Features{};
    R.room = fit.model;
    rep.room_distance = fit.distance;
    rep.dry_distance = fit.dry_distance;
  } else if (opt.room == RoomMode::Fixed) {
    R.room = opt.fixed_room;
  }
  apply_room(R.render_features, R.room);
  if (opt.refine_onsets) apply_room(render_attacks, R.room);
  rep.room = R.room;
  rep.seconds_room = seconds_since(t_room);
  make_features(R.render_features, opt);
  rep.seconds_features = seconds_since(t0);

  const auto t1 = std::chrono::steady_clock::now();
  R.dtw = multiscale_dtw(R.render_features, R.audio_features, opt.dtw);
  rep.seconds_dtw = seconds_since(t1);
  rep.coarse_cells = R.dtw.coarse.cells;
  rep.fine_cells = R.dtw.fine.cells;
  rep.mean_path_distance = R.dtw.fine.mean_path_distance;
  rep.penalty = R.dtw.fine.penalty;
  rep.dtw_cost = R.dtw.fine.cost;

  const double period = R.render_features.frame_period();
  R.map = map_from_path(R.dtw.fine.path, period, R.audio_features.frame_period());
  std::vector<double> at;  // the onsets' render times
  at.reserve(midi.notes.size());
  for (const Note& n : midi.notes) at.push_back(synth::scheduled_time(n.onset, rate));
  rep.off_line_s = R.map.drop_off_line(at, opt.off_line_limit_s, 6.0);
  if (rep.off_line_s > 0.0)
    rep.warnings.push_back("the DTW path strayed from the clock line for " + std::to_string(rep.off_line_s) +
                           " s of the MIDI; bridged linearly there");
  // Smaller strays are clamped: the refinement then starts near the line.
  if (opt.line_limit_s > 0.0)
    rep.dtw_beyond_line_fraction = R.map.clamp_to_line(at, opt.line_limit_s, opt.line_limit_max_fraction);
  if (opt.refine_onsets) {
    RefineStats st;
    const TimeMap dtw_map = keep_audio ? R.map : TimeMap{};
    R.map = refine_map_adaptive(R.map, midi, render_attacks, audio_attacks, &synth::scheduled_time, rate, opt.refine, &st);
    rep.dereverberated = dereverb_always;
    if (keep_audio && st.audio_rise_q75_ms > st.render_rise_q75_ms + opt.dereverb_rise_ms) {  // reverberant
      audio_attacks = AttackGram{};
      if (release) {  // the audio is ours: dereverberated in place
        dereverberate_in_place(*release, rate, opt.dereverb_options);
        audio_attacks = attack_gram(*release, rate, 256, 32, 2);
      } else {
        audio_attacks = attack_gram(dereverberate(audio, rate, opt.dereverb_options), rate, 256, 32, 2);
      }
      R.map = refine_map_adaptive(dtw_map, midi, render_attacks, audio_attacks, &synth::scheduled_time, rate,
                                  opt.refine, &st);
      rep.dereverberated = true;
    }
    if (release) std::vector<float>().swap(*release);
    rep.render_edge_fraction = st.render_fraction;
    rep.audio_edge_fraction = st.audio_fraction;
    rep.audio_rise_q75_ms = st.audio_rise_q75_ms;
    rep.render_rise_q75_ms = st.render_rise_q75_ms;
    rep.refined_groups = st.used;
    rep.onset_groups = st.groups;
    rep.median_correction_ms = st.median_abs_correction_ms;
    rep.lag_scan_median_ms = st.lag_scan_median_ms;
  }
  if (opt.line_limit_s > 0.0) {
    const double beyond = R.map.clamp_to_line(at, opt.line_limit_s, opt.line_limit_max_fraction);
    rep.beyond_line_fraction = beyond;
    if (beyond > opt.line_limit_max_fraction) {
      char msg[200];
      std::snprintf(msg, sizeof msg,
                    "%.0f%% of the onsets map more than %.0f ms off the clock line (offset + drift); the map is "
                    "left as it is, but it may have lost its way",
                    100.0 * beyond, opt.line_limit_s * 1e3);
      rep.warnings.push_back(msg);
    }
  }

  // Linear fit of the aligned onsets against the MIDI onsets: offset, drift, residuals.
  std::vector<double> on;
  on.reserve(midi.notes.size());
  for (const Note& n : midi.notes) on.push_back(n.onset);
  std::vector<double> y(on.size());
  for (std::size_t k = 0; k < on.size(); ++k) y[k] = aligned_time(R.map, on[k], rate);
  const TimeMap::Line line = fit_line(on, y);
  const double slope = line.slope;
  rep.offset_s = line.offset;
  // Before the first and after the last onset the path only follows silence or decay: there the
  // map continues with the fitted slope (moves pedal events after the last note correctly).
  const double slope_clamped = std::clamp(slope, 0.9, 1.1);
  R.map.restrict_to(synth::scheduled_time(first_onset, rate), synth::scheduled_time(last_onset, rate), slope_clamped);
  R.aligned = warp(midi, [&](double t) { return aligned_time(R.map, t, rate); });
  rep.drift_ppm = (slope - 1.0) * 1e6;
  std::vector<double> res(on.size());
  for (std::size_t k = 0; k < on.size(); ++k) res[k] = std::fabs(y[k] - (rep.offset_s + slope * on[k])) * 1e3;
  rep.residual_median_ms = quantile(res, 0.5);
  rep.residual_p95_ms = quantile(res, 0.95);
  rep.residual_max_ms = res.empty() ? 0.0 : *std::max_element(res.begin(), res.end());
  return R;
}

}  // namespace

AlignResult align(const std::vector<float>& audio, const Performance& midi, const AlignOptions& opt) {
  return align_impl(audio, nullptr, midi, opt);
}

AlignResult align(std::vector<float>&& audio, const Performance& midi, const AlignOptions& opt) {
  std::vector<float> owned = std::move(audio);
  return align_impl(owned, &owned, midi, opt);
}

}  // namespace pv::align
