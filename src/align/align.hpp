#pragma once
// Fine audio–MIDI alignment over the whole recording (design §3): render the MIDI with FluidSynth,
// CQT features of render and audio, multiscale banded DTW, path -> monotone piecewise-linear time
// map (render time -> audio time), applied to every note and pedal event.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "align/cqt.hpp"
#include "align/dereverb.hpp"
#include "align/dtw.hpp"
#include "align/refine.hpp"
#include "align/room.hpp"
#include "align/synth.hpp"
#include "align/warp.hpp"
#include "core/performance.hpp"

namespace pv::align {

// Room matching of the reference render (room.hpp): estimated from the recording (default), none, or given.
enum class RoomMode { Estimate, Dry, Fixed };
// Dereverberation (dereverb.hpp) of the recording before its onsets are refined: never, when the
// first refinement finds the recording's attacks rising slower than the render's (by more than
// AlignOptions::dereverb_rise_ms: reverberant), or always.
enum class DereverbMode { Off, Auto, On };

struct AlignOptions {
  CqtParams cqt;                 // rate 22,050 Hz, MIDI 36, 48 bins, 12/oct, hop 64
  double floor_db = -80.0;
  double onset_weight = 0.0;  // 0: reference features only (see to_alignment_features_with_onsets)
  synth::SynthOptions synth;
  RoomMode room = RoomMode::Estimate;
  RoomModel fixed_room;  // for RoomMode::Fixed
  bool refine_onsets = true;  // onset refinement of the DTW map (refine.hpp)
  RefineOptions refine;
  // Measured with align_sweep (40 performances x 5 rooms, 60 s): 122 -> 130 of 200 within 3 / 10 ms,
  // held out (the next 60 s) 115 -> 128. Bins above the AttackGram's top band (8.6 kHz) are left alone.
  DereverbMode dereverb = DereverbMode::Auto;
  double dereverb_rise_ms = 1.0;
  DereverbOptions dereverb_options{.fit_frames = 5000, .max_hz = 8600.0, .threads = 2};
  // DTW map knots farther than this (or 6 robust standard deviations) from the clock line are
  // dropped (TimeMap::drop_off_line); a huge value turns it off.
  double off_line_limit_s = 0.05;
  // The DTW map (after the off-line stretches are bridged) and the refined map are kept within
  // line_limit_s of the clock line (TimeMap::clamp_to_line): the two clocks differ by an offset and a
  // drift, and onsets jitter by milliseconds, so a stretch further off has followed a wrong attack
  // (in reverberant recordings the refinement's tails). Not applied when more than
  // line_limit_max_fraction of the onsets are that far off (a map that is not a line: a warning says
  // so). 0: off.
  double line_limit_s = 0.008;
  double line_limit_max_fraction = 0.25;
  MultiscaleOptions dtw;
  std::string audio_name = "audio";  // for error messages
  std::string midi_name = "midi";
};

struct AlignReport {
  double offset_s = 0.0;   // audio time of MIDI time 0 on the fitted line
  double drift_ppm = 0.0;  // (slope - 1) * 1e6 of the fitted line
  double residual_median_ms = 0.0, residual_p95_ms = 0.0, residual_max_ms = 0.0;  // |map - line| at onsets
  double mean_path_distance = 0.0;  // mean cosine distance along the fine path
  double penalty = 0.0;
  double dtw_cost = 0.0;
  long long coarse_cells = 0, fine_cells = 0;
  int onset_groups = 0, refined_groups = 0;  // onset refinement: groups seen / used
  double median_correction_ms = 0.0;
  bool dereverberated = false;  // the refinement used the dereverberated recording
  double lag_scan_median_ms = 0.0;  // lag_scan's median correction before the refinement
  double off_line_s = 0.0;  // render time where the DTW path strayed from the clock line (bridged)
  // Share of the onsets the refined map put more than line_limit_s off the line (before the clamp),
  // and the same for the DTW map.
  double beyond_line_fraction = 0.0, dtw_beyond_line_fraction = 0.0;
  // Onset refinement's edges (0: strongest frame) and leading-edge-to-peak times (refine.hpp).
  double render_edge_fraction = 0.0, audio_edge_fraction = 0.0, audio_rise_q75_ms = 0.0, render_rise_q75_ms = 0.0;
  RoomModel room;  // room applied to the render
  double room_distance = 0.0, dry_distance = 0.0;
  int notes = 0, pedals = 0;
  double audio_duration = 0.0, midi_duration = 0.0;
  double seconds_features = 0.0, seconds_room = 0.0, seconds_dtw = 0.0;  // features includes room
  std::vector<std::string> warnings;
  nlohmann::json to_json() const;
};

struct AlignResult {
  Performance aligned;
  TimeMap map;  // render (scheduled) time -> audio time
  RoomModel room;
  AlignReport report;
  MultiscaleResult dtw;
  Features audio_features, render_features;  // fine features (for plots)
};

// `audio`: mono samples at opt.cqt.rate. Throws pv::InputError for silent audio, MIDI without notes,
// or audio much shorter than the MIDI.
AlignResult align(const std::vector<float>& audio, const Performance& midi, const AlignOptions& opt = {});
// Same, freeing the audio as soon as its features exist (peak memory on long recordings; with
// DereverbMode::Auto, once the refinement has chosen whether to dereverberate).
AlignResult align(std::vector<float>&& audio, const Performance& midi, const AlignOptions& opt = {});

// The aligned time of MIDI event time t.
double aligned_time(const TimeMap& map, double t, int rate);

}  // namespace pv::align
