// align_sweep: onset accuracy of `align` per real performance × room (not a timing benchmark).
// Usage: align_sweep [--seconds S] [--from S (excerpt start)] [--stride K] [--first F] [--only NAME-PART] [--rooms dry,arthur,council,jack,clap]
//                    [--room 0|1 (0: estimate the room, 1: dry render)] [--dereverb off|auto|on] [--dereverb-fit FRAMES] [--refine 0|1] [--dump 1 (per-note errors)]
//                    [--fraction F (RefineOptions::attack_fraction)] [--audio-fraction F] [--rev-fraction F] [--onset-weight W]
//                    [--lag S] [--lag-window S] [--lag-conf C] [--lag-conf-rev C] (lag_scan options; --lag 0: off) [--line-limit S (0: off)] [--oracle 1 (refine from the true map:
//                    the attack detector's own error)]
// Each case: the excerpt rendered by the simulator (Salamander, room, 30 dB SNR, a planted offset,
// drift and jitter derived from the case index), aligned, scored against the planted map.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "align/align.hpp"
#include "align/simulate.hpp"
#include "align/dereverb.hpp"
#include "align/room.hpp"
#include "align/synth.hpp"
#include "../real_data.hpp"
#include "io/midi/midi.hpp"

namespace fs = std::filesystem;
using namespace pv::align;

namespace {

// The excerpt of `seconds` starting at `from` (0.5 s before the first onset there), moved to start
// at 0 with the pedals as they stand at that point; notes still sounding from before are left out.
pv::Performance cut(const pv::Performance& p, double from, double seconds) {
  if (from <= 0.0) return sim::excerpt(p, seconds);
  double first = 1e300;
  for (const auto& n : p.notes)
    if (n.onset >= from) first = std::min(first, n.onset);
  const double t0 = first - 0.5;
  pv::Performance out;
  for (const auto& n : p.notes)
    if (n.onset >= from) {
      auto m = n;
      m.onset -= t0, m.key_offset -= t0, m.sound_offset -= t0;
      out.notes.push_back(m);
    }
  for (int cc : {64, 66, 67}) {
    int value = 0;
    for (const auto& e : p.pedals)
      if (e.controller == cc && e.time <= t0) value = e.value;
    out.pedals.push_back({0.0, cc, value, 0});
  }
  for (const auto& e : p.pedals)
    if (e.time > t0) out.pedals.push_back({e.time - t0, e.controller, e.value, e.channel});
  out.sort();
  return sim::excerpt(out, seconds);
}

double pct(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * (v.size() - 1) + 0.5)];
}

