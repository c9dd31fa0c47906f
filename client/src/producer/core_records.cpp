// CoreWorker's records: topics and partitions as this core sees them, the produce path, and
// batches from open to queued (see core_worker.hpp).

#include <algorithm>

#include "core_worker.hpp"
#include "ring_handoff.hpp"

#if defined(__GNUC__)
#define RAWKAFKA_HOT_INLINE __attribute__((always_inline))
#else
#define RAWKAFKA_HOT_INLINE
#endif

namespace rawkafka::client::detail {

namespace {
constexpr uint32_t kPumpEvery = 64;  // records appended between two looks at the reactor
}  // namespace

// ---- topics and partitions -----------------------------------------------------------------

CoreTopic* CoreWorker::topic_by_index(uint32_t index) {
  if (index < topics_.size() && topics_[index]) return topics_[index].get();
  if (index >= topics_.size()) topics_.resize(index + 1);
  TopicMetadata tm;
  if (!shared_.metadata.topic(index, tm) || tm.partition_count <= 0) return nullptr;
  auto t = std::make_unique<CoreTopic>();
  t->index = index;
  t->name = tm.name;
  t->hash = topic_hash(t->name);
  topics_[index] = std::move(t);
  load_topic(*topics_[index]);
  return topics_[index].get();
}

// A topic this core has not produced to yet is looked up in the shared metadata; when the
// cluster has not been asked about it, this core asks (a Metadata request on its own
// connections) and runs its loop until the answer comes or max.block.ms passes.
CoreTopic* CoreWorker::topic_by_name(std::string_view name, bool wait) {
  if (last_topic_ && same_name(last_topic_->name, name)) return last_topic_;
  const uint32_t index = shared_.metadata.topic_index(name);
  if (shared_.metadata.partition_count(index) <= 0) {
    if (!wait) return nullptr;
    const Instant deadline = clock_.now() + std::chrono::milliseconds(config_.max_block_ms);
    if (std::find(wanted_topics_.begin(), wanted_topics_.end(), name) == wanted_topics_.end()) {
      wanted_topics_.emplace_back(name);
    }
    request_metadata(clock_.now());
    while (shared_.metadata.partition_count(index) <= 0 && clock_.now() < deadline &&
           !shared_.abort.load(std::memory_order_relaxed) && !stopping() &&
           !shutdown_.load(std::memory_order_relaxed)) {
      if (!metadata_due_ && !metadata_in_flight_) {
        request_metadata(clock_.now() + std::chrono::milliseconds(config_.retry_backoff_ms));
      }
      pump(std::chrono::milliseconds(10));
    }
    if (shared_.metadata.partition_count(index) <= 0) return nullptr;
  }
  CoreTopic* t = topic_by_index(index);
  if (t) last_topic_ = t;
  return t;
}

// Copies the topic's partitions and leaders from the shared metadata; creates the queues of
// the partitions this core owns (partition counts only grow).
void CoreWorker::load_topic(CoreTopic& t) {
  TopicMetadata tm;
  if (!shared_.metadata.topic(t.index, tm)) return;
  t.id = tm.id;
  if (tm.partition_count > t.partition_count) {
    t.partitions.resize(size_t(tm.partition_count));
    for (int32_t p = std::max(0, t.partition_count); p < tm.partition_count; ++p) {
      if (owner_core(t.hash, p, cores_) != index_) continue;
      t.partitions[size_t(p)] = std::make_unique<PartitionQueue>(t.index, p, queue_policy_);
      t.owned.push_back(p);
    }
    t.partition_count = tm.partition_count;
    if (!t.owned.empty()) {
      t.sticky.set_partitions(t.owned);
      t.round_robin.set_partitions(t.owned);
    } else {
      t.sticky.set_partition_count(t.partition_count);
      t.round_robin.set_partition_count(t.partition_count);
    }
  }
  for (auto& q : t.partitions) {
    if (!q) continue;
    const PartitionLeader& pl = tm.partitions[size_t(q->partition())];
    assign_leader(*q, pl.leader, pl.leader_epoch);
  }
}

void CoreWorker::reload_metadata() {
  metadata_generation_ = shared_.metadata.generation();
  for (auto& t : topics_) {
    if (t) load_topic(*t);
  }
}

int32_t CoreWorker::partition_count(std::string_view topic) {
  CoreTopic* t = topic_by_name(topic, true);
  return t ? t->partition_count : -1;
}

int32_t CoreWorker::choose_partition(CoreTopic& t, const std::optional<protocol::Bytes>& key) {
  switch (config_.partitioner) {
    case PartitionerKind::default_partitioner:
      if (key) return partition_for_key(*key, t.partition_count);
      return t.sticky.partition();
    case PartitionerKind::sticky:
      return t.sticky.partition();
    case PartitionerKind::round_robin:
      return t.round_robin.partition();
  }
  return t.sticky.partition();
}

// ---- produce ---------------------------------------------------------------------------------

ProduceStatus CoreWorker::produce(const OutgoingRecord& r, uint64_t token) {
  if (shared_.closed.load(std::memory_order_relaxed) || fatal_) return ProduceStatus::closed;
  const int64_t called = clock_.now_ns();
  return produce_at(r, token, called, wall_ms(called), called + config_.max_block_ms * 1'000'000);
}

ProduceManyResult CoreWorker::produce_many(std::span<const OutgoingRecord> records,
                                           std::span<const uint64_t> tokens) {
  ProduceManyResult res;
  if (records.empty()) return res;
  const int64_t called = clock_.now_ns();
  const int64_t called_ms = wall_ms(called);
  const int64_t block_deadline = called + config_.max_block_ms * 1'000'000;
  const bool with_tokens = !tokens.empty();
  for (const OutgoingRecord& r : records) {
    if (shared_.closed.load(std::memory_order_relaxed) || fatal_) {
      res.status = ProduceStatus::closed;
      return res;
    }
    const ProduceStatus st = produce_at(r, with_tokens ? tokens[res.queued] : 0, called, called_ms, block_deadline);
    if (st != ProduceStatus::queued) {
      res.status = st;
      return res;
    }
    ++res.queued;
  }
  return res;
}

// Inlined into produce() and produce_many() with append() and the writer's append(): the calls
// alone (saving and restoring registers, passing eight arguments) were a third of a small
// record's instructions.
inline RAWKAFKA_HOT_INLINE ProduceStatus CoreWorker::produce_at(const OutgoingRecord& r, uint64_t token, int64_t called, int64_t called_ms,
                                     int64_t block_deadline) {
  // Nearly every record names the topic of the one before it: compare here, look up on change.
  CoreTopic* t = last_topic_;
  if (!t || !same_name(t->name, r.topic)) {
    t = topic_by_name(r.topic, true);
    if (!t) return ProduceStatus::unknown_topic;
  }
  int32_t partition = r.partition;
  if (partition >= t->partition_count) return ProduceStatus::unknown_topic;
  if (partition < 0) {
    // Unkeyed records stick (sticky or default partitioner) without the general call.
    partition = !r.key && config_.partitioner != PartitionerKind::round_robin ? t->sticky.partition()
                                                                            : choose_partition(*t, r.key);
  }
  const int64_t ts = r.timestamp_ms >= 0 ? r.timestamp_ms : called_ms;
  const int64_t now = r.due_ns >= 0 ? std::min(r.due_ns, called) : called;  // latency from here

  // This core holds a queue exactly for the partitions it owns (load_topic), so a null one
  // means another core's partition: no division for owner_core on the common path.
  if (partition < 0 || !t->partitions[size_t(partition)]) {
    if (partition < 0) return ProduceStatus::unknown_topic;
    return forward(r, *t, partition, owner_core(t->hash, partition, cores_), token, now, ts);
  }

  ProduceStatus st = append(*t, partition, ts, r.key, r.value, r.headers, token, now);
  if (st == ProduceStatus::buffer_full && config_.buffer_full_policy == BufferFullPolicy::block) {
    // A stop request (Ctrl-C in rawproduce) ends the wait too: the caller is to return.
    while (st == ProduceStatus::buffer_full && clock_.now_ns() < block_deadline &&
           !shared_.abort.load(std::memory_order_relaxed) && !fatal_ && !stopping()) {
      pump(std::chrono::milliseconds(50));  // sleeps until an answer frees memory
      st = append(*t, partition, ts, r.key, r.value, r.headers, token, now);
    }
  }
  if (st == ProduceStatus::queued) {
    bump(counters_.enqueued);
    if (++produced_since_pump_ >= kPumpEvery) pump(Duration::zero());
  }
  return st;
}

ProduceStatus CoreWorker::forward(const OutgoingRecord& r, CoreTopic& t, int32_t partition,
                                  unsigned owner, uint64_t token, int64_t enqueue_ns,
                                  int64_t timestamp_ms) {
  ThreadRings* rings = thread_rings(shared_);
  if (!rings) return ProduceStatus::buffer_full;
  const RecordEntryHeader h =
      entry_header_for(t.index, partition, r.key, r.value, r.headers, timestamp_ms, enqueue_ns, token);
  // While the owner's ring is full, this core keeps running its own I/O, sleeping in its
  // reactor between looks (the owner frees space as its broker answers): no busy spin.
  std::function<void(unsigned)> step = [this](unsigned) { pump(std::chrono::milliseconds(1)); };
  const bool block = config_.buffer_full_policy == BufferFullPolicy::block;
  HandoffResult res = hand_over(shared_, *rings, owner, h, r.key, r.value, r.headers,
                                clock_.now_ns() + config_.max_block_ms * 1'000'000, block ? &step : nullptr);
  if (++produced_since_pump_ >= kPumpEvery) pump(Duration::zero());
  switch (res) {
    case HandoffResult::queued: return ProduceStatus::queued;
    case HandoffResult::too_large: return ProduceStatus::record_too_large;
    case HandoffResult::full: return ProduceStatus::buffer_full;
  }
  return ProduceStatus::buffer_full;
}

inline RAWKAFKA_HOT_INLINE ProduceStatus CoreWorker::append(CoreTopic& t, int32_t partition, int64_t timestamp_ms,
                                 const std::optional<protocol::Bytes>& key,
                                 const std::optional<protocol::Bytes>& value,
                                 std::span<const protocol::RecordHeader> headers, uint64_t token,
                                 int64_t enqueue_ns) {
  if (partition < 0 || partition >= t.partition_count) return ProduceStatus::unknown_topic;
  PartitionQueue* q = t.partitions[size_t(partition)].get();
  if (!q) return ProduceStatus::unknown_topic;  // not ours: callers route by owner first
  Batch* b = q->open();
  if (b) {
    bool ok = headers.empty() ? b->writer.append(timestamp_ms, key, value)
                              : b->writer.append(timestamp_ms, key, value, headers);
    if (!ok) {
      close_batch(b);
      b = nullptr;
    }
  }
  if (!b) {
    // A fresh batch starts at this timestamp, so the record's size is exact now.
    const size_t record_size = protocol::record_wire_size_for(0, 0, key, value, headers);
    if (record_size + protocol::kRecordBatchHeaderSize + 256 > size_t(config_.max_request_size)) {
      return ProduceStatus::record_too_large;
    }
    b = open_batch(*q, record_size, timestamp_ms);
    if (!b) return ProduceStatus::buffer_full;
    bool ok = headers.empty() ? b->writer.append(timestamp_ms, key, value)
                              : b->writer.append(timestamp_ms, key, value, headers);
    // open_batch sized the buffer for this record in a fresh batch.
    if (!ok) return ProduceStatus::record_too_large;
  }
  note_enqueued(b->enqueued, enqueue_ns);
  if (shared_.delivery_callback) b->tokens.push_back(token);
  b->payload_bytes += (key ? key->size() : 0) + (value ? value->size() : 0);
  // Full now if another record like this one would not fit: remaining < avg / 2 + 8, with
  // avg = size / count, written without a division (floor(floor(s/c)/2) == floor(s/(2c))).
  const size_t remaining = b->writer.remaining();
  if (remaining < 16 || (remaining - 7) * 2 * size_t(b->writer.record_count()) <= b->writer.size()) close_batch(b);
  return ProduceStatus::queued;
}

ProduceStatus CoreWorker::append_taken(CoreTopic& t, int32_t partition, int64_t timestamp_ms,
                                       const std::optional<protocol::Bytes>& key,
                                       const std::optional<protocol::Bytes>& value,
                                       std::span<const protocol::RecordHeader> headers, uint64_t token,
                                       int64_t enqueue_ns) {
  return append(t, partition, timestamp_ms, key, value, headers, token, enqueue_ns);
}

Batch* CoreWorker::new_batch_object() {
  if (!batch_free_.empty()) {
    Batch* b = batch_free_.back().release();
    batch_free_.pop_back();
    return b;
  }
  return new Batch;
}

Batch* CoreWorker::open_batch(PartitionQueue& q, size_t first_record_size, int64_t timestamp_ms) {
  if (!pool_) {
    // This core's share of buffer.memory: batches, and their compressed copies, together.
    const size_t share = size_t(std::max<int64_t>(config_.buffer_memory / std::max(1u, cores_),
                                                  config_.batch_size));
    const size_t batch_share = codec_ ? share / 2 : share;
    pool_ = std::make_unique<BufferPool>(size_t(config_.batch_size),
                                         std::max(batch_share, size_t(config_.batch_size)));
    if (codec_) {
      compressed_pool_ = std::make_unique<BufferPool>(
          protocol::max_finished_size(size_t(config_.batch_size), codec_.get()),
          std::max(share - batch_share, protocol::max_finished_size(size_t(config_.batch_size), codec_.get())));
    }
  }
  const size_t need = protocol::kRecordBatchHeaderSize + first_record_size;
  if (!pool_->would_fit(need)) return nullptr;
  // No new batch while the finished ones already waiting would fill the next two requests to
  // every broker: more would only wait longer, not go faster (records sit in memory while the
  // broker sets the pace, and latency grows with what is held).
  if (queued_bytes_ >= queue_limit()) return nullptr;
  if (codec_ && !compressed_pool_->would_fit(
                    protocol::max_finished_size(std::max(need, pool_->standard_size()), codec_.get()))) {
    return nullptr;
  }
  Batch* b = new_batch_object();
  b->buffer = pool_->acquire(need);
  if (codec_) {
    b->compressed = compressed_pool_->acquire(protocol::max_finished_size(b->buffer->capacity, codec_.get()));
  }
  b->writer.reset(b->buffer->span(), timestamp_ms);
  b->wire = {};
  b->base_sequence = -1;
  b->producer_id = -1;
  b->producer_epoch = -1;
  b->stale = false;
  b->created = clock_.now();
  b->deadline = b->created + delivery_timeout_;
  b->attempts = 0;
  b->last_error = 0;
  b->maybe_written = false;
  b->enqueued.clear();
  b->tokens.clear();
  b->payload_bytes = 0;
  b->next = nullptr;
  // Linger list: append at the tail (creation order is expiry order).
  b->linger_prev = linger_tail_;
  b->linger_next = nullptr;
  if (linger_tail_) {
    linger_tail_->linger_next = b;
  } else {
    linger_head_ = b;
  }
  linger_tail_ = b;
  q.set_open(b);
  return b;
}

void CoreWorker::close_batch(Batch* b) {
  PartitionQueue& q = *b->queue;
  // Off the linger list.
  if (b->linger_prev) {
    b->linger_prev->linger_next = b->linger_next;
  } else {
    linger_head_ = b->linger_next;
  }
  if (b->linger_next) {
    b->linger_next->linger_prev = b->linger_prev;
  } else {
    linger_tail_ = b->linger_prev;
  }
  b->linger_prev = b->linger_next = nullptr;
  q.close_open();
  topics_[q.topic()]->sticky.on_batch_closed(q.partition());
  std::string error;
  if (!finish_batch(b, error)) {
    q.on_failed_unsent(b);
    fail_batch(b, q.failure_for(*b, 0, LocalError::too_large), error, clock_.now());
    return;
  }
  q.enqueue(b);
  queued_bytes_ += b->wire.size();
  note_ready(q);
}

// Finishes (compresses, numbers, checksums) the batch into `wire`; again after renumbering.
bool CoreWorker::finish_batch(Batch* b, std::string& error) {
  protocol::FinishOptions fo;
  if (codec_) {
    fo.codec = codec_.get();
    fo.compression_buffer = b->compressed->span();
  }
  if (shared_.idempotent) {
    b->producer_id = producer_id_;
    b->producer_epoch = producer_epoch_;
    fo.producer_id = producer_id_;
    fo.producer_epoch = producer_epoch_;
    fo.base_sequence = b->base_sequence;
  }
  protocol::FinishResult fr = b->writer.finish(fo);
  b->stale = false;
  if (!fr.ok()) {
    error = std::string(fr.error);
    return false;
  }
  b->wire = fr.batch;
  return true;
}

void CoreWorker::note_ready(PartitionQueue& q) {
  if (!q.in_ready_list) {
    q.in_ready_list = true;
    ready_.push_back(&q);
  }
}

void CoreWorker::release_batch(Batch* b) {
  pool_->release(b->buffer);
  b->buffer = nullptr;
  if (b->compressed) compressed_pool_->release(b->compressed);
  b->compressed = nullptr;
  b->queue = nullptr;
  b->wire = {};
  batch_free_.emplace_back(b);
}

}  // namespace rawkafka::client::detail
