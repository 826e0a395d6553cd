#include "demo/pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "align/align.hpp"
#include "align/sync/sync.hpp"
#include "align/synth.hpp"
#include "align/warp.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/pedal_rule.hpp"
#include "core/progress.hpp"
#include "dataset/validate.hpp"
#include "demo/compose.hpp"
#include "demo/scene.hpp"
#include "fingering/assign.hpp"
#include "fingering/evaluate.hpp"
#include "fingering/simulate.hpp"
#include "io/audio/audio.hpp"
#include "io/json/handskeleton.hpp"
#include "io/json/metadata.hpp"
#include "io/midi/midi.hpp"
#include "io/tsv/tsv.hpp"
#include "io/video/video.hpp"
#include "keyboard/keyboard.hpp"

namespace pv::demo {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void step(int i, int n, const char* what) { std::fprintf(stderr, "demo [%d/%d] %s\n", i, n, what); }

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  double pos = q * (v.size() - 1);
  size_t i = static_cast<size_t>(pos);
  double f = pos - i;
  return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

// Onset errors (ms) of `est` against `truth`, both sorted by (onset, pitch), matched per pitch in order.
std::vector<double> onset_errors_ms(const Performance& est, const Performance& truth) {
  std::vector<double> err;
  std::vector<std::vector<double>> a(128), b(128);
  for (const auto& n : est.notes) a[n.pitch].push_back(n.onset);
  for (const auto& n : truth.notes) b[n.pitch].push_back(n.onset);
  for (int p = 0; p < 128; ++p)
    for (size_t i = 0; i < std::min(a[p].size(), b[p].size()); ++i) err.push_back(1e3 * std::abs(a[p][i] - b[p][i]));
  return err;
}

// The camera's own microphone: delayed by `lead`, one-pole low-pass, a little noise, resampled to 48 kHz.
audio::Signal camera_audio(const std::vector<float>& daw, int rate, double lead, unsigned seed) {
  audio::Signal s;
  s.sample_rate = rate;
  const size_t pad = static_cast<size_t>(std::lround(lead * rate));
  s.samples.assign(pad + daw.size(), 0.0f);
  std::mt19937 rng(seed + 101);
  std::normal_distribution<float> noise(0.0f, 0.003f);
  float y = 0.0f;
  for (size_t i = 0; i < s.samples.size(); ++i) {
    float x = i >= pad ? daw[i - pad] : 0.0f;
    y += 0.35f * (x - y);
    s.samples[i] = 0.8f * y + noise(rng);
  }
  return audio::resample(s, 48000);
}

}  // namespace

