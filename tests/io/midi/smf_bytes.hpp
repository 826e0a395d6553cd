#pragma once
// Hand-built Standard MIDI File bytes for tests.
#include <cstdint>
#include <initializer_list>
#include <string>

namespace smftest {

inline std::string be(std::uint32_t v, int n) {
  std::string s;
  for (int k = n - 1; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
  return s;
}
inline std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}
inline std::string vlq(std::uint32_t v) {
  std::string s(1, static_cast<char>(v & 0x7F));
  while (v >>= 7) s.insert(s.begin(), static_cast<char>((v & 0x7F) | 0x80));
  return s;
}
// MThd with a raw 16-bit division word.
inline std::string header(int format, int ntracks, std::uint16_t division) {
  return "MThd" + be(6, 4) + be(format, 2) + be(ntracks, 2) + be(division, 2);
}
inline std::string chunk(const std::string& id, const std::string& body) { return id + be(body.size(), 4) + body; }
inline std::string track(const std::string& body) { return chunk("MTrk", body); }
inline std::string end_of_track() { return bytes({0x00, 0xFF, 0x2F, 0x00}); }
inline std::string tempo(std::uint32_t delta, std::uint32_t us) { return vlq(delta) + bytes({0xFF, 0x51, 0x03}) + be(us, 3); }

}  // namespace smftest
