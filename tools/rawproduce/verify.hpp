#pragma once
// --verify: each record carries a "rawproduce.seq" header whose value is its 8-byte big-endian
// sequence number. Producer thread t sends sequences t, t+T, t+2T, ... (T threads); record s
// carries payload s of the pool (and key "key-<s mod N>" with --keys). Reading the topic back
// from where it ended before the run, we can tell lost, duplicated, reordered and altered
// records apart.

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "payload.hpp"
#include "report.hpp"
#include "rawkafka/client/fetcher.hpp"

namespace rawkafka::rawproduce {

inline constexpr std::string_view kSequenceHeader = "rawproduce.seq";

inline void encode_sequence(uint64_t seq, uint8_t out[8]) {
  for (int i = 7; i >= 0; --i) {
    out[i] = uint8_t(seq);
    seq >>= 8;
  }
}

// Writes "key-<i>" into buf (at least 24 bytes) and returns its length.
size_t format_key(uint64_t i, char* buf);

class Verifier {
 public:
  // `generated`: one past the highest sequence any thread produced; `keys`: --keys (0 = none).
  Verifier(const PayloadPool& pool, uint64_t generated, unsigned threads, uint64_t keys);

  void on_record(const client::ConsumedRecord& record);
  // `acknowledged`: records the broker acknowledged during the run.
  VerifySummary finish(uint64_t acknowledged) const;

 private:
  const PayloadPool& pool_;
  uint64_t generated_;
  unsigned threads_;
  uint64_t keys_;
  std::vector<uint64_t> seen_;  // bitmap over sequences
  uint64_t unique_ = 0;
  VerifySummary summary_;
  std::unordered_map<uint64_t, uint64_t> last_seq_;  // (partition, thread) -> last sequence
};

}  // namespace rawkafka::rawproduce
