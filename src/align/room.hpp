#pragma once
// A room's energy response, to make the dry reference render sound like the recording's room before
// it is compared with the recording. Reverberation keeps a note's energy building up and lingering
// after the attack; features of a dry render and of a reverberant recording then differ in shape and
// the DTW path drifts late. The model is the classic diffuse-field one: a direct part plus an
// exponential energy decay, h(t) = direct·δ(t) + (1 − direct)·e^(−t/τ)/τ, applied per frequency bin
// to power envelopes (valid for the envelope of a sum of many reflections with random phases).
#include "align/cqt.hpp"
#include "align/dtw.hpp"
#include "align/refine.hpp"

namespace pv::align {

struct RoomModel {
  double direct = 1.0;  // share of the energy arriving with the direct sound (1 = dry)
  double tau_s = 0.0;   // energy decay time constant (RT60 ≈ 13.8·τ)
  bool dry() const { return direct >= 1.0 || tau_s <= 0.0; }
};

// Root-mean-square of `factor` consecutive magnitude frames (no normalisation).
Features pool_power(const Features& magnitude, int factor);

struct RoomFit {
  RoomModel model;
  double distance = 0.0, dry_distance = 0.0;  // mean path distance with the model / dry
};

// Chooses the room model that makes the render closest to the recording, at full resolution (the
// coarse level does not tell rooms apart): render magnitudes (un-normalised) and the recording's
// final alignment features; up to three 20 s excerpts of the render (spread over its
// length) are aligned by a multiscale DTW against the matching stretch of the recording (from a
// first dry coarse path), and the model with the smallest mean path distance wins (coordinate
// search over decay time and direct share).
RoomFit estimate_room_fine(const Features& render_magnitude, const Features& audio_features, double floor_db,
                           const MultiscaleOptions& dtw);

// In place on magnitudes (|CQT| frames).
void apply_room(Features& magnitude, const RoomModel& room);
// In place on an AttackGram's dB bands.
void apply_room(AttackGram& gram, const RoomModel& room);

}  // namespace pv::align
