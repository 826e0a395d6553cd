#pragma once
// Shared by the real-data fingering tests and the benchmark: simulate hands from PIG ground truth, label
// them, and score the labels.
#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "fingering/assign.hpp"
#include "fingering/evaluate.hpp"
#include "fingering/pig.hpp"
#include "fingering/simulate.hpp"
#include "keyboard/keyboard.hpp"

namespace pvtest {

// A typical PianoVAM top view (1920x1080), keyboard corners in pixels; the simulated world is a true
// perspective view (homography) of the keyboard.
inline pv::kb::Keyboard88 sim_keyboard(pv::kb::KeyboardParams p = {.mapping = pv::kb::Mapping::Homography}) {
  pv::KeyboardCorners px{{118, 562}, {1802, 548}, {1812, 768}, {106, 784}};
  return pv::kb::Keyboard88::from_pixels(px, 1920, 1080, p);
}

inline std::vector<std::filesystem::path> pig_files(const std::filesystem::path& dir, int first, int last) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (name.size() < 4 || name.find("_fingering.txt") == std::string::npos) continue;
    int piece = std::stoi(name.substr(0, 3));
    if (piece >= first && piece <= last) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct SimEvalResult {
  pv::fing::FingeringScore score;
  pv::fing::Summary summary;
};

// Corners as a person marks them: the true ones plus Gaussian error (pixels).
inline pv::KeyboardCorners marked_corners(double sigma_px, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> N(0.0, sigma_px);
  pv::KeyboardCorners px{{118, 562}, {1802, 548}, {1812, 768}, {106, 784}};
  for (auto* p : {&px.lt, &px.rt, &px.rb, &px.lb}) p->x += N(rng), p->y += N(rng);
  return px;
}

// Simulates on the true keyboard; labels with `model` built from corners marked with `corner_error_px`.
inline SimEvalResult sim_eval(const std::vector<pv::Note>& gt, const pv::fing::SimConfig& sim,
                              const pv::fing::Config& cfg, pv::kb::Model model, double corner_error_px = 3.0) {
  auto frames = pv::fing::simulate_hands(gt, sim_keyboard(), sim);
  pv::kb::KeyboardParams kp;
  kp.model = model;
  auto kb = pv::kb::Keyboard88::from_pixels(marked_corners(corner_error_px, sim.seed + 1000), 1920, 1080, kp);
  SimEvalResult r;
  auto labels = pv::fing::assign(gt, frames, sim.fps, kb, cfg, &r.summary);
  std::vector<pv::Note> pred = gt;
  for (size_t i = 0; i < pred.size(); ++i) {
    pred[i].hand = labels[i].status == pv::fing::Status::Auto ? labels[i].hand : pv::Hand::Noinfo;
    pred[i].finger = labels[i].status == pv::fing::Status::Auto ? labels[i].finger : 0;
  }
  r.score = pv::fing::evaluate_fingering(pred, gt);
  return r;
}

}  // namespace pvtest
