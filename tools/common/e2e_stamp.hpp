#pragma once
// End-to-end latency stamps. With --e2e, rawproduce puts a header "rawkafka.sent_ns" on every
// record: the wall-clock time at which it handed the record to the producer, in nanoseconds
// since the Unix epoch (std::chrono::system_clock, i.e. CLOCK_REALTIME), as 8 bytes big-endian.
// rawconsume --e2e subtracts it from the time it read the record. A wall clock and not a steady
// one because producer and consumer may be different processes on different machines; across
// machines the figures are only as good as the clocks' agreement (NTP, PTP).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::tools {

inline constexpr std::string_view kSentNsHeader = "rawkafka.sent_ns";
inline constexpr size_t kSentNsSize = 8;

// The stamp for now.
inline uint64_t sent_ns_now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count());
}

// Writes `ns` to out[0..8), big-endian.
inline void encode_sent_ns(uint64_t ns, uint8_t* out) {
  for (int i = int(kSentNsSize) - 1; i >= 0; --i) {
    out[i] = uint8_t(ns);
    ns >>= 8;
  }
}

// The stamp in a header value; none when the value is not 8 bytes.
inline std::optional<uint64_t> decode_sent_ns(protocol::Bytes value) {
  if (value.size() != kSentNsSize) return std::nullopt;
  uint64_t ns = 0;
  for (uint8_t b : value) ns = (ns << 8) | b;
  return ns;
}

}  // namespace rawkafka::tools