const char* room_file(const std::string& r) {
  if (r == "arthur") return "openair_ir_arthur_s1r4_ch1.wav";
  if (r == "council") return "openair_ir_council_s1r1_ch1.wav";
  if (r == "jack") return "openair_ir_jack_lp4_ch1.wav";
  if (r == "clap") return "spatialaudio_rir_clap_cc0.wav";
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 60, from = 0;
  int stride = 1, first = 0;
  std::string only;
  bool dump = false, refine = true, oracle = false;
  double fraction = -1, audio_fraction = -1, rev_fraction = -1, lag_conf_rev = -1, onset_weight = -1, lag = -1, lag_window = -1, lag_conf = -1, fixed_direct = -1, fixed_rt60 = 0, off_line = -1, line_limit = -1;
  int room = 0;
  std::string dereverb = "auto";
  long wpe_fit = -1;
  std::vector<std::string> rooms = {"dry", "arthur", "council", "jack", "clap"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (a == "--from") from = std::atof(argv[i + 1]);
    else if (a == "--stride") stride = std::atoi(argv[i + 1]);
    else if (a == "--first") first = std::atoi(argv[i + 1]);
    else if (a == "--refine") refine = std::atoi(argv[i + 1]) != 0;
    else if (a == "--room") room = std::atoi(argv[i + 1]);
    else if (a == "--only") only = argv[i + 1];
    else if (a == "--dump") dump = std::atoi(argv[i + 1]) != 0;
    else if (a == "--oracle") oracle = std::atoi(argv[i + 1]) != 0;
    else if (a == "--fraction") fraction = std::atof(argv[i + 1]);
    else if (a == "--audio-fraction") audio_fraction = std::atof(argv[i + 1]);
    else if (a == "--onset-weight") onset_weight = std::atof(argv[i + 1]);
    else if (a == "--rev-fraction") rev_fraction = std::atof(argv[i + 1]);
    else if (a == "--lag-conf-rev") lag_conf_rev = std::atof(argv[i + 1]);
    else if (a == "--lag") lag = std::atof(argv[i + 1]);
    else if (a == "--lag-window") lag_window = std::atof(argv[i + 1]);
    else if (a == "--lag-conf") lag_conf = std::atof(argv[i + 1]);
    else if (a == "--line-limit") line_limit = std::atof(argv[i + 1]);
    else if (a == "--off-line") off_line = std::atof(argv[i + 1]);
    else if (a == "--fixed") std::sscanf(argv[i + 1], "%lf,%lf", &fixed_direct, &fixed_rt60);
    else if (a == "--dereverb") dereverb = argv[i + 1];
    else if (a == "--dereverb-fit") wpe_fit = std::atol(argv[i + 1]);
    else if (a == "--rooms") {
      rooms.clear();
      std::string s = argv[i + 1];
      for (std::size_t p = 0; p != std::string::npos;) {
        const std::size_t q = s.find(',', p);
        rooms.push_back(s.substr(p, q == std::string::npos ? q : q - p));
        p = q == std::string::npos ? q : q + 1;
      }
    }
  }
  const std::vector<fs::path> files = pvbench::real_midis();
  if (files.empty()) {
    std::fprintf(stderr, "align_sweep: no real performances in %s/performance-midi\n", PV_SHARED_DATA);
    return 1;
  }
  std::vector<double> all;
  std::vector<std::vector<double>> per_room(rooms.size());
  int within = 0, count = 0;
  for (std::size_t f = first; f < files.size(); f += stride) {
    if (!only.empty() && files[f].filename().string().find(only) == std::string::npos) continue;
    const auto midi = cut(pv::midi::read(files[f]), from, seconds);
    if (midi.notes.size() < 20) continue;
    for (std::size_t r = 0; r < rooms.size(); ++r) {
      sim::SimOptions so;
      so.samples_root = fs::path(PV_SOURCE_DIR) / "assets" / "npm";
      if (const char* ir = room_file(rooms[r])) so.impulse_response = fs::path(PV_SHARED_DATA) / "impulse-responses" / ir;
      so.snr_db = 30;
      const int k = static_cast<int>(f * rooms.size() + r);
      so.map = {-2.0 + 0.37 * (k % 11), -500.0 + 97.0 * (k % 11), 2.0 + (k % 3), static_cast<std::uint32_t>(k + 1)};
      auto s = sim::simulate(midi, so);
      AlignOptions ao;
      ao.refine_onsets = refine;
      if (wpe_fit >= 0) ao.dereverb_options.fit_frames = wpe_fit;
      ao.dereverb = dereverb == "off" ? DereverbMode::Off : dereverb == "on" ? DereverbMode::On : DereverbMode::Auto;
      if (fraction >= 0) ao.refine.attack_fraction = fraction;
      if (audio_fraction >= 0) ao.refine.audio_fraction = audio_fraction;
      if (onset_weight >= 0) ao.onset_weight = onset_weight;
      if (rev_fraction >= 0) ao.refine.reverberant_audio_fraction = rev_fraction;
      if (lag_conf_rev >= 0) ao.refine.lag_min_confidence_reverberant = lag_conf_rev;
      if (lag >= 0) ao.refine.lag_search_s = lag;
      if (lag_window >= 0) ao.refine.lag_window_s = lag_window;
      if (lag_conf >= 0) ao.refine.lag_min_confidence = lag_conf;
      if (off_line >= 0) ao.off_line_limit_s = off_line;
      if (line_limit >= 0) ao.line_limit_s = line_limit;
      ao.room = room == 0 ? RoomMode::Estimate : RoomMode::Dry;
      if (fixed_direct >= 0) ao.room = RoomMode::Fixed, ao.fixed_room = {fixed_direct, fixed_rt60 / 13.8155};
      auto res = align(s.audio, midi, ao);
      if (oracle) {  // the refinement started from the true map: the attack detector's own error
        // The true render-time -> recording-time map at every distinct onset (and 1 s before the first).
        const auto sched = [](double t) { return pv::synth::scheduled_time(t, 22050); };
        std::vector<double> on;
        for (const auto& n : midi.notes) on.push_back(n.onset);
        std::sort(on.begin(), on.end());
        TimeMap truth;
        truth.src.push_back(sched(on.front()) - 1.0);
        truth.dst.push_back(so.map(on.front() - 1.0));
        for (double t : on)
          if (sched(t) > truth.src.back() + 1e-4) truth.src.push_back(sched(t)), truth.dst.push_back(so.map(t));
        auto rg = attack_gram(pv::synth::render(midi, 22050, ao.synth), 22050);
        apply_room(rg, res.report.room);
        const auto ag = attack_gram(res.report.dereverberated ? dereverberate(s.audio, 22050, ao.dereverb_options) : s.audio, 22050);
        double lg = 0;
        lag_scan(truth, midi, rg, ag, &pv::synth::scheduled_time, 22050, ao.refine, &lg);
        std::printf("    oracle lag scan %.2f ms\n", lg);
        res.map = refine_map(truth, midi, rg, ag, &pv::synth::scheduled_time, 22050, ao.refine, nullptr);
      }
      std::vector<double> e;
      double sm = 0;
      for (const auto& n : midi.notes) {
        if (so.map(n.onset) < 0.1) continue;  // played before the recording started: not in the audio
        const double v = (aligned_time(res.map, n.onset, 22050) - so.map(n.onset)) * 1e3;
        e.push_back(std::fabs(v));
        if (dump) std::printf("  %8.3f p%3d v%3d err %8.2f\n", n.onset, n.pitch, n.velocity, v);
        sm += v;
      }
      const double med = pct(e, 0.5), p95 = pct(e, 0.95);
      std::printf("%-30.30s %-8s n %5zu med %5.2f p95 %6.2f signed %6.2f | room %.2f %.2f gain %.2f%%%s %s\n",
                  files[f].filename().c_str(), rooms[r].c_str(), e.size(), med, p95, sm / e.size(),
                  res.report.room.direct, res.report.room.tau_s,
                  100.0 * (1.0 - res.report.room_distance / std::max(1e-9, res.report.dry_distance)), res.report.dereverberated ? " wpe" : "",
                  med <= 3 && p95 <= 10 ? "" : "  <-- miss");
      std::printf("    off line %.2f s; lag scan %.2f ms; refine groups %d used %d median |corr| %.2f ms; rise q75 render %.2f audio %.2f ms -> edge %.2f/%.2f\n",
                  res.report.off_line_s, res.report.lag_scan_median_ms, res.report.onset_groups, res.report.refined_groups, res.report.median_correction_ms,
                  res.report.render_rise_q75_ms, res.report.audio_rise_q75_ms, res.report.render_edge_fraction,
                  res.report.audio_edge_fraction);
      std::fflush(stdout);
      within += med <= 3 && p95 <= 10;
      ++count;
      all.insert(all.end(), e.begin(), e.end());
      per_room[r].insert(per_room[r].end(), e.begin(), e.end());
    }
  }
  for (std::size_t r = 0; r < rooms.size(); ++r)
    std::printf("room %-8s median %.2f p95 %.2f\n", rooms[r].c_str(), pct(per_room[r], 0.5), pct(per_room[r], 0.95));
  std::printf("ALL cases %d within %d  median %.2f p95 %.2f\n", count, within, pct(all, 0.5), pct(all, 0.95));
}
