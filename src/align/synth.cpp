#include "align/synth.hpp"

#include <fluidsynth.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.hpp"

namespace pv::synth {
namespace {

struct Event {
  long long sample;
  int order;  // at equal sample: note-offs (0), pedals (1), note-ons (2)
  int kind;   // 0 note-off, 1 cc, 2 note-on
  int channel, a, b;
};

long long event_sample(double t, int rate) {
  return std::max<long long>(0, std::llround(t * rate));
}

struct SettingsDel {
  void operator()(fluid_settings_t* s) const { delete_fluid_settings(s); }
};
struct SynthDel {
  void operator()(fluid_synth_t* s) const { delete_fluid_synth(s); }
};

}  // namespace

long long scheduled_sample(double t, int rate) {
  const long long s = event_sample(t, rate);
  return (s + kBlock - 1) / kBlock * kBlock;
}

std::vector<float> render(const Performance& perf, int rate, const SynthOptions& opt) {
  if (rate < 8000 || rate > 192000) throw Error("synth: unsupported sample rate " + std::to_string(rate));
  if (!std::filesystem::exists(opt.soundfont)) throw InputError(opt.soundfont, "SoundFont not found");

  fluid_set_log_function(FLUID_WARN, nullptr, nullptr);
  fluid_set_log_function(FLUID_INFO, nullptr, nullptr);
  fluid_set_log_function(FLUID_DBG, nullptr, nullptr);
  std::unique_ptr<fluid_settings_t, SettingsDel> settings(new_fluid_settings());
  if (!settings) throw Error("synth: cannot create FluidSynth settings");
  fluid_settings_setnum(settings.get(), "synth.sample-rate", rate);
  fluid_settings_setint(settings.get(), "synth.reverb.active", opt.reverb ? 1 : 0);
  fluid_settings_setint(settings.get(), "synth.chorus.active", opt.chorus ? 1 : 0);
  fluid_settings_setint(settings.get(), "synth.polyphony", opt.polyphony);
  fluid_settings_setnum(settings.get(), "synth.gain", opt.gain);
  fluid_settings_setint(settings.get(), "synth.threadsafe-api", 0);
  // Load only the samples of the presets in use (a GM SoundFont is ~140 MB, its piano a few MB).
  fluid_settings_setint(settings.get(), "synth.dynamic-sample-loading", 1);
  std::unique_ptr<fluid_synth_t, SynthDel> synth(new_fluid_synth(settings.get()));
  if (!synth) throw Error("synth: cannot create FluidSynth synthesizer");
  const int sf = fluid_synth_sfload(synth.get(), opt.soundfont.c_str(), 1);
  if (sf == FLUID_FAILED) throw InputError(opt.soundfont, "cannot load SoundFont");

  std::vector<Event> events;
  events.reserve(perf.notes.size() * 2 + perf.pedals.size());
  double end = 0.0;
  bool used[16] = {};
  for (const Note& n : perf.notes) {
    const int ch = std::clamp(n.channel, 0, 15);
    used[ch] = true;
    const int vel = std::clamp(n.velocity, 1, 127);
    const double off = std::max(n.key_offset, n.onset);
    events.push_back({event_sample(n.onset, rate), 2, 2, ch, std::clamp(n.pitch, 0, 127), vel});
    events.push_back({event_sample(off, rate), 0, 0, ch, std::clamp(n.pitch, 0, 127), 0});
    end = std::max(end, off);
  }
  for (const PedalEvent& p : perf.pedals) {
    const int ch = std::clamp(p.channel, 0, 15);
    used[ch] = true;
    events.push_back({event_sample(p.time, rate), 1, 1, ch, std::clamp(p.controller, 0, 127),
                      std::clamp(p.value, 0, 127)});
    end = std::max(end, p.time);
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& x, const Event& y) {
    return x.sample != y.sample ? x.sample < y.sample : x.order < y.order;
  });
  for (int ch = 0; ch < 16; ++ch)
    if (used[ch] && ch != 9) fluid_synth_program_change(synth.get(), ch, opt.program);

  const long long total = event_sample(end + std::max(0.0, opt.tail), rate) + 1;
  std::vector<float> out(static_cast<size_t>(total), 0.0f);
  std::vector<float> right(4096);
  long long pos = 0;
  size_t next = 0;
  // Renders [pos, upto) into out (left channel) and right, then mixes to mono.
  auto render_to = [&](long long upto) {
    while (pos < upto) {
      const int n = static_cast<int>(std::min<long long>(upto - pos, static_cast<long long>(right.size())));
      float* left = out.data() + pos;
      if (fluid_synth_write_float(synth.get(), n, left, 0, 1, right.data(), 0, 1) != FLUID_OK)
        throw Error("synth: FluidSynth render failed");
      for (int i = 0; i < n; ++i) left[i] = 0.5f * (left[i] + right[i]);
      pos += n;
    }
  };
  while (next < events.size()) {
    render_to(std::min(events[next].sample, total));
    for (; next < events.size() && events[next].sample <= pos; ++next) {
      const Event& e = events[next];
      if (e.kind == 2) fluid_synth_noteon(synth.get(), e.channel, e.a, e.b);
      else if (e.kind == 0) fluid_synth_noteoff(synth.get(), e.channel, e.a);
      else fluid_synth_cc(synth.get(), e.channel, e.a, e.b);
    }
  }
  render_to(total);
  return out;
}

}  // namespace pv::synth
