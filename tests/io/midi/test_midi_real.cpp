// Real performances (../shared/data/performance-midi): note counts and durations from index.csv, and the
// pedal rule checked against an independent event-sweep simulation of key and pedal state.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <vector>

#include "core/pedal_rule.hpp"
#include "io/midi/midi.hpp"
#include "random_performance.hpp"
#include "test_util.hpp"

namespace {

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      out.emplace_back();
    else if (c != '\r')
      out.back() += c;
  }
  return out;
}

struct IndexRow {
  std::string file;
  double duration_s;
  std::size_t note_count;
  int cc64_events, cc67_events;
};

std::vector<IndexRow> read_index() {
  std::ifstream in(pvtest::shared_data() / "performance-midi" / "index.csv");
  std::string line;
  std::getline(in, line);
  auto head = csv_fields(line);
  auto col = [&](const std::string& name) {
    auto it = std::find(head.begin(), head.end(), name);
    EXPECT_NE(it, head.end()) << "index.csv lacks column " << name;
    return static_cast<std::size_t>(it - head.begin());
  };
  const auto c_file = col("file"), c_dur = col("duration_s"), c_n = col("note_count"),
             c_64 = col("sustain_cc64_events"), c_67 = col("una_corda_cc67_events");
  std::vector<IndexRow> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto f = csv_fields(line);
    rows.push_back({f[c_file], std::stod(f[c_dur]), std::stoul(f[c_n]), std::stoi(f[c_64]), std::stoi(f[c_67])});
  }
  return rows;
}

// Independent pedal rule: sweep all events in time order, tracking which keys are held, which notes are
// sustained by the pedal, and cutting a sounding note when its pitch is struck again.
// At equal times: pedal changes first (the pedal state at t includes an event at t), then note-ons,
// then key releases.
std::vector<double> sweep_sound_offsets(const pv::Performance& perf) {
  enum Kind { kPedal = 0, kOn = 1, kRelease = 2 };
  struct Ev {
    double t;
    int kind;
    std::size_t idx;  // note index, or pedal index
  };
  std::vector<Ev> ev;
  for (std::size_t i = 0; i < perf.pedals.size(); ++i)
    if (perf.pedals[i].controller == 64) ev.push_back({perf.pedals[i].time, kPedal, i});
  for (std::size_t i = 0; i < perf.notes.size(); ++i) {
    ev.push_back({perf.notes[i].onset, kOn, i});
    ev.push_back({perf.notes[i].key_offset, kRelease, i});
  }
  std::stable_sort(ev.begin(), ev.end(), [](const Ev& a, const Ev& b) {
    return a.t != b.t ? a.t < b.t : a.kind < b.kind;
  });
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> end(perf.notes.size(), nan);
  std::vector<char> started(perf.notes.size(), 0);
  std::map<int, std::vector<std::size_t>> sounding;  // pitch -> notes started and not yet ended
  std::vector<std::size_t> sustained;                // released while the pedal was down, still sounding
  bool pedal = false;
  auto finish = [&](std::size_t i, double t) {
    if (!std::isnan(end[i])) return;
    end[i] = t;
    auto& s = sounding[perf.notes[i].pitch];
    s.erase(std::find(s.begin(), s.end(), i));
  };
  for (const auto& e : ev) {
    if (e.kind == kPedal) {
      pedal = perf.pedals[e.idx].value >= 64;
      if (!pedal) {
        for (auto i : sustained) finish(i, e.t);
        sustained.clear();
      }
    } else if (e.kind == kOn) {
      const auto& n = perf.notes[e.idx];
      auto copy = sounding[n.pitch];
      for (auto j : copy)
        if (perf.notes[j].onset < n.onset) finish(j, e.t);  // re-struck: the old sound stops
      started[e.idx] = 1;
      sounding[n.pitch].push_back(e.idx);
    } else {
      if (!std::isnan(end[e.idx])) continue;  // already cut by a new onset
      if (pedal)
        sustained.push_back(e.idx);
      else
        finish(e.idx, e.t);
    }
  }
  // Pedal still down at the end: the sound lasts to the end of the performance.
  double last = 0;
  for (const auto& n : perf.notes) last = std::max({last, n.onset, n.key_offset});
  for (const auto& p : perf.pedals) last = std::max(last, p.time);
  for (std::size_t i = 0; i < end.size(); ++i)
    if (std::isnan(end[i])) end[i] = last;
  return end;
}

void check_pedal_rule(pv::Performance perf, const std::string& what) {
  const auto expect = sweep_sound_offsets(perf);
  const auto before = perf.notes;
  pv::PedalRule{}.apply(perf);
  int bad = 0;
  for (std::size_t i = 0; i < perf.notes.size(); ++i) {
    EXPECT_EQ(perf.notes[i].onset, before[i].onset);
    if (std::abs(perf.notes[i].sound_offset - expect[i]) > 1e-3 && ++bad <= 5)
      ADD_FAILURE() << what << ": note " << i << " pitch " << before[i].pitch << " onset " << before[i].onset
                    << " key_offset " << before[i].key_offset << ": rule " << perf.notes[i].sound_offset
                    << ", sweep " << expect[i];
  }
  EXPECT_EQ(bad, 0) << what;
}

}  // namespace

