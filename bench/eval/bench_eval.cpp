// Transcription metrics on a split of real performances (ASAP MIDIs, pedal rule applied) against
// degraded copies, timed against Debian's mir_eval 0.7 on the same pairs (python3 subprocess).
// Both sides are timed in CPU time (single-threaded; robust on a loaded machine).
// PV_BENCH_EVAL_FILES=N uses the first N files of the split order (default 10; "all" = 40).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "../../tests/eval/jitter.hpp"
#include "core/pedal_rule.hpp"
#include "eval/transcription.hpp"
#include "io/midi/midi.hpp"

namespace fs = std::filesystem;

namespace {

struct Pair {
  std::string name;
  pv::eval::NoteList ref, est;
};
std::vector<Pair> g_pairs;

const char* kScript = R"PY(
import sys, glob, os, time
import numpy as np
from mir_eval import transcription, transcription_velocity
total = 0.0
for f in sorted(glob.glob(os.path.join(sys.argv[1], '*_ref.txt'))):
    r = np.loadtxt(f, ndmin=2); e = np.loadtxt(f.replace('_ref', '_est'), ndmin=2)
    args = (r[:, 0:2], r[:, 2], e[:, 0:2], e[:, 2])
    t = time.process_time()
    transcription.evaluate(*args)
    transcription_velocity.evaluate(r[:, 0:2], r[:, 2], r[:, 3], e[:, 0:2], e[:, 2], e[:, 3])
    total += time.process_time() - t
print(total)
)PY";

void write_list(const fs::path& f, const pv::eval::NoteList& n) {
  std::ofstream o(f);
  char buf[160];
  for (std::size_t i = 0; i < n.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.17g %.17g %.17g %.17g\n", n.onset[i], n.offset[i], n.pitch[i], n.velocity[i]);
    o << buf;
  }
}

void BM_EvalSplit(benchmark::State& state) {
  for (auto _ : state) {
    double sum = 0;
    for (const auto& p : g_pairs) {
      auto a = pv::eval::evaluate_transcription(p.ref, p.est);
      auto b = pv::eval::evaluate_velocity(p.ref, p.est);
      sum += a[0].second + b[0].second;
    }
    benchmark::DoNotOptimize(sum);
  }
}

class Capture : public benchmark::ConsoleReporter {
 public:
  double seconds = 0;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration && r.iterations > 0)
        seconds = r.cpu_accumulated_time / static_cast<double>(r.iterations);
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::path(PV_SHARED_DATA) / "performance-midi";
  if (!fs::exists(dir)) {
    std::printf("bench_eval: %s not present, nothing to measure\n", dir.c_str());
    return 0;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".mid") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  // Split order: every 4th file first (a spread of composers and lengths), then the rest.
  std::vector<fs::path> order;
  for (int start = 0; start < 4; ++start)
    for (std::size_t i = start; i < files.size(); i += 4) order.push_back(files[i]);
  std::size_t count = 10;
  if (const char* env = std::getenv("PV_BENCH_EVAL_FILES"))
    count = std::string(env) == "all" ? order.size() : std::stoul(env);
  order.resize(std::min(count, order.size()));

  fs::path tmp = fs::temp_directory_path() / ("pv_bench_eval_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  std::size_t notes = 0;
  unsigned seed = 1;
  for (const auto& f : order) {
    pv::Performance perf = pv::midi::read(f);
    pv::PedalRule{}.apply(perf);
    std::erase_if(perf.notes, [](const pv::Note& n) { return n.sound_offset <= n.onset; });
    Pair p{f.stem().string(), pv::eval::from_notes(perf.notes, true, f.string()),
           pv::eval::from_notes(pvtest::jittered(perf.notes, seed++), true, "estimate")};
    // mir_eval sees the same numbers: MIDI pitch converted to Hz here, written with 17 digits.
    write_list(tmp / (p.name + "_ref.txt"), p.ref);
    write_list(tmp / (p.name + "_est.txt"), p.est);
    notes += p.ref.size();
    g_pairs.push_back(std::move(p));
  }
  std::printf("split: %zu files, %zu reference notes\n", g_pairs.size(), notes);

  double py_seconds = -1;
  const char* pythons[] = {"/usr/bin/python3", "python3"};
  for (const char* py : pythons) {
    if (std::system((std::string(py) + " -c 'import mir_eval' >/dev/null 2>&1").c_str()) != 0) continue;
    std::ofstream(tmp / "bench.py") << kScript;
    std::string cmd = std::string(py) + " -W ignore " + (tmp / "bench.py").string() + " " + tmp.string();
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[128] = {};
    if (p && std::fgets(buf, sizeof buf, p)) py_seconds = std::atof(buf);
    if (p) ::pclose(p);
    break;
  }
  fs::remove_all(tmp);

  benchmark::Initialize(&argc, argv);
  benchmark::RegisterBenchmark("eval_split/notes+velocity", BM_EvalSplit)->Unit(benchmark::kMillisecond);
  Capture rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  benchmark::Shutdown();
  if (py_seconds > 0 && rep.seconds > 0)
    std::printf("CPU time, same pairs: mir_eval 0.7 (python3) %.3f s, pianovam %.4f s: speed-up %.0fx (target >= 50x)\n", py_seconds,
                rep.seconds, py_seconds / rep.seconds);
  else
    std::printf("mir_eval not available: no baseline ratio\n");
  return 0;
}
