#include "ring_handoff.hpp"

#include <atomic>
#include <thread>

#include "core_worker.hpp"

namespace rawkafka::client::detail {

namespace {
// A thread may produce to several producers over its life; keep one entry per producer.
thread_local std::vector<ThreadRings> t_rings;
}  // namespace

ThreadRings* thread_rings(ProducerShared& shared) {
  for (auto& r : t_rings) {
    if (r.producer_uid == shared.uid) return &r;
  }
  std::lock_guard lock(shared.ring_mutex);
  unsigned slot = shared.ring_count.load(std::memory_order_relaxed);
  if (slot >= kMaxRingSources) return nullptr;
  ThreadRings tr;
  tr.producer_uid = shared.uid;
  tr.slot = slot;
  tr.home_core = shared.next_home_core.fetch_add(1, std::memory_order_relaxed) %
                 unsigned(shared.cores.size());
  tr.per_core.assign(shared.cores.size(), nullptr);  // each made on the first record for it
  shared.ring_count.store(slot + 1, std::memory_order_release);
  // Drop entries of producers that no longer exist would need their uids; the list stays tiny.
  t_rings.push_back(std::move(tr));
  return &t_rings.back();
}

namespace {

SpscByteRing& ring_for(ProducerShared& shared, ThreadRings& rings, unsigned core) {
  if (!rings.per_core[core]) {
    std::lock_guard lock(shared.ring_mutex);
    shared.ring_storage.push_back(std::make_unique<SpscByteRing>(shared.ring_capacity));
    rings.per_core[core] = shared.ring_storage.back().get();
    shared.cores[core]->attach_ring(rings.slot, rings.per_core[core]);
  }
  return *rings.per_core[core];
}

}  // namespace

HandoffResult hand_over(ProducerShared& shared, ThreadRings& rings, unsigned core,
                        const RecordEntryHeader& header, const std::optional<protocol::Bytes>& key,
                        const std::optional<protocol::Bytes>& value,
                        std::span<const protocol::RecordHeader> headers, int64_t deadline_ns,
                        const std::function<void(unsigned)>* wait_step) {
  // What the owner would refuse is refused here, at once (as CoreWorker::append does).
  if (protocol::record_wire_size_for(0, 0, key, value, headers) + protocol::kRecordBatchHeaderSize + 256 >
      size_t(shared.config.max_request_size)) {
    return HandoffResult::too_large;
  }
  SpscByteRing& ring = ring_for(shared, rings, core);
  const size_t full_size = record_entry_size(key, value, header.headers_size);
  // Larger than a quarter of the ring: the record gets its own copy, the ring a pointer to it.
  const bool indirect = full_size > ring.capacity() / 4;
  const size_t size = indirect ? kIndirectEntrySize : full_size;
  CoreWorker& target = *shared.cores[core];
  uint8_t* p = ring.try_reserve(size);
  for (unsigned tries = 0; !p; ++tries) {
    if (!wait_step) return HandoffResult::full;
    // Prompt the owner now and then; once it is out of buffer memory it sleeps until an
    // answer frees some, and waking it on every look would only make it spin.
    if (tries % 16 == 0) target.wake();
    if (monotonic_ns() >= deadline_ns || shared.stop_requested.load(std::memory_order_relaxed)) {
      return HandoffResult::full;
    }
    (*wait_step)(tries);
    p = ring.try_reserve(size);
  }
  if (indirect) {
    auto* copy = new uint8_t[full_size];
    write_record_entry(copy, header, key, value, headers);
    write_indirect_entry(p, copy);
  } else {
    write_record_entry(p, header, key, value, headers);
  }
  ring.commit(size);
  // Dekker-style handshake with the core going to sleep: it sets `sleeping` and then looks at
  // the rings; we publish and then look at `sleeping`. One of us sees the other.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (target.sleeping().load(std::memory_order_relaxed)) target.wake();
  return HandoffResult::queued;
}

}  // namespace rawkafka::client::detail
