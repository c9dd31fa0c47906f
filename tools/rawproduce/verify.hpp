#pragma once
// --verify: each record carries a "rawproduce.seq" header whose value is its 8-byte big-endian
// sequence number. Producer thread t sends sequences t, t+T, t+2T, ... (T threads); record s
// carries payload s of the pool (and key "key-<s mod N>" with --keys). Reading the topic back
// from where it ended before the run, we can tell lost, duplicated, reordered and altered
// records apart.
//
// Only a complete read says what is lost: a record counts as lost when it was acknowledged and
// is absent from a read that reached the end of every partition. A read that could not finish
// (the broker stopped answering) reports what it read and that it is incomplete. Records that
// were not acknowledged (failed, timed out, never answered) but are in the topic are counted
// apart: they may have been persisted, and are not errors.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
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

// A set of sequence numbers as a bitmap that grows as needed. rawproduce keeps one per core
// thread (the acknowledged records of that core, so nothing is shared) and merges them at the end.
class SequenceSet {
 public:
  void insert(uint64_t seq) {
    const size_t word = size_t(seq / 64);
    if (word >= words_.size()) words_.resize(std::max(word + 1, words_.size() * 2));
    words_[word] |= uint64_t(1) << (seq % 64);
  }
  bool contains(uint64_t seq) const {
    const size_t word = size_t(seq / 64);
    return word < words_.size() && (words_[word] >> (seq % 64) & 1) != 0;
  }
  void merge(const SequenceSet& other);
  uint64_t size() const;
  const std::vector<uint64_t>& words() const { return words_; }

 private:
  std::vector<uint64_t> words_;
};

class Verifier {
 public:
  // `generated`: one past the highest sequence any thread produced; `keys`: --keys (0 = none).
  Verifier(const PayloadPool& pool, uint64_t generated, unsigned threads, uint64_t keys);

  void on_record(const client::ConsumedRecord& record);
  // After a complete read: `acknowledged` are the sequences the broker acknowledged.
  VerifySummary finish(const SequenceSet& acknowledged) const;
  // After a read that stopped early, for `why`: what was read, and nothing counted as lost.
  VerifySummary finish_incomplete(uint64_t acknowledged, std::string why) const;

 private:
  const PayloadPool& pool_;
  uint64_t generated_;
  unsigned threads_;
  uint64_t keys_;
  SequenceSet seen_;
  uint64_t unique_ = 0;
  VerifySummary summary_;
  std::unordered_map<uint64_t, uint64_t> last_seq_;  // (partition, thread) -> last sequence
};

// Reads the records produced since `before` (the end offsets listed before the run) back into
// `verifier`, one Fetcher::consume_all after another, each bounded by `stall` (its requests and
// connections too), for as long as each brings records: a broker that stops answering ends the
// read within `stall`. Returns "" when every partition was read to its end, else why not.
std::string read_back(const std::vector<io::Endpoint>& bootstrap, client::FetcherOptions options,
                      std::string_view topic, const std::vector<client::PartitionOffsets>& before,
                      std::chrono::milliseconds stall, Verifier& verifier);

}  // namespace rawkafka::rawproduce