TEST(MidiReal, EveryFileMatchesIndex) {
  PV_REQUIRE_SHARED("performance-midi/index.csv");
  auto rows = read_index();
  ASSERT_EQ(rows.size(), 40u);
  for (const auto& row : rows) {
    SCOPED_TRACE(row.file);
    pv::midi::MidiInfo info;
    auto perf = pv::midi::read(pvtest::shared_data() / "performance-midi" / row.file, &info);
    EXPECT_EQ(perf.notes.size(), row.note_count);
    // duration_s is the last channel event, printed with 2 decimals (so +-5 ms of rounding, +1 ms).
    EXPECT_NEAR(info.last_event_time, row.duration_s, 0.006);
    int cc64 = 0, cc67 = 0;
    for (const auto& e : perf.pedals) cc64 += e.controller == 64, cc67 += e.controller == 67;
    EXPECT_EQ(cc64, row.cc64_events);
    EXPECT_EQ(cc67, row.cc67_events);
    EXPECT_TRUE(std::is_sorted(perf.notes.begin(), perf.notes.end(),
                               [](const pv::Note& a, const pv::Note& b) { return a.onset < b.onset; }));
    for (const auto& n : perf.notes) {
      ASSERT_GE(n.key_offset, n.onset);
      ASSERT_GE(n.velocity, 1);
    }
  }
}

TEST(MidiReal, PedalRuleAgreesWithIndependentSweep) {
  PV_REQUIRE_SHARED("performance-midi/index.csv");
  auto rows = read_index();
  ASSERT_EQ(rows.size(), 40u);
  std::size_t extended = 0, total = 0;
  for (const auto& row : rows) {
    auto perf = pv::midi::read(pvtest::shared_data() / "performance-midi" / row.file);
    auto copy = perf;
    pv::PedalRule{}.apply(copy);
    for (const auto& n : copy.notes) extended += n.sound_offset > n.key_offset, ++total;
    check_pedal_rule(std::move(perf), row.file);
  }
  EXPECT_GT(extended, total / 10);  // the real files use the pedal a lot: the check is not vacuous
}

TEST(MidiReal, PedalRuleAgreesWithSweepOnGeneratedPerformances) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    auto perf = smftest::random_performance(seed, 400, 200, 30.0);
    check_pedal_rule(perf, "seed " + std::to_string(seed));
  }
}

TEST(MidiReal, RealFilesRoundTripThroughWriter) {
  PV_REQUIRE_SHARED("performance-midi/index.csv");
  auto rows = read_index();
  for (std::size_t k = 0; k < rows.size(); k += 7) {
    SCOPED_TRACE(rows[k].file);
    pv::midi::MidiInfo info;
    auto perf = pv::midi::read(pvtest::shared_data() / "performance-midi" / rows[k].file, &info);
    ASSERT_EQ(perf.tempos.size(), 1u);
    // Same tick grid as the source, so notes keep their order.
    pv::midi::WriteOptions opt{info.division, perf.tempos[0].us_per_quarter};
    auto back = pv::midi::parse(pv::midi::serialize(perf, opt), "back.mid");
    ASSERT_EQ(back.notes.size(), perf.notes.size());
    ASSERT_EQ(back.pedals.size(), perf.pedals.size());
    const double tick = opt.us_per_quarter / 1e6 / opt.division;
    for (std::size_t i = 0; i < perf.pedals.size(); ++i) {
      EXPECT_LE(std::abs(back.pedals[i].time - perf.pedals[i].time), tick);
      EXPECT_EQ(back.pedals[i].value, perf.pedals[i].value);
    }
    double worst = 0;
    for (std::size_t i = 0; i < perf.notes.size(); ++i) {
      EXPECT_EQ(back.notes[i].pitch, perf.notes[i].pitch);
      worst = std::max({worst, std::abs(back.notes[i].onset - perf.notes[i].onset),
                        std::abs(back.notes[i].key_offset - perf.notes[i].key_offset)});
    }
    EXPECT_LE(worst, tick);
  }
}

TEST(MidiReal, PedalRuleIgnoresStaleSoundOffsets) {
  // Pedal never released: the sound lasts to the end of the performance, whatever sound_offset held before.
  pv::Performance p;
  pv::Note n;
  n.pitch = 60;
  n.onset = 0.0;
  n.key_offset = 1.0;
  n.sound_offset = 50.0;  // stale
  p.notes = {n};
  p.pedals = {{0.5, 64, 127, 0}, {2.0, 67, 127, 0}};
  pv::PedalRule{}.apply(p);
  EXPECT_DOUBLE_EQ(p.notes[0].sound_offset, 2.0);
  pv::PedalRule{}.apply(p);  // idempotent
  EXPECT_DOUBLE_EQ(p.notes[0].sound_offset, 2.0);
}
