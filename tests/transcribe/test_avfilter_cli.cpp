// `pianovam avfilter` end to end on a generated scene: MIDI + Handskeleton JSON + corners/metadata.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "io/json/handskeleton.hpp"
#include "io/json/metadata.hpp"
#include "io/midi/midi.hpp"
#include "keyboard/keyboard.hpp"
#include "test_util.hpp"

namespace {
// Keyboard corners in pixels of a 1920x1080 frame.
const pv::KeyboardCorners kPx{{192, 540}, {1728, 540}, {1728, 648}, {192, 648}};

void scene(const std::filesystem::path& dir) {
  pv::kb::Keyboard88 kb = pv::kb::Keyboard88::from_pixels(kPx, 1920, 1080);
  pv::hands_io::HandTrack t;
  t.frames.resize(180);
  auto hand = [&](double u) {
    pv::Point2 p = kb.from_plane({u, 0.5 * kb.depth()});
    pv::HandObservation h;
    for (auto& l : h.points) l.x = static_cast<float>(p.x), l.y = static_cast<float>(p.y);
    return h;
  };
  for (int f = 50; f < 130; ++f) t.frames[f].right = hand(23.5), t.frames[f].left = hand(9.5);  // C4, C2
  pv::hands_io::write_json(dir / "hands.json", t);
  pv::Performance perf;
  for (auto [p, on] : {std::pair{60, 1.0}, {36, 1.2}, {61, 1.4}, {75, 1.5}, {90, 1.6}, {60, 2.5}}) {
    pv::Note n;
    n.pitch = p, n.onset = on, n.key_offset = n.sound_offset = on + 0.2, n.velocity = 70;
    perf.notes.push_back(n);
  }
  pv::midi::write(dir / "pred.mid", perf);
}
}  // namespace

TEST(AvFilterCli, CornersAndMetadataGiveTheSameResult) {
  auto dir = pvtest::temp_dir();
  scene(dir);
  auto r = pvtest::run_cli("avfilter --midi " + (dir / "pred.mid").string() + " --hands " + (dir / "hands.json").string() +
                           " --corners '192,540;1728,540;1728,648;192,648' --frame-size 1920x1080 -o " +
                           (dir / "out.mid").string() + " --log " + (dir / "removed.tsv").string() + " --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["notes_in"], 6);
  EXPECT_EQ(j["removed"], 2);                // D#5 (75) and F#6 (90): far from both hands
  EXPECT_EQ(j["kept_without_evidence"], 1);  // the note at 2.5 s: no hands in that frame
  auto out = pv::midi::read(dir / "out.mid");
  EXPECT_EQ(out.notes.size(), 4u);
  std::string log = pv::read_file(dir / "removed.tsv");
  EXPECT_NE(log.find("\t75\t"), std::string::npos);
  EXPECT_NE(log.find("\t90\t"), std::string::npos);

  pv::meta::Metadata m;
  pv::SessionMetadata rec;
  rec.record_time = "2024-01-02_03-04-05";
  rec.corners = kPx;
  m.records.emplace_back("0", rec);
  pv::meta::write(dir / "metadata.json", m);
  auto r2 = pvtest::run_cli("avfilter --midi " + (dir / "pred.mid").string() + " --hands " +
                            (dir / "hands.json").string() + " --metadata " + (dir / "metadata.json").string() +
                            " --id 2024-01-02_03-04-05 -o " + (dir / "out2.mid").string() + " --json");
  ASSERT_EQ(r2.rc, 0) << r2.out;
  EXPECT_EQ(nlohmann::json::parse(r2.out)["removed"], 2);

  auto r3 = pvtest::run_cli("avfilter --reference --midi " + (dir / "pred.mid").string() + " --hands " +
                            (dir / "hands.json").string() + " --corners '192,540;1728,540;1728,648;192,648' -o " +
                            (dir / "out3.mid").string() + " --json");
  ASSERT_EQ(r3.rc, 0) << r3.out;
  EXPECT_EQ(nlohmann::json::parse(r3.out)["removed"], 2);
}

TEST(AvFilterCli, UsageAndInputErrors) {
  auto dir = pvtest::temp_dir();
  scene(dir);
  std::string base = "avfilter --midi " + (dir / "pred.mid").string() + " --hands " + (dir / "hands.json").string() +
                     " -o " + (dir / "o.mid").string();
  EXPECT_EQ(pvtest::run_cli(base).rc, 2);                                  // no corners
  EXPECT_EQ(pvtest::run_cli(base + " --corners '1,2;3,4'").rc, 2);         // 3 points missing
  EXPECT_EQ(pvtest::run_cli(base + " --corners '1,1;1,1;1,1;1,1'").rc, 2); // degenerate
  EXPECT_EQ(pvtest::run_cli(base + " --metadata " + (dir / "none.json").string() + " --id x").rc, 1);
  pv::write_file_atomic(dir / "bad.json", "{\"0\": {\"Left\": [1, 2]}}");
  EXPECT_EQ(pvtest::run_cli("avfilter --midi " + (dir / "pred.mid").string() + " --hands " +
                            (dir / "bad.json").string() + " --corners '192,540;1728,540;1728,648;192,648' -o " +
                            (dir / "o.mid").string())
                .rc,
            1);
  EXPECT_FALSE(std::filesystem::exists(dir / "o.mid"));
}
