#pragma once
// Internals of the Handskeleton JSON reader, exposed for tests and benchmarks.
#include <string>
#include <string_view>

#include "io/json/handskeleton.hpp"

namespace pv::hands_io {

// Highest accepted frame number + 1 (about 9 h at 60 fps); guards the dense frame vector.
inline constexpr long long kMaxFrames = 2'000'000;

namespace detail {
// The hand-written single-pass parser (throws an internal type on escapes in keys; use parse_json).
HandTrack parse_json_fast(std::string_view text, const std::string& name);
// The general nlohmann DOM parser (the fallback).
HandTrack parse_json_dom(std::string_view text, const std::string& name);
}  // namespace detail

}  // namespace pv::hands_io