json run_demo(const DemoOptions& opt) {
  constexpr int N = 9;
  const std::string id = "2025-01-01_10-00-00";
  const fs::path root = opt.dir;
  const fs::path raw = root / "raw";
  fs::create_directories(raw);
  json report;
  report["id"] = id;
  report["dataset"] = fs::absolute(root).string();

  // 1. The performance (truth on the DAW audio clock).
  step(1, N, "composing the demo study (true fingering, pedal)");
  DemoPiece piece = compose(opt.seed, opt.repeats);
  const Performance& truth = piece.perf;

  // 2. DAW audio.
  step(2, N, "rendering the DAW audio with FluidSynth");
  constexpr int kRate = 44100;
  std::vector<float> daw = synth::render(truth, kRate);
  float peak = 1e-9f;
  for (float v : daw) peak = std::max(peak, std::abs(v));
  for (float& v : daw) v *= 0.7f / peak;
  audio::Signal daw_sig{kRate, daw, 1};
  audio::write_wav(root / "Audio" / (id + ".wav"), daw_sig);
  const double audio_dur = daw_sig.duration();

  // 3. Disklavier MIDI on its own clock.
  step(3, N, "writing the Disklavier MIDI (planted clock offset and drift)");
  const double slope = 1.0 + opt.midi_drift_ppm * 1e-6;
  Performance disklavier = align::warp(truth, [&](double t) { return opt.midi_offset + t * slope; });
  for (auto& n : disklavier.notes) n.hand = Hand::Unknown, n.finger = 0;
  const fs::path raw_midi = raw / (id + "_disklavier.mid");
  midi::write(raw_midi, disklavier);
  report["planted"] = {{"midi_offset_s", opt.midi_offset},
                       {"midi_drift_ppm", opt.midi_drift_ppm},
                       {"camera_lead_s", opt.camera_lead}};

  // 4. Hands (simulated on the camera clock) and the top-view video with the camera's audio track.
  step(4, N, "rendering the top-view video with hands and the camera audio track");
  Scene scene;
  scene.width = opt.width;
  scene.height = opt.height;
  const kb::Keyboard88 keyboard = kb::Keyboard88::from_pixels(scene.corners, scene.width, scene.height);
  std::vector<Note> cam_notes = truth.notes;
  for (auto& n : cam_notes) n.onset += opt.camera_lead, n.key_offset += opt.camera_lead, n.sound_offset += opt.camera_lead;
  fing::SimConfig sim;
  sim.fps = opt.fps;
  sim.seed = opt.seed;
  fing::SimStats sim_stats;
  std::vector<HandFrame> hands = fing::simulate_hands(cam_notes, keyboard, sim, &sim_stats);
  const auto frames = static_cast<std::int64_t>(std::ceil((audio_dur + opt.camera_lead) * opt.fps));
  hands.resize(static_cast<size_t>(frames));
  {
    audio::Signal cam = camera_audio(daw, kRate, opt.camera_lead, opt.seed);
    video::EncoderOptions eo;
    eo.width = scene.width;
    eo.height = scene.height;
    eo.fps = {opt.fps, 1};
    eo.audio_rate = cam.sample_rate;
    eo.audio = &cam.samples;
    video::Encoder enc(root / "Video" / (id + ".mp4"), eo);
    std::vector<std::uint8_t> rgb;
    Progress prog("video", frames);
    for (std::int64_t i = 0; i < frames; ++i) {
      const double ta = (i + 0.5) / opt.fps - opt.camera_lead;  // frame centre on the audio clock
      std::vector<int> pressed;
      for (const auto& n : truth.notes)
        if (n.onset <= ta && ta < n.key_offset) pressed.push_back(n.pitch);
      draw_keyboard(scene, pressed, rgb);
      const HandFrame& hf = hands[static_cast<size_t>(i)];
      if (hf.left) draw_hand(scene, hf.left->points, true, rgb);
      if (hf.right) draw_hand(scene, hf.right->points, false, rgb);
      enc.add_frame(rgb.data());
      prog.update(i + 1);
    }
    enc.finish();
  }
  hands_io::HandTrack track{hands};
  hands_io::write_json(root / "Handskeleton" / (id + ".json"), track);
  report["hands"] = {{"frames", sim_stats.frames},
                     {"dropped", sim_stats.dropped},
                     {"flipped", sim_stats.flipped},
                     {"source", "simulated (the demo video shows drawn hands, not photographs)"}};

  // 5. metadata.json
  step(5, N, "writing metadata.json");
  {
    SessionMetadata m;
    m.record_time = id;
    m.split = "train";
    m.composer = "pianovam";
    m.piece = "Demo study in C major";
    m.performance_method = "Disklavier";
    m.performance_type = "Solo";
    m.p1_name = "Demo Pianist";
    m.p1_gender = "N/A";
    m.p1_age = 30;
    m.p1_skill = "Advanced";
    m.p1_musicmajor = "Yes";
    m.duration = audio_dur;
    m.corners = scene.corners;
    meta::Metadata md;
    md.records.emplace_back("0", m);
    meta::write(root / "metadata.json", md);
  }

  // 6. Global sync: camera audio track vs DAW audio.
  step(6, N, "global sync: camera audio vs DAW audio (GCC-PHAT)");
  audio::Signal cam_back = audio::read_mono(root / "Video" / (id + ".mp4"));
  sync::Result sr = sync::estimate(daw, kRate, cam_back.samples, cam_back.sample_rate);
  report["sync"] = {{"offset_s", sr.offset},
                    {"drift_ppm", sr.drift_ppm},
                    {"confidence", sr.confidence},
                    {"error_ms", 1e3 * (sr.offset - opt.camera_lead)}};

  // 7. Fine alignment of the Disklavier MIDI to the DAW audio.
  step(7, N, "aligning the MIDI to the audio over the whole recording (CQT + multiscale DTW)");
  Performance raw_perf = midi::read(raw_midi);
  audio::Signal a22 = audio::read_mono(root / "Audio" / (id + ".wav"), 22050);
  align::AlignResult ar = align::align(a22.samples, raw_perf, {});
  Performance aligned = ar.aligned;
  PedalRule{}.apply(aligned);
  midi::write(root / "MIDI" / (id + ".mid"), aligned);
  tsv::write_notes(root / "TSV" / (id + ".tsv"), aligned.notes);
  auto err = onset_errors_ms(aligned, truth);
  report["align"] = {{"offset_s", ar.report.offset_s},
                     {"drift_ppm", ar.report.drift_ppm},
                     {"onset_error_median_ms", percentile(err, 0.5)},
                     {"onset_error_p95_ms", percentile(err, 0.95)},
                     {"onset_error_max_ms", percentile(err, 1.0)},
                     {"notes", aligned.notes.size()}};

  // 8. Fingering from the hands, notes moved onto the video clock with the sync result.
  step(8, N, "assigning hand + finger to every note");
  std::vector<Note> on_video = aligned.notes;
  for (auto& n : on_video) {
    n.onset = sr.to_target(n.onset);
    n.key_offset = sr.to_target(n.key_offset);
  }
  fing::Summary fs_sum;
  auto labels = fing::assign(on_video, hands, opt.fps, keyboard, fing::Config{}, &fs_sum);
  std::vector<Note> fingered = aligned.notes;
  for (size_t i = 0; i < fingered.size(); ++i) {
    fingered[i].hand = labels[i].status == fing::Status::Auto ? labels[i].hand : Hand::Noinfo;
    fingered[i].finger = labels[i].status == fing::Status::Auto ? labels[i].finger : 0;
  }
  tsv::write_fingering(root / "Fingering" / (id + ".tsv"), fingered);
  fing::FingeringScore score = fing::evaluate_fingering(fingered, truth.notes);
  report["fingering"] = {{"notes", fs_sum.notes},
                         {"auto", fs_sum.auto_},
                         {"undecided", fs_sum.undecided},
                         {"noinfo", fs_sum.noinfo},
                         {"hand_finger_accuracy", score.hand_finger_accuracy()},
                         {"hand_accuracy", score.hand_accuracy()},
                         {"coverage", score.coverage()}};

  // 9. Validate the dataset.
  step(9, N, "validating the dataset");
  dataset::Report vr = dataset::validate(root, dataset::default_probes());
  json problems = json::array();
  for (const auto& f : vr.findings) problems.push_back(dataset::format_line(f));
  report["validate"] = {{"problems", problems}};

  write_file_atomic(root / "demo-report.json", report.dump(2) + "\n");
  return report;
}

}  // namespace pv::demo
