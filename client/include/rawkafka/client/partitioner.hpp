#pragma once
// Partition choice, as the Java client makes it:
//  - keyed records: murmur2 of the key bytes (Java's Utils.murmur2, seed 0x9747b28c),
//    (hash & 0x7fffffff) % partitions;
//  - unkeyed records: sticky (KIP-480, KIP-794) — stay on one partition until its batch is
//    closed, then move to another, so batches fill instead of spreading one record each.
// Everything here is per core: no locks, no allocation after construction/set_partitions().

#include <cstdint>
#include <span>
#include <vector>

#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::client {

// Java's org.apache.kafka.common.utils.Utils.murmur2(byte[]): 32-bit MurmurHash2 with seed
// 0x9747b28c, little-endian 4-byte blocks, signed result.
int32_t murmur2(protocol::Bytes data);

// Java's Utils.toPositive(murmur2(key)) % num_partitions. num_partitions must be > 0.
inline int32_t partition_for_key(protocol::Bytes key, int32_t num_partitions) {
  return int32_t(uint32_t(murmur2(key)) & 0x7fffffffu) % num_partitions;
}

// A small, fast pseudo-random generator (xorshift64*) for partition picks; not for crypto.
class PartitionRandom {
 public:
  explicit PartitionRandom(uint64_t seed) : state_(seed ? seed : 0x9e3779b97f4a7c15ull) {}
  uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dull;
  }
  // Uniform-enough in [0, bound); bound > 0.
  uint32_t below(uint32_t bound) { return uint32_t((uint64_t(uint32_t(next() >> 32)) * bound) >> 32); }

 private:
  uint64_t state_;
};

// Sticky partition choice for unkeyed records on one core. Holds one "current" partition until
// told that its batch was closed (full, or sent after linger.ms), then picks a different one at
// random from its candidates: all partitions 0..n-1, or the subset this core owns.
class StickyPartitioner {
 public:
  // seed 0 picks one from the clock and the object's address.
  explicit StickyPartitioner(uint64_t seed = 0);

  // All partitions 0..num_partitions-1 are candidates. Allocates; call off the hot path.
  void set_partition_count(int32_t num_partitions);
  // Only these partitions are candidates (e.g. the ones this core leads). Copied.
  // An empty list means "none": partition() then returns -1.
  void set_partitions(std::span<const int32_t> partitions);

  // The current sticky partition (picks one on first use); -1 when there are no candidates.
  int32_t partition() {
    if (current_ < 0) pick(-1);
    return current_;
  }
  // Java's onNewBatch: the batch of `partition` was closed. If it is the current sticky
  // partition, move to another candidate (a different one whenever there are two or more).
  void on_batch_closed(int32_t partition) {
    if (partition == current_) pick(current_);
  }
  // Moves to another partition now.
  void next() { pick(current_); }

  std::span<const int32_t> candidates() const { return candidates_; }

 private:
  void pick(int32_t avoid);

  std::vector<int32_t> candidates_;
  int32_t current_ = -1;
  PartitionRandom random_;
};

// Java's RoundRobinPartitioner: each record goes to the next candidate partition in turn.
class RoundRobinPartitioner {
 public:
  void set_partition_count(int32_t num_partitions);
  void set_partitions(std::span<const int32_t> partitions);
  // -1 when there are no candidates.
  int32_t partition() {
    if (candidates_.empty()) return -1;
    int32_t p = candidates_[next_];
    if (++next_ == candidates_.size()) next_ = 0;
    return p;
  }

 private:
  std::vector<int32_t> candidates_;
  size_t next_ = 0;
};

}  // namespace rawkafka::client
