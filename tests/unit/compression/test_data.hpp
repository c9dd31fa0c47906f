#pragma once
// Inputs for the codec tests: the seed workload's JSON log records and incompressible bytes.

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace rawkafka::compression::testing {

// xorshift64*: deterministic, so failures reproduce.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed ? seed : 0x9e3779b97f4a7c15ULL) {}
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dULL;
  }
};

// One record as the seed producers write it (json.dumps of Timestamp, Level, Message,
// ResourceID), about 125 bytes.
inline std::string json_log_record(uint64_t i, Rng& rng) {
  static const char* const kLevels[] = {"INFO", "WARNING", "ERROR", "DEBUG"};
  char buf[256];
  uint64_t ms = 1745165341123ULL + i * 7 + rng.next() % 5;
  uint64_t sec = ms / 1000;
  int n = std::snprintf(buf, sizeof buf,
                        "{\"Timestamp\": \"2025-04-20T%02u:%02u:%02u.%03u%03u\", \"Level\": \"%s\", "
                        "\"Message\": \"Test log message %llu\", \"ResourceID\": \"resource-%llu\"}",
                        unsigned(sec / 3600 % 24), unsigned(sec / 60 % 60), unsigned(sec % 60),
                        unsigned(ms % 1000), unsigned(rng.next() % 1000),
                        kLevels[rng.next() % 4], static_cast<unsigned long long>(i),
                        static_cast<unsigned long long>(i % 10));
  return std::string(buf, size_t(n));
}

// Records concatenated until `size` bytes (the last one cut), like a batch's record section.
inline std::vector<uint8_t> json_logs(size_t size, uint64_t seed = 1) {
  Rng rng(seed);
  std::vector<uint8_t> out;
  out.reserve(size);
  for (uint64_t i = 0; out.size() < size; ++i) {
    std::string record = json_log_record(i, rng);
    out.insert(out.end(), record.begin(), record.end());
  }
  out.resize(size);
  return out;
}

inline std::vector<uint8_t> random_bytes(size_t size, uint64_t seed = 2) {
  Rng rng(seed);
  std::vector<uint8_t> out(size);
  for (auto& b : out) b = uint8_t(rng.next() >> 56);
  return out;
}

inline std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace rawkafka::compression::testing
