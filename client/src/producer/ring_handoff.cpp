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
  tr.home_core = shared.next_home_core.fetch_add(1, std::memory_order_relaxed) %
                 unsigned(shared.cores.size());
  for (CoreWorker* core : shared.cores) {
    shared.ring_storage.push_back(std::make_unique<SpscByteRing>(shared.ring_capacity));
    SpscByteRing* ring = shared.ring_storage.back().get();
    tr.per_core.push_back(ring);
    core->attach_ring(slot, ring);
  }
  shared.ring_count.store(slot + 1, std::memory_order_release);
  // Drop entries of producers that no longer exist would need their uids; the list stays tiny.
  t_rings.push_back(std::move(tr));
  return &t_rings.back();
}

HandoffResult hand_over(ProducerShared& shared, ThreadRings& rings, unsigned core,
                        const RecordEntryHeader& header, const std::optional<protocol::Bytes>& key,
                        const std::optional<protocol::Bytes>& value,
                        std::span<const protocol::RecordHeader> headers, int64_t deadline_ns,
                        const std::function<void()>* wait_step) {
  SpscByteRing& ring = *rings.per_core[core];
  const size_t size = record_entry_size(key, value, header.headers_size);
  if (size > ring.max_entry_size()) return HandoffResult::too_large;
  CoreWorker& target = *shared.cores[core];
  uint8_t* p = ring.try_reserve(size);
  while (!p) {
    if (!wait_step) return HandoffResult::full;
    target.wake();
    if (monotonic_ns() >= deadline_ns) return HandoffResult::full;
    (*wait_step)();
    p = ring.try_reserve(size);
  }
  write_record_entry(p, header, key, value, headers);
  ring.commit(size);
  // Dekker-style handshake with the core going to sleep: it sets `sleeping` and then looks at
  // the rings; we publish and then look at `sleeping`. One of us sees the other.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (target.sleeping().load(std::memory_order_relaxed)) target.wake();
  return HandoffResult::queued;
}

}  // namespace rawkafka::client::detail
