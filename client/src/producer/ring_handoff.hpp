#pragma once
// Handing a record from any thread to the core that owns its partition: each thread gets a
// slot on its first produce and one SpscByteRing per core it hands records to (made on the
// first), copies the record into the target core's ring and wakes the core only if it is
// asleep.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "producer_shared.hpp"
#include "record_entry.hpp"
#include "spsc_ring.hpp"

namespace rawkafka::client::detail {

struct ThreadRings {
  uint64_t producer_uid = 0;
  unsigned slot = 0;                   // this thread's index in every core's ring slots
  std::vector<SpscByteRing*> per_core;  // null until the thread first hands a record to it
  unsigned home_core = 0;  // where this thread's unkeyed records go
};

// The calling thread's rings for this producer, registering them on first use; nullptr when
// kMaxRingSources threads already have rings.
ThreadRings* thread_rings(ProducerShared& shared);

enum class HandoffResult : uint8_t { queued, full, too_large };

// Copies the record into the ring for `core`. When the ring is full: with `wait_step` set
// (called with the number of looks so far, to back off),
// calls it repeatedly (it should run I/O or sleep briefly) until space appears or
// `deadline_ns` passes; without, returns full at once.
HandoffResult hand_over(ProducerShared& shared, ThreadRings& rings, unsigned core,
                        const RecordEntryHeader& header, const std::optional<protocol::Bytes>& key,
                        const std::optional<protocol::Bytes>& value,
                        std::span<const protocol::RecordHeader> headers, int64_t deadline_ns,
                        const std::function<void(unsigned)>* wait_step);

}  // namespace rawkafka::client::detail
