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

bool is_leadership_error(int16_t code) {
  using protocol::ErrorCode;
  switch (ErrorCode(code)) {
    case ErrorCode::NOT_LEADER_OR_FOLLOWER:
    case ErrorCode::LEADER_NOT_AVAILABLE:
    case ErrorCode::UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode::FENCED_LEADER_EPOCH:
    case ErrorCode::UNKNOWN_LEADER_EPOCH:
    case ErrorCode::NETWORK_EXCEPTION:
    case ErrorCode::KAFKA_STORAGE_ERROR:
      return true;
    default:
      return false;
  }
}

std::string broker_error_text(int16_t code, const std::optional<std::string>& message) {
  std::string text(protocol::error_name(code));
  text += ": ";
  if (message && !message->empty()) {
    text += *message;
  } else {
    text += protocol::error_message(code);
  }
  return text;
}

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
    pump(true);
  }
  // Last words: whatever is still held fails (close() waited for delivery first).
  abort_everything("producer closed before the record was delivered");
  for (auto& [node, c] : brokers_) {
    if (c->state != BrokerConnection::State::down) reactor_->close(c->id);
  }
  for (int i = 0; i < 20 && !by_connection_.empty(); ++i) reactor_->poll(std::chrono::milliseconds(5));
}

// One turn of the loop: take records from rings, close lingering batches, send what is
// ready, run I/O (waiting for it when `may_block` and there is nothing else to do).
void CoreWorker::pump(bool may_block) {
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
  if (may_block) {
    wait = kMaxIdleWaitNs;
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
                        rec.header.user_token, rec.header.enqueue_ns);
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
  if (last_topic_ && last_topic_->name == name) return last_topic_;
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
  CoreTopic* t = topic_by_name(r.topic, true);
  if (!t) return ProduceStatus::unknown_topic;
  int32_t partition = r.partition;
  if (partition >= t->partition_count) return ProduceStatus::unknown_topic;
  if (partition < 0) partition = choose_partition(*t, r.key);
  const int64_t now = clock_.now_ns();
  const int64_t ts = r.timestamp_ms >= 0 ? r.timestamp_ms : wall_ms(now);

  const unsigned owner = owner_core(t->hash, partition, cores_);
  if (owner != index_) return forward(r, *t, partition, owner, token, now, ts);

  ProduceStatus st = append(*t, partition, ts, r.key, r.value, r.headers, token, now);
  if (st == ProduceStatus::buffer_full && config_.buffer_full_policy == BufferFullPolicy::block) {
    const int64_t deadline = now + config_.max_block_ms * 1'000'000;
    while (st == ProduceStatus::buffer_full && clock_.now_ns() < deadline &&
           !shared_.abort.load(std::memory_order_relaxed)) {
      pump(true);
      st = append(*t, partition, ts, r.key, r.value, r.headers, token, now);
    }
  }
  if (st == ProduceStatus::queued) {
    counters_.enqueued.store(counters_.enqueued.load(std::memory_order_relaxed) + 1,
                             std::memory_order_relaxed);
    if (++produced_since_pump_ >= kPumpEvery) pump(false);
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
  std::function<void()> step = [this] { pump(false); };
  const bool block = config_.buffer_full_policy == BufferFullPolicy::block;
  HandoffResult res = hand_over(shared_, *rings, owner, h, r.key, r.value, r.headers,
                                enqueue_ns + config_.max_block_ms * 1'000'000, block ? &step : nullptr);
  if (++produced_since_pump_ >= kPumpEvery) pump(false);
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
  // Full now if another record like this one would not fit.
  const size_t last = b->writer.size() / size_t(b->writer.record_count());
  if (b->writer.remaining() < last / 2 + 8 || b->writer.remaining() < 16) close_batch(b);
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

// ---- sending -----------------------------------------------------------------------------------

BrokerConnection* CoreWorker::connection_for(int32_t node, int64_t now) {
  auto it = brokers_.find(node);
  BrokerConnection* c;
  if (it == brokers_.end()) {
    auto fresh = std::make_unique<BrokerConnection>();
    fresh->node = node;
    c = fresh.get();
    brokers_.emplace(node, std::move(fresh));
  } else {
    c = it->second.get();
  }
  if (c->state == BrokerConnection::State::down && now >= c->reconnect_at_ns) {
    std::optional<io::Endpoint> ep = shared_.metadata.broker(node);
    if (!ep) {
      if (!metadata_refresh_due_ns_) metadata_refresh_due_ns_ = now;
      return c;
    }
    c->state = BrokerConnection::State::connecting;
    c->id = reactor_->connect(*ep, std::chrono::milliseconds(config_.socket_connection_setup_timeout_ms), *this);
    by_connection_[c->id] = c;
  }
  return c;
}

void CoreWorker::send_ready(int64_t now) {
  if (ready_.empty()) return;
  const unsigned max_in_flight = unsigned(std::max(1, config_.max_in_flight_requests_per_connection));
  const bool acks_none = config_.acks == Acks::none;
  for (int round = 0; round < 8; ++round) {
    plan_input_.clear();
    plan_batches_.clear();
    // One candidate per partition: the front of its queue, when it may go now.
    for (size_t i = 0; i < ready_.size();) {
      PartitionState* p = ready_[i];
      if (!p->queue_head) {
        p->in_ready_list = false;
        ready_[i] = ready_.back();
        ready_.pop_back();
        continue;
      }
      ++i;
      if (now < p->retry_at_ns) continue;
      if (p->retrying && p->in_flight > 0) continue;
      if (p->resequence) {
        if (p->in_flight > 0) continue;  // wait for the batches sent after the hole to return
        renumber_queue(*p);
        p->resequence = false;
      }
      if (shared_.idempotent && p->in_flight >= 5) continue;
      // Until the broker has acknowledged one batch of this partition it may hold no state
      // for our producer id, and would take a later sequence first if an earlier batch
      // bounced (e.g. NOT_LEADER_OR_FOLLOWER on a new topic): send one batch at a time.
      if (shared_.idempotent && !p->confirmed && p->in_flight > 0) continue;
      if (p->leader < 0) {
        if (!metadata_refresh_due_ns_) metadata_refresh_due_ns_ = now + config_.retry_backoff_ms * 1'000'000;
        continue;
      }
      BrokerConnection* c = connection_for(p->leader, now);
      if (c->state != BrokerConnection::State::ready) continue;
      ReadyBatchInfo info;
      info.broker = p->leader;
      info.batch_bytes = p->queue_head->wire.size();
      info.topic_key = p->topic;
      info.topic_overhead = topics_[p->topic]->name.size() + 24;
      plan_input_.push_back(info);
      plan_batches_.push_back(p->queue_head);
    }
    if (plan_input_.empty()) return;
    bool sent_any = false;
    RequestPlanLimits limits;
    limits.max_request_size = size_t(config_.max_request_size);
    limits.request_overhead = 64 + config_.client_id.size();
    limits.partition_overhead = 16;
    limits.max_in_flight = max_in_flight;
    // Brokers in order of first appearance.
    for (size_t i = 0; i < plan_input_.size(); ++i) {
      int32_t broker = plan_input_[i].broker;
      bool seen = false;
      for (size_t j = 0; j < i && !seen; ++j) seen = plan_input_[j].broker == broker;
      if (seen) continue;
      BrokerConnection& c = *brokers_[broker];
      unsigned in_flight = 0;
      for (InFlightRequest* r : c.in_flight) in_flight += acks_none ? !r->sent : 1;
      plan_request(plan_input_, broker, in_flight, limits, plan_out_);
      if (plan_out_.empty()) continue;
      send_list_.clear();
      for (size_t k : plan_out_) {
        Batch* b = plan_batches_[k];
        PartitionState& p = *b->partition;
        p.queue_head = b->next;
        if (!p.queue_head) p.queue_tail = nullptr;
        b->next = nullptr;
        ++p.in_flight;
        send_list_.push_back(b);
      }
      send_request(c, send_list_, now);
      sent_any = true;
    }
    if (!sent_any) return;
  }
}

void CoreWorker::send_request(BrokerConnection& c, std::span<Batch* const> batches, int64_t now) {
  InFlightRequest* req = new_request();
  req->correlation_id = c.next_correlation_id++;
  req->batches.assign(batches.begin(), batches.end());
  req->sent = false;
  req->answered = false;
  req->early_response.clear();
  req->sent_ns = now;

  // Group by topic, in first-appearance order, reusing request_'s vectors.
  size_t topics = 0;
  size_t records_bytes = 0;
  size_t bound = 96 + config_.client_id.size();
  for (Batch* b : batches) {
    CoreTopic& t = *topics_[b->partition->topic];
    size_t ti = 0;
    while (ti < topics && request_.topic_data[ti].name != t.name) ++ti;
    if (ti == topics) {
      if (request_.topic_data.size() <= topics) request_.topic_data.emplace_back();
      auto& td = request_.topic_data[topics++];
      td.name = t.name;
      td.topic_id = t.id;
      td.partition_data.clear();
      bound += t.name.size() + 32;
    }
    auto& pd = request_.topic_data[ti].partition_data.emplace_back();
    pd.index = b->partition->partition;
    pd.records = b->wire;
    records_bytes += b->wire.size();
    bound += 24;
  }
  request_.topic_data.resize(topics);
  request_.acks = acks_value(config_.acks);
  request_.timeout_ms = config_.request_timeout_ms;
  request_.transactional_id.reset();

  if (req->scratch.size() < bound) req->scratch.resize(bound);
  protocol::Writer w(req->scratch.data(), req->scratch.size());
  const int16_t version = shared_.produce_version;
  size_t at = protocol::begin_request(w, protocol::ApiKey::produce, version, req->correlation_id,
                                      config_.client_id);
  size_t header_end = w.size();
  req->iov.clear();
  req->iov.emplace_back(req->scratch.data(), header_end);
  bool ok = request_.encode_gather(w, req->iov, version);
  protocol::end_frame(w, at, records_bytes);
  // The views into batches must not outlive this call in request_.
  for (auto& td : request_.topic_data) td.partition_data.clear();
  if (!ok || !w.ok()) {
    for (Batch* b : req->batches) {
      --b->partition->in_flight;
      fail_batch(b, -1, "could not encode the Produce request", now);
    }
    free_request(req);
    return;
  }
  c.in_flight.push_back(req);
  counters_.requests.store(counters_.requests.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
  reactor_->send(c.id, req->iov, reinterpret_cast<uint64_t>(req));
}

InFlightRequest* CoreWorker::new_request() {
  if (!request_free_.empty()) {
    InFlightRequest* r = request_free_.back().release();
    request_free_.pop_back();
    return r;
  }
  return new InFlightRequest;
}

void CoreWorker::free_request(InFlightRequest* r) {
  r->batches.clear();
  request_free_.emplace_back(r);
}

// ---- reactor callbacks ---------------------------------------------------------------------------

void CoreWorker::on_connected(io::ConnectionId id) {
  auto it = by_connection_.find(id);
  if (it == by_connection_.end()) return;
  it->second->state = BrokerConnection::State::ready;
  it->second->backoff_ns = 0;
}

void CoreWorker::on_sent(io::ConnectionId id, uint64_t token) {
  auto* req = reinterpret_cast<InFlightRequest*>(token);
  auto it = by_connection_.find(id);
  if (it == by_connection_.end()) return;
  BrokerConnection& c = *it->second;
  req->sent = true;
  if (config_.acks == Acks::none) {
    // No response will come (Kafka sends none for acks=0): written is delivered.
    const int64_t now = clock_.now_ns();
    for (Batch* b : req->batches) {
      --b->partition->in_flight;
      complete_batch(b, -1, now);
    }
    req->answered = true;
    finish_request(c, req);
    return;
  }
  if (!req->early_response.empty()) {
    handle_response(c, *req, req->early_response);
    finish_request(c, req);
  }
}

void CoreWorker::on_frame(io::ConnectionId id, std::span<const uint8_t> frame) {
  auto it = by_connection_.find(id);
  if (it == by_connection_.end()) return;
  BrokerConnection& c = *it->second;
  protocol::Reader r(frame);
  int32_t correlation_id = 0;
  InFlightRequest* req = nullptr;
  for (InFlightRequest* q : c.in_flight) {
    if (!q->answered) {
      req = q;
      break;
    }
  }
  if (!req || !protocol::read_response_header(r, protocol::ApiKey::produce, shared_.produce_version,
                                              correlation_id) ||
      correlation_id != req->correlation_id) {
    set_last_error("unexpected response from broker " + std::to_string(c.node) + "; reconnecting");
    reactor_->close(id);
    return;
  }
  req->answered = true;
  if (!req->sent) {
    req->early_response.assign(frame.begin(), frame.end());
    return;
  }
  handle_response(c, *req, frame);
  finish_request(c, req);
}

void CoreWorker::handle_response(BrokerConnection& c, InFlightRequest& req, std::span<const uint8_t> frame) {
  protocol::Reader r(frame);
  int32_t correlation_id = 0;
  protocol::read_response_header(r, protocol::ApiKey::produce, shared_.produce_version, correlation_id);
  const int64_t now = clock_.now_ns();
  if (!response_.decode(r, shared_.produce_version)) {
    set_last_error("a Produce response from broker " + std::to_string(c.node) + " did not decode");
    for (Batch* b : req.batches) {
      --b->partition->in_flight;
      retry_batch(b, int16_t(protocol::ErrorCode::NETWORK_EXCEPTION), now);
    }
    req.batches.clear();
    return;
  }
  for (Batch* b : req.batches) {
    const CoreTopic& t = *topics_[b->partition->topic];
    const protocol::ProduceResponse::PartitionResponse* pr = nullptr;
    for (const auto& tr : response_.responses) {
      if (shared_.produce_version >= 13 ? tr.topic_id != t.id : tr.name != t.name) continue;
      for (const auto& p : tr.partition_responses) {
        if (p.index == b->partition->partition) pr = &p;
      }
    }
    --b->partition->in_flight;
    if (!pr) {
      fail_batch(b, -1, "the broker's response did not mention the partition", now);
      continue;
    }
    using protocol::ErrorCode;
    const int16_t code = pr->error_code;
    if (code == 0 || code == int16_t(ErrorCode::DUPLICATE_SEQUENCE_NUMBER)) {
      if (b->partition->in_flight == 0) b->partition->retrying = false;
      b->partition->confirmed = true;
      if (b->base_sequence >= 0) {
        b->partition->expected_sequence = increment_sequence(b->base_sequence, b->writer.record_count());
      }
      complete_batch(b, pr->base_offset, now);
    } else if (code == int16_t(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER) &&
               (b->partition->retrying || b->partition->resequence ||
                b->base_sequence != b->partition->expected_sequence)) {
      // An earlier batch was retried or failed for good: this one's number is not what the
      // broker expects. Send it again, renumbered from the broker's expectation.
      b->partition->resequence = true;
      retry_batch(b, code, now);
    } else if (protocol::is_retriable(code)) {
      if (!pr->current_leader.is_default() && pr->current_leader.leader_id >= 0) {
        b->partition->leader = pr->current_leader.leader_id;
        b->partition->leader_epoch = pr->current_leader.leader_epoch;
      }
      retry_batch(b, code, now);
    } else {
      fail_batch(b, code, broker_error_text(code, pr->error_message), now);
    }
  }
  req.batches.clear();
}

void CoreWorker::finish_request(BrokerConnection& c, InFlightRequest* req) {
  auto it = std::find(c.in_flight.begin(), c.in_flight.end(), req);
  if (it != c.in_flight.end()) c.in_flight.erase(it);
  free_request(req);
}

void CoreWorker::on_closed(io::ConnectionId id, const io::IoError& error) {
  auto it = by_connection_.find(id);
  if (it == by_connection_.end()) return;
  BrokerConnection& c = *it->second;
  by_connection_.erase(it);
  const int64_t now = clock_.now_ns();
  if (!shutdown_.load(std::memory_order_relaxed)) {
    set_last_error("connection to broker " + std::to_string(c.node) + " lost: " + error.message);
  }
  for (InFlightRequest* req : c.in_flight) {
    for (Batch* b : req->batches) {
      --b->partition->in_flight;
      retry_batch(b, int16_t(protocol::ErrorCode::NETWORK_EXCEPTION), now);
    }
    free_request(req);
  }
  c.in_flight.clear();
  c.state = BrokerConnection::State::down;
  c.id = 0;
  const int64_t base = config_.reconnect_backoff_ms * 1'000'000;
  const int64_t cap = config_.reconnect_backoff_max_ms * 1'000'000;
  c.backoff_ns = c.backoff_ns ? std::min(cap, c.backoff_ns * 2) : base;
  c.reconnect_at_ns = now + c.backoff_ns;
  if (!metadata_refresh_due_ns_) metadata_refresh_due_ns_ = now + config_.retry_backoff_ms * 1'000'000;
}

// ---- outcomes ------------------------------------------------------------------------------------

void CoreWorker::complete_batch(Batch* b, int64_t base_offset, int64_t now) {
  const CoreTopic& t = *topics_[b->partition->topic];
  const int32_t n = b->writer.record_count();
  {
    std::lock_guard lock(stats_mutex_);
    for (int64_t e : b->enqueue_ns) latency_.record(uint64_t(std::max<int64_t>(0, now - e)));
  }
  if (shared_.delivery_callback) {
    DeliveryReport rep;
    rep.topic = t.name;
    rep.partition = b->partition->partition;
    for (int32_t i = 0; i < n; ++i) {
      rep.offset = base_offset >= 0 ? base_offset + i : -1;
      rep.latency_ns = now - b->enqueue_ns[size_t(i)];
      rep.user_token = size_t(i) < b->tokens.size() ? b->tokens[size_t(i)] : 0;
      shared_.delivery_callback(rep);
    }
  }
  counters_.acked.store(counters_.acked.load(std::memory_order_relaxed) + uint64_t(n), std::memory_order_relaxed);
  counters_.bytes_acked.store(counters_.bytes_acked.load(std::memory_order_relaxed) + b->wire.size(),
                              std::memory_order_relaxed);
  counters_.batches_acked.store(counters_.batches_acked.load(std::memory_order_relaxed) + 1,
                                std::memory_order_relaxed);
  release_batch(b);
}

void CoreWorker::fail_batch(Batch* b, int16_t code, std::string_view reason, int64_t now) {
  const CoreTopic& t = *topics_[b->partition->topic];
  // Its sequence numbers were never written: the batches after it must move down.
  if (b->base_sequence >= 0) b->partition->resequence = true;
  const int32_t n = b->writer.record_count();
  std::string text = t.name + "-" + std::to_string(b->partition->partition) + ": " + std::string(reason);
  set_last_error(text);
  if (shared_.delivery_callback) {
    DeliveryReport rep;
    rep.topic = t.name;
    rep.partition = b->partition->partition;
    rep.error_code = code;
    rep.error = reason;
    for (int32_t i = 0; i < n; ++i) {
      rep.latency_ns = now - b->enqueue_ns[size_t(i)];
      rep.user_token = size_t(i) < b->tokens.size() ? b->tokens[size_t(i)] : 0;
      shared_.delivery_callback(rep);
    }
  }
  counters_.failed.store(counters_.failed.load(std::memory_order_relaxed) + uint64_t(n), std::memory_order_relaxed);
  release_batch(b);
}

void CoreWorker::fail_record_now(CoreTopic& t, int32_t partition, int16_t code, std::string_view reason,
                                 uint64_t token, int64_t enqueue_ns) {
  set_last_error(t.name + ": " + std::string(reason));
  if (shared_.delivery_callback) {
    DeliveryReport rep;
    rep.topic = t.name;
    rep.partition = partition;
    rep.error_code = code;
    rep.error = reason;
    rep.latency_ns = clock_.now_ns() - enqueue_ns;
    rep.user_token = token;
    shared_.delivery_callback(rep);
  }
  counters_.failed.store(counters_.failed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void CoreWorker::retry_batch(Batch* b, int16_t code, int64_t now) {
  PartitionState& p = *b->partition;
  ++b->attempts;
  b->last_error = code;
  if (b->attempts > config_.retries || now >= b->deadline_ns) {
    std::string reason = now >= b->deadline_ns ? "delivery timed out (last error " : "retries exhausted (last error ";
    reason += protocol::error_name(code);
    reason += ")";
    fail_batch(b, code, reason, now);
    return;
  }
  counters_.retries.store(counters_.retries.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  p.retrying = true;
  const int64_t backoff = std::min<int64_t>(config_.retry_backoff_ms << std::min(b->attempts - 1, 10),
                                            config_.retry_backoff_max_ms) * 1'000'000;
  p.retry_at_ns = now + backoff;
  if (is_leadership_error(code) && !metadata_refresh_due_ns_) metadata_refresh_due_ns_ = now + backoff / 2;
  enqueue_ready(p, b, true);
}

void CoreWorker::release_batch(Batch* b) {
  pool_.release(b->buffer);
  b->buffer = nullptr;
  if (b->compressed) compressed_pool_->release(b->compressed);
  b->compressed = nullptr;
  b->partition = nullptr;
  b->wire = {};
  batch_free_.emplace_back(b);
}

void CoreWorker::check_timeouts(int64_t now) {
  // Requests the broker has not answered within request.timeout.ms: drop the connection,
  // which sends their batches back for a retry.
  const int64_t request_timeout = int64_t(config_.request_timeout_ms) * 1'000'000;
  for (auto& [node, c] : brokers_) {
    if (c->state == BrokerConnection::State::ready && !c->in_flight.empty() &&
        config_.acks != Acks::none && now - c->in_flight.front()->sent_ns > request_timeout) {
      set_last_error("broker " + std::to_string(node) + " did not answer within request.timeout.ms");
      reactor_->close(c->id);
    }
  }
  // Batches waiting too long (leader unknown, broker down): delivery.timeout.ms.
  for (PartitionState* p : ready_) {
    while (p->queue_head && now >= p->queue_head->deadline_ns) {
      Batch* b = p->queue_head;
      p->queue_head = b->next;
      if (!p->queue_head) p->queue_tail = nullptr;
      std::string reason = "delivery timed out after delivery.timeout.ms";
      if (b->last_error) reason += std::string(" (last error ") + std::string(protocol::error_name(b->last_error)) + ")";
      fail_batch(b, b->last_error ? b->last_error : -1, reason, now);
    }
  }
}

void CoreWorker::abort_everything(const char* reason) {
  const int64_t now = clock_.now_ns();
  drain_rings();
  while (linger_head_) close_batch(linger_head_);
  for (PartitionState* p : ready_) {
    while (p->queue_head) {
      Batch* b = p->queue_head;
      p->queue_head = b->next;
      fail_batch(b, -1, reason, now);
    }
    p->queue_tail = nullptr;
    p->in_ready_list = false;
  }
  ready_.clear();
  // In-flight batches: their connections close; on_closed would retry them, so fail them here
  // once their buffers are released by the reactor.
  for (auto& [node, c] : brokers_) {
    for (InFlightRequest* req : c->in_flight) {
      if (!req->sent) continue;
      for (Batch* b : req->batches) {
        --b->partition->in_flight;
        fail_batch(b, -1, reason, now);
      }
      req->batches.clear();
    }
  }
}

void CoreWorker::merge_latency(LatencyHistogram& into) const {
  std::lock_guard lock(stats_mutex_);
  into.merge(latency_);
}

std::string CoreWorker::last_error() const {
  std::lock_guard lock(stats_mutex_);
  return last_error_;
}

void CoreWorker::set_last_error(std::string_view error) {
  std::lock_guard lock(stats_mutex_);
  last_error_ = std::string(error);
}

}  // namespace rawkafka::client::detail
