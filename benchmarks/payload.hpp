#pragma once
// The records every client of the comparison sends: a fixed pool, generated from a fixed seed, so
// that rawproduce, the librdkafka peer and the Java ProducerPerformance (through a payload file)
// put the same bytes on the wire.
//
//  - json-logs: the seed workload, one JSON log line per record (~120 bytes), e.g.
//      {"Timestamp": "2025-04-27T06:03:34.000037Z", "Level": "WARN",
//       "Message": "Test log message 1", "ResourceID": "resource-1"}
//  - random: `record_size` uppercase letters, like ProducerPerformance's random payload.
//
// Header-only and std-only so that any program can include it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace rawkafka::bench {

enum class PayloadKind : uint8_t { json_logs, random };

inline bool parse_payload_kind(std::string_view text, PayloadKind& out) {
  if (text == "json-logs") {
    out = PayloadKind::json_logs;
  } else if (text == "random") {
    out = PayloadKind::random;
  } else {
    return false;
  }
  return true;
}

inline std::string_view to_string(PayloadKind kind) {
  return kind == PayloadKind::json_logs ? "json-logs" : "random";
}

// splitmix64: small, fast and identical on every platform (std:: distributions are not).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t bound) { return uint32_t((next() >> 32) * bound >> 32); }

 private:
  uint64_t state_;
};

inline constexpr uint64_t kPayloadSeed = 0x5eedu;
inline constexpr size_t kPayloadPoolSize = 8192;
// 2025-04-27T06:03:34Z, the date of the seed post; record i is stamped i * 37 µs later.
inline constexpr int64_t kJsonLogsEpochSeconds = 1745733814;

// One JSON log line in the seed's shape (Python json.dumps separators).
inline std::string json_log_line(uint64_t index, SplitMix64& rng) {
  static constexpr const char* kLevels[] = {"INFO", "WARN", "ERROR", "DEBUG"};
  int64_t micros = int64_t(index) * 37;
  std::time_t seconds = std::time_t(kJsonLogsEpochSeconds + micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                int(micros % 1000000));
  char line[256];
  int n = std::snprintf(line, sizeof line,
                        "{\"Timestamp\": \"%s\", \"Level\": \"%s\", \"Message\": \"Test log message "
                        "%llu\", \"ResourceID\": \"resource-%llu\"}",
                        stamp, kLevels[rng.below(4)], static_cast<unsigned long long>(index),
                        static_cast<unsigned long long>(index % 10));
  return std::string(line, size_t(n));
}

inline std::string random_letters(size_t size, SplitMix64& rng) {
  std::string s(size, 'A');
  for (char& c : s) c = char('A' + rng.below(26));
  return s;
}

// A record's key when keys are asked for: one of 1024 decimal strings, spread by the partitioner.
inline std::string record_key(uint64_t index) { return "key-" + std::to_string(index % 1024); }

// The pool of values; record i of a run is pool[i % pool.size()].
inline std::vector<std::string> make_payload_pool(PayloadKind kind, size_t record_size,
                                                  size_t pool_size = kPayloadPoolSize,
                                                  uint64_t seed = kPayloadSeed) {
  SplitMix64 rng(seed);
  std::vector<std::string> pool;
  pool.reserve(pool_size);
  for (size_t i = 0; i < pool_size; ++i) {
    pool.push_back(kind == PayloadKind::json_logs ? json_log_line(i, rng)
                                                  : random_letters(record_size, rng));
  }
  return pool;
}

}  // namespace rawkafka::bench
