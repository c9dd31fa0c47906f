#include "core_worker.hpp"

#include <algorithm>
#include <condition_variable>
#include <chrono>
#include <thread>

#include "rawkafka/compression/codecs.hpp"
#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "ring_handoff.hpp"

namespace rawkafka::client::detail {

namespace {

constexpr uint32_t kPumpEvery = 64;  // records appended between two looks at the reactor
constexpr int64_t kMaxIdleWaitNs = 50'000'000;
constexpr int64_t kTimeoutCheckNs = 10'000'000;

}  // namespace

CoreWorker::CoreWorker(ProducerShared& shared, unsigned index)
    : shared_(shared),
      config_(shared.config),
      index_(index),
      cores_(unsigned(shared.config.threads)),
      pool_(size_t(shared.config.batch_size),
            size_t(std::max<int64_t>(shared.config.buffer_memory / std::max(1u, shared.config.threads),
                                     shared.config.batch_size))) {
  linger_ns_ = config_.linger_ms * 1'000'000;
  for (auto& slot : ring_slots_) slot.store(nullptr, std::memory_order_relaxed);
}

CoreWorker::~CoreWorker() {
  stop_and_join();
  // Requests still listed on connections (their batches were failed or are released below).
  for (auto& [node, c] : brokers_) {
    for (InFlightRequest* req : c->in_flight) delete req;
    c->in_flight.clear();
  }
  // Everything still held goes back (close() has failed or delivered it by now).
  for (auto& t : topics_) {
    if (!t) continue;
    for (auto& p : t->partitions) {
      if (!p) continue;
      if (p->open) release_batch(p->open);
      for (Batch* b = p->queue_head; b;) {
        Batch* n = b->next;
        release_batch(b);
        b = n;
      }
    }
  }
}

void CoreWorker::start() {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  thread_ = std::thread([this, &m, &cv, &ready] {
    io::pin_current_thread(config_.core_for_thread(index_) % int(std::max(1u, std::thread::hardware_concurrency())));
    try {
      io::ReactorOptions ro;
      ro.backend = config_.backend;
      ro.socket_send_buffer = std::max(0, config_.send_buffer_bytes);  // 0: autotuning
      ro.socket_receive_buffer = std::max(0, config_.receive_buffer_bytes);
      reactor_ = io::Reactor::create(ro);
      backend_ = reactor_->backend();
      if (config_.compression_type != protocol::CompressionType::none) {
        codec_ = compression::make_codec(config_.compression_type, config_.compression_level);
        if (!codec_) start_error_ = "compression codec could not be created";
      }
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
    if (codec_) {
      compressed_pool_ = std::make_unique<BufferPool>(
          protocol::max_finished_size(size_t(config_.batch_size), codec_.get()),
          size_t(std::max<int64_t>(config_.buffer_memory / std::max(1u, config_.threads),
                                   config_.batch_size)) * 2);
    }
    auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    wall_offset_ns_ = wall - clock_.now_ns();
    {
      std::lock_guard lock(m);
      ready = true;
      running_.store(start_error_.empty());
    }
    cv.notify_all();
    if (start_error_.empty()) run();
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return ready; });
}

void CoreWorker::stop_and_join() {
  shutdown_.store(true);
  if (reactor_) reactor_->wake();
  if (thread_.joinable()) thread_.join();
}

void CoreWorker::wake() {
  sleeping_.store(false, std::memory_order_relaxed);
  if (reactor_) reactor_->wake();
}

void CoreWorker::post_body(std::function<void(CoreProducer&)>* body, std::function<void()> done) {
  {
    std::lock_guard lock(post_mutex_);
    body_ = body;
    body_done_ = std::move(done);
  }
  body_pending_.store(true, std::memory_order_release);
  wake();
}

void CoreWorker::run() {
  while (!shutdown_.load(std::memory_order_acquire)) {
    if (body_pending_.load(std::memory_order_acquire)) {
      std::function<void(CoreProducer&)>* body;
      std::function<void()> done;
      {
        std::lock_guard lock(post_mutex_);
        body = body_;
        done = std::move(body_done_);
        body_ = nullptr;
      }
      body_pending_.store(false, std::memory_order_release);
      if (body) (*body)(*this);
      if (done) done();
      continue;
    }
    pump(kMaxIdleWaitNs);
  }
  // Last words: whatever is still held fails (close() waited for delivery first).
  abort_everything("producer closed before the record was delivered");
  for (auto& [node, c] : brokers_) {
    if (c->state != BrokerConnection::State::down) reactor_->close(c->id);
  }
  for (int i = 0; i < 20 && !by_connection_.empty(); ++i) reactor_->poll(std::chrono::milliseconds(5));
}

// One turn of the loop: take records from rings, close lingering batches, send what is
// ready, run I/O (waiting up to `max_wait_ns` for it when there is nothing else to do).
void CoreWorker::pump(int64_t max_wait_ns) {
  produced_since_pump_ = 0;
  int64_t now = clock_.now_ns();
  if (now >= next_recalibration_ns_) {
    clock_.recalibrate();
    next_recalibration_ns_ = now + 1'000'000'000;
  }
  if (shared_.abort.load(std::memory_order_relaxed)) abort_everything("delivery timed out");
  drain_rings();
  close_lingering(now);
  maybe_refresh_metadata(now);
  send_ready(now);
  if (now >= next_timeout_check_ns_) {
    check_timeouts(now);
    next_timeout_check_ns_ = now + kTimeoutCheckNs;
  }

  int64_t wait = 0;
  if (max_wait_ns > 0) {
    wait = max_wait_ns;
    if (linger_head_) wait = std::min(wait, linger_head_->created_ns + linger_ns_ - now);
    for (PartitionState* p : ready_) {
      if (p->queue_head) wait = std::min(wait, std::max<int64_t>(p->retry_at_ns - now, 1'000'000));
    }
    if (metadata_refresh_due_ns_) wait = std::min(wait, metadata_refresh_due_ns_ - now);
    if (wait < 0) wait = 0;
    if (wait > 0) {
      sleeping_.store(true, std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (!rings_drained() || body_pending_.load(std::memory_order_acquire) ||
          shutdown_.load(std::memory_order_acquire)) {
        wait = 0;
      }
    }
  }
  reactor_->poll(std::chrono::nanoseconds(wait));
  sleeping_.store(false, std::memory_order_relaxed);
  // Responses may have freed in-flight slots or memory: send again right away.
  now = clock_.now_ns();
  if (!ready_.empty()) send_ready(now);
}

bool CoreWorker::rings_drained() const {
  unsigned n = shared_.ring_count.load(std::memory_order_acquire);
  for (unsigned s = 0; s < n; ++s) {
    SpscByteRing* ring = ring_slots_[s].load(std::memory_order_acquire);
    if (ring && !ring->empty_for_consumer()) return false;
  }
  return true;
}

void CoreWorker::drain_rings() {
  unsigned n = shared_.ring_count.load(std::memory_order_acquire);
  pool_exhausted_ = false;
  for (unsigned s = 0; s < n && !pool_exhausted_; ++s) {
    SpscByteRing* ring = ring_slots_[s].load(std::memory_order_acquire);
    if (!ring) continue;
    size_t taken = 0;
    for (;;) {
      std::span<const uint8_t> entry = ring->front();
      if (entry.empty()) break;
      RecordEntryView rec = read_record_entry(entry);
      CoreTopic* t = topic_by_index(rec.header.topic_index);
      std::span<const protocol::RecordHeader> headers;
      if (rec.header.header_count) {
        header_scratch_.resize(rec.header.header_count);
        decode_entry_headers(rec.headers_raw, header_scratch_);
        headers = header_scratch_;
      }
      ProduceStatus st;
      int32_t partition = rec.header.partition;
      if (!t) {
        st = ProduceStatus::unknown_topic;
      } else {
        if (partition < 0) partition = choose_partition(*t, rec.key);
        st = append(*t, partition, rec.header.timestamp_ms, rec.key, rec.value, headers,
                    rec.header.user_token, rec.header.enqueue_ns);
      }
      if (st == ProduceStatus::buffer_full) {
        pool_exhausted_ = true;  // leave it in the ring; the producer side waits or fails
        break;
      }
      counters_.enqueued.store(counters_.enqueued.load(std::memory_order_relaxed) + 1,
                               std::memory_order_relaxed);
      if (st != ProduceStatus::queued && t) {
        fail_record_now(*t, partition, -1,
                        st == ProduceStatus::record_too_large
                            ? "the record is larger than max.request.size"
                            : "the topic or partition is not in the cluster's metadata",
                        rec.header.user_token, rec.header.enqueue_ns,
                        uint64_t(std::max(rec.header.key_size, 0)) + uint64_t(std::max(rec.header.value_size, 0)));
      } else if (st != ProduceStatus::queued) {
        counters_.failed.store(counters_.failed.load(std::memory_order_relaxed) + 1,
                               std::memory_order_relaxed);
      }
      ring->pop(entry.size());
      if (++taken % 64 == 0) ring->release();
    }
    ring->release();
  }
}

// ---- topics and partitions -----------------------------------------------------------------

CoreTopic* CoreWorker::topic_by_index(uint32_t index) {
  if (index < topics_.size() && topics_[index]) return topics_[index].get();
  if (index >= topics_.size()) topics_.resize(index + 1);
  auto t = std::make_unique<CoreTopic>();
  t->index = index;
  TopicMetadata tm;
  if (!shared_.metadata.topic(index, tm)) return nullptr;
  t->name = tm.name;
  t->hash = topic_hash(t->name);
  topics_[index] = std::move(t);
  load_topic(*topics_[index]);
  if (topics_[index]->partition_count <= 0) {
    topics_[index].reset();
    return nullptr;
  }
  return topics_[index].get();
}

CoreTopic* CoreWorker::topic_by_name(std::string_view name, bool wait) {
  if (last_topic_ && same_name(last_topic_->name, name)) return last_topic_;
  uint32_t index = shared_.metadata.topic_index(name);
  if (shared_.metadata.partition_count(index) <= 0) {
    if (!wait) return nullptr;
    if (shared_.metadata.wait_for_topic(name, std::chrono::milliseconds(config_.max_block_ms)) <= 0) {
      return nullptr;
    }
  }
  CoreTopic* t = topic_by_index(index);
  if (t) last_topic_ = t;
  return t;
}

// Copies the topic's partitions and leaders from the shared metadata; creates the states of
// the partitions this core owns (partition counts only grow).
void CoreWorker::load_topic(CoreTopic& t) {
  TopicMetadata tm;
  if (!shared_.metadata.topic(t.index, tm)) return;
  t.id = tm.id;
  if (tm.partition_count > t.partition_count) {
    t.partitions.resize(size_t(tm.partition_count));
    for (int32_t p = std::max(0, t.partition_count); p < tm.partition_count; ++p) {
      if (owner_core(t.hash, p, cores_) != index_) continue;
      auto ps = std::make_unique<PartitionState>();
      ps->topic = t.index;
      ps->partition = p;
      t.partitions[size_t(p)] = std::move(ps);
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
  for (auto& ps : t.partitions) {
    if (!ps) continue;
    const PartitionLeader& pl = tm.partitions[size_t(ps->partition)];
    ps->leader = pl.leader;
    ps->leader_epoch = pl.leader_epoch;
  }
}

void CoreWorker::reload_metadata() {
  metadata_generation_ = shared_.metadata.generation();
  for (auto& t : topics_) {
    if (t) load_topic(*t);
  }
}

void CoreWorker::maybe_refresh_metadata(int64_t now) {
  if (metadata_refresh_due_ns_ && now >= metadata_refresh_due_ns_) {
    metadata_refresh_due_ns_ = 0;
    // Another core may have refreshed already since we asked.
    if (shared_.metadata.generation() == metadata_generation_ ||
        now - shared_.metadata.last_refresh_ns() > int64_t(config_.retry_backoff_ms) * 1'000'000) {
      std::string err = shared_.metadata.refresh(
          {}, std::chrono::milliseconds(std::min<int64_t>(config_.request_timeout_ms, 10000)));
      if (!err.empty()) {
        // The cluster is unreachable: ask again less and less often (up to
        // reconnect.backoff.max.ms) rather than hammering it.
        set_last_error("metadata refresh failed: " + err);
        metadata_backoff_ns_ = std::min<int64_t>(
            std::max<int64_t>(metadata_backoff_ns_ * 2, config_.retry_backoff_ms * 1'000'000),
            std::max<int64_t>(config_.reconnect_backoff_max_ms, config_.retry_backoff_ms) * 1'000'000);
        metadata_refresh_due_ns_ = clock_.now_ns() + metadata_backoff_ns_;
      } else {
        metadata_backoff_ns_ = 0;
      }
    }
  } else if (now - shared_.metadata.last_refresh_ns() > config_.metadata_max_age_ms * 1'000'000 &&
             index_ == 0 && !topics_.empty()) {
    shared_.metadata.refresh({}, std::chrono::milliseconds(std::min<int64_t>(config_.request_timeout_ms, 10000)));
  }
  if (shared_.metadata.generation() != metadata_generation_) reload_metadata();
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
  if (shared_.closed.load(std::memory_order_relaxed)) return ProduceStatus::closed;
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
  const int64_t now = clock_.now_ns();
  const int64_t ts = r.timestamp_ms >= 0 ? r.timestamp_ms : wall_ms(now);

  // This core holds a state exactly for the partitions it owns (load_topic), so a null state
  // means another core's partition: no division for owner_core on the common path.
  if (partition < 0 || !t->partitions[size_t(partition)]) {
    if (partition < 0) return ProduceStatus::unknown_topic;
    return forward(r, *t, partition, owner_core(t->hash, partition, cores_), token, now, ts);
  }

  ProduceStatus st = append(*t, partition, ts, r.key, r.value, r.headers, token, now);
  if (st == ProduceStatus::buffer_full && config_.buffer_full_policy == BufferFullPolicy::block) {
    const int64_t deadline = now + config_.max_block_ms * 1'000'000;
    while (st == ProduceStatus::buffer_full && clock_.now_ns() < deadline &&
           !shared_.abort.load(std::memory_order_relaxed)) {
      pump(kMaxIdleWaitNs);
      st = append(*t, partition, ts, r.key, r.value, r.headers, token, now);
    }
  }
  if (st == ProduceStatus::queued) {
    counters_.enqueued.store(counters_.enqueued.load(std::memory_order_relaxed) + 1,
                             std::memory_order_relaxed);
    if (++produced_since_pump_ >= kPumpEvery) pump(0);
  }
  return st;
}

ProduceStatus CoreWorker::forward(const OutgoingRecord& r, CoreTopic& t, int32_t partition,
                                  unsigned owner, uint64_t token, int64_t enqueue_ns,
                                  int64_t timestamp_ms) {
  ThreadRings* rings = thread_rings(shared_);
  if (!rings) return ProduceStatus::buffer_full;
  RecordEntryHeader h;
  h.topic_index = t.index;
  h.partition = partition;
  h.key_size = r.key ? int32_t(r.key->size()) : -1;
  h.value_size = r.value ? int32_t(r.value->size()) : -1;
  h.header_count = uint32_t(r.headers.size());
  h.headers_size = uint32_t(encoded_headers_size(r.headers));
  h.timestamp_ms = timestamp_ms;
  h.enqueue_ns = enqueue_ns;
  h.user_token = token;
  std::function<void()> step = [this] { pump(0); };
  const bool block = config_.buffer_full_policy == BufferFullPolicy::block;
  HandoffResult res = hand_over(shared_, *rings, owner, h, r.key, r.value, r.headers,
                                enqueue_ns + config_.max_block_ms * 1'000'000, block ? &step : nullptr);
  if (++produced_since_pump_ >= kPumpEvery) pump(0);
  switch (res) {
    case HandoffResult::queued: return ProduceStatus::queued;
    case HandoffResult::too_large: return ProduceStatus::record_too_large;
    case HandoffResult::full: return ProduceStatus::buffer_full;
  }
  return ProduceStatus::buffer_full;
}

ProduceStatus CoreWorker::append(CoreTopic& t, int32_t partition, int64_t timestamp_ms,
                                 const std::optional<protocol::Bytes>& key,
                                 const std::optional<protocol::Bytes>& value,
                                 std::span<const protocol::RecordHeader> headers, uint64_t token,
                                 int64_t enqueue_ns) {
  if (partition < 0 || partition >= t.partition_count) return ProduceStatus::unknown_topic;
  PartitionState* p = t.partitions[size_t(partition)].get();
  if (!p) return ProduceStatus::unknown_topic;  // not ours: callers route by owner first
  Batch* b = p->open;
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
    b = open_batch(*p, record_size, timestamp_ms);
    if (!b) return ProduceStatus::buffer_full;
    bool ok = headers.empty() ? b->writer.append(timestamp_ms, key, value)
                              : b->writer.append(timestamp_ms, key, value, headers);
    if (!ok) return ProduceStatus::record_too_large;  // cannot happen: sized for it
  }
  b->enqueue_ns.push_back(enqueue_ns);
  if (shared_.delivery_callback) b->tokens.push_back(token);
  b->payload_bytes += (key ? key->size() : 0) + (value ? value->size() : 0);
  // Full now if another record like this one would not fit: remaining < avg / 2 + 8, with
  // avg = size / count, written without a division (floor(floor(s/c)/2) == floor(s/(2c))).
  const size_t remaining = b->writer.remaining();
  if (remaining < 16 || (remaining - 7) * 2 * size_t(b->writer.record_count()) <= b->writer.size()) close_batch(b);
  return ProduceStatus::queued;
}

Batch* CoreWorker::new_batch_object() {
  if (!batch_free_.empty()) {
    Batch* b = batch_free_.back().release();
    batch_free_.pop_back();
    return b;
  }
  return new Batch;
}

Batch* CoreWorker::open_batch(PartitionState& p, size_t first_record_size, int64_t timestamp_ms) {
  const size_t need = protocol::kRecordBatchHeaderSize + first_record_size;
  if (!pool_.would_fit(need)) return nullptr;
  if (codec_ && !compressed_pool_->would_fit(protocol::max_finished_size(std::max(need, pool_.standard_size()), codec_.get()))) {
    return nullptr;
  }
  Batch* b = new_batch_object();
  b->buffer = pool_.acquire(need);
  if (codec_) {
    b->compressed = compressed_pool_->acquire(
        protocol::max_finished_size(b->buffer->capacity, codec_.get()));
  }
  b->partition = &p;
  b->writer.reset(b->buffer->span(), timestamp_ms);
  b->wire = {};
  b->base_sequence = -1;
  b->created_ns = clock_.now_ns();
  b->deadline_ns = b->created_ns + config_.delivery_timeout_ms * 1'000'000;
  b->attempts = 0;
  b->last_error = 0;
  b->enqueue_ns.clear();
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
  p.open = b;
  return b;
}

void CoreWorker::close_batch(Batch* b) {
  PartitionState& p = *b->partition;
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
  p.open = nullptr;

  if (shared_.idempotent) b->base_sequence = p.sequence.assign(b->writer.record_count());
  protocol::FinishResult fr = finish_batch(b);
  CoreTopic& t = *topics_[p.topic];
  t.sticky.on_batch_closed(p.partition);
  if (!fr.ok()) {
    fail_batch(b, -1, fr.error, clock_.now_ns());
    return;
  }
  b->wire = fr.batch;
  enqueue_ready(p, b, false);
}

protocol::FinishResult CoreWorker::finish_batch(Batch* b) {
  protocol::FinishOptions fo;
  if (codec_) {
    fo.codec = codec_.get();
    fo.compression_buffer = b->compressed->span();
  }
  if (shared_.idempotent) {
    fo.producer_id = shared_.producer_id;
    fo.producer_epoch = shared_.producer_epoch;
    fo.base_sequence = b->base_sequence;
  }
  return b->writer.finish(fo);
}

// After a batch failed for good, the broker still expects the sequence where it began: give
// the waiting batches, in order, sequences from there (finish() is pure, so re-finishing with
// a new base sequence rewrites only the header and CRC). Only called with nothing in flight.
void CoreWorker::renumber_queue(PartitionState& p) {
  int32_t seq = p.expected_sequence;
  for (Batch* b = p.queue_head; b; b = b->next) {
    if (b->base_sequence != seq) {
      b->base_sequence = seq;
      protocol::FinishResult fr = finish_batch(b);
      if (fr.ok()) b->wire = fr.batch;
    }
    seq = increment_sequence(seq, b->writer.record_count());
  }
  p.sequence.set_next(seq);
}

void CoreWorker::enqueue_ready(PartitionState& p, Batch* b, bool retry) {
  if (!retry) {
    b->next = nullptr;
    if (p.queue_tail) {
      p.queue_tail->next = b;
    } else {
      p.queue_head = b;
    }
    p.queue_tail = b;
  } else {
    // A retry goes back in creation order (which is also sequence order): before every batch
    // of this partition created after it.
    Batch** at = &p.queue_head;
    while (*at && (*at)->created_ns < b->created_ns) at = &(*at)->next;
    b->next = *at;
    *at = b;
    if (!b->next) p.queue_tail = b;
  }
  if (!p.in_ready_list) {
    p.in_ready_list = true;
    ready_.push_back(&p);
  }
}

void CoreWorker::close_lingering(int64_t now) {
  const bool flushing = shared_.flushing.load(std::memory_order_relaxed) > 0;
  while (linger_head_) {
    ReadinessInput in;
    in.batch_bytes = linger_head_->writer.size();
    in.batch_capacity = linger_head_->writer.capacity();
    in.created_ns = linger_head_->created_ns;
    in.now_ns = now;
    in.linger_ns = linger_ns_;
    in.flushing = flushing;
    if (!batch_ready(in)) break;
    close_batch(linger_head_);
  }
}

}  // namespace rawkafka::client::detail
