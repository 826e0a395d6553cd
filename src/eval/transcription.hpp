#pragma once
// Note-transcription metrics with the exact semantics of mir_eval 0.7 (transcription,
// transcription_velocity, multipitch): same hit tests (distances rounded to 4 decimals, `<=` unless
// strict), same maximum bipartite matching (mir_eval's Hopcroft–Karp, visiting vertices in the same
// order, so the same matching is chosen), same least-squares velocity rescaling and the same
// floating-point reductions (numpy's pairwise summation for the mean overlap ratio).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/performance.hpp"

namespace pv::eval {

// mir_eval's note representation: intervals (onset, offset) in seconds, pitch in Hz, velocity.
struct NoteList {
  std::vector<double> onset, offset, pitch, velocity;
  std::string source = "notes";  // named in error messages (file path or "reference"/"estimate")
  std::size_t size() const { return onset.size(); }
  void add(double on, double off, double hz, double vel = 0.0) {
    onset.push_back(on), offset.push_back(off), pitch.push_back(hz), velocity.push_back(vel);
  }
};

// mir_eval.util.midi_to_hz: 440 * 2^((p - 69) / 12).
double midi_to_hz(double midi);

// Notes of our model -> mir_eval notes. Offsets: sound_offset (pedal-extended) when `pedal_offsets`,
// else key_offset. Pitch converted from MIDI to Hz.
NoteList from_notes(const std::vector<Note>& notes, bool pedal_offsets = true, std::string source = "notes");

// mir_eval's validation: times >= 0, offset > onset, pitch > 0, velocity >= 0.
// Throws pv::InputError(source, "note <i>: ...").
void validate(const NoteList& notes);

struct NoteParams {
  double onset_tolerance = 0.05;          // seconds
  double pitch_tolerance = 50.0;          // cents
  std::optional<double> offset_ratio = 0.2;  // nullopt: offsets ignored
  double offset_min_tolerance = 0.05;     // seconds
  bool strict = false;                    // `<` instead of `<=`
  double velocity_tolerance = 0.1;
  double beta = 1.0;
};

using Matching = std::vector<std::pair<int, int>>;  // (ref index, est index), sorted by ref index

// mir_eval.util._bipartite_match on the graph est -> [ref...]: `order` lists the est vertices in
// the graph's key order, adj[est] their ref neighbours in order. Returns ref -> est (-1 unmatched).
std::vector<int> bipartite_match(const std::vector<int>& order, const std::vector<std::vector<int>>& adj,
                                 int n_ref);

Matching match_notes(const NoteList& ref, const NoteList& est, const NoteParams& p = {});
Matching match_note_onsets(const NoteList& ref, const NoteList& est, const NoteParams& p = {});
Matching match_note_offsets(const NoteList& ref, const NoteList& est, const NoteParams& p = {});
// transcription_velocity.match_notes: match_notes, then keep pairs whose rescaled velocity is close.
Matching match_notes_velocity(const NoteList& ref, const NoteList& est, const NoteParams& p = {});

double average_overlap_ratio(const NoteList& ref, const NoteList& est, const Matching& m);
double f_measure(double precision, double recall, double beta = 1.0);

struct PRF {
  double precision = 0, recall = 0, f_measure = 0, overlap = 0;
};
PRF precision_recall_f1_overlap(const NoteList& ref, const NoteList& est, const NoteParams& p = {},
                                bool velocity = false);
PRF onset_precision_recall_f1(const NoteList& ref, const NoteList& est, const NoteParams& p = {});
PRF offset_precision_recall_f1(const NoteList& ref, const NoteList& est, const NoteParams& p = {});

// Ordered (metric name, value) pairs, named as mir_eval names them.
using Scores = std::vector<std::pair<std::string, double>>;
double score(const Scores& s, const std::string& name);  // throws pv::Error if absent

// mir_eval.transcription.evaluate (14 keys) and transcription_velocity.evaluate (8 keys).
Scores evaluate_transcription(const NoteList& ref, const NoteList& est, const NoteParams& p = {});
Scores evaluate_velocity(const NoteList& ref, const NoteList& est, const NoteParams& p = {});

// Frame metrics: mir_eval.multipitch.evaluate (14 keys) on a piano roll. A note of MIDI pitch p is
// active in frame k (time k/fps) for floor(onset·fps) <= k < floor(offset·fps) (pretty_midi's piano
// roll convention); ref and est share the grid. Adds "F-measure" (harmonic mean of P and R, as
// Onsets & Frames reports it).
struct FrameRoll {
  double fps = 100.0;
  std::vector<std::vector<int>> frames;  // sorted distinct MIDI pitches per frame
};
FrameRoll piano_roll(const std::vector<Note>& notes, double fps = 100.0, bool pedal_offsets = true,
                     std::size_t min_frames = 0);
Scores evaluate_frames(const FrameRoll& ref, const FrameRoll& est);

// Everything a transcription paper reports, with stable snake_case names:
// note_* (onset+pitch), note_offset_*, note_velocity_*, note_offset_velocity_* (precision, recall,
// f1, overlap), frame_* (precision, recall, f1, accuracy).
Scores evaluate_all(const std::vector<Note>& ref, const std::vector<Note>& est, const NoteParams& p = {},
                    double fps = 100.0, const std::string& ref_name = "reference",
                    const std::string& est_name = "estimate");

// numpy's pairwise summation (np.add.reduce on a contiguous float64 array).
double numpy_sum(const double* a, std::size_t n);

}  // namespace pv::eval
