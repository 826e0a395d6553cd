#pragma once
// Banded dynamic time warping between two feature sequences (rows X, columns Y), cosine distance,
// steps (1,1) cost d, (1,0) and (0,1) cost d + penalty (reference: penalty = mean distance).
// Memory: one direction byte per band cell plus two rows of accumulated cost.
#include <cstdint>
#include <utility>
#include <vector>

#include "align/cqt.hpp"

namespace pv::align {

// Allowed columns [lo[i], hi[i]] for every row i; lo and hi are non-decreasing.
struct Band {
  std::vector<int> lo, hi;
  std::int64_t cells() const;
  // Makes the band usable: clamps to [0, m), makes lo/hi monotone, connects consecutive rows and
  // includes (0, 0) and (n-1, m-1).
  void repair(int m);
};

// Parallelogram around the two slope-1 lines from (0,0) and to (n-1,m-1), widened by `radius`.
Band diagonal_band(int n, int m, int radius);
// Fine band (rows n, columns m) covering the coarse path cells at `factor` times the resolution,
// widened by `radius` fine columns.
Band band_around_path(const std::vector<std::pair<int, int>>& coarse_path, int factor, int n, int m, int radius);

struct DtwResult {
  std::vector<std::pair<int, int>> path;  // (row, column) from (0,0) to (n-1,m-1)
  double cost = 0.0;                      // accumulated cost at the end
  double mean_path_distance = 0.0;        // mean d(i,j) along the path
  double penalty = 0.0;
  std::int64_t cells = 0;
};

// Mean cosine distance over the band, estimated from a row subsample.
double mean_band_distance(const Features& X, const Features& Y, const Band& band, int max_rows = 512);

// penalty < 0: use mean_band_distance.
DtwResult banded_dtw(const Features& X, const Features& Y, const Band& band, double penalty = -1.0);

struct MultiscaleOptions {
  int factor = 16;          // coarse hop = factor * fine hop
  double band_seconds = 4.0; // Sakoe–Chiba half-width at the coarse level (beyond the length difference)
  int fine_radius = 24;     // fine frames on each side of the up-sampled coarse path
};

struct MultiscaleResult {
  DtwResult coarse, fine;
  Band coarse_band;
  Features coarse_x, coarse_y;  // pooled features (kept for plots)
};

MultiscaleResult multiscale_dtw(const Features& X, const Features& Y, const MultiscaleOptions& opt = {});

}  // namespace pv::align
