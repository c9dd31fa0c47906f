// CoreWorker's loop: the thread, the rings, lingering batches, timeouts, and sleeping in the
// reactor until the next thing is due (see core_worker.hpp).

#include "core_worker.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "rawkafka/compression/codecs.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "ring_handoff.hpp"

namespace rawkafka::client::detail {

namespace {

using std::chrono::milliseconds;

constexpr Duration kMaxIdleWait = milliseconds(50);
constexpr Duration kTimeoutCheck = milliseconds(10);

}  // namespace

CoreWorker::CoreWorker(ProducerShared& shared, unsigned index)
    : shared_(shared),
      config_(shared.config),
      index_(index),
      cores_(unsigned(shared.config.threads)),
      queue_policy_(QueuePolicy::from(shared.config, shared.idempotent)) {
  linger_ = milliseconds(config_.linger_ms);
  delivery_timeout_ = milliseconds(config_.delivery_timeout_ms);
  request_timeout_ = milliseconds(config_.request_timeout_ms);
  sink_policy_.max_request_size = size_t(config_.max_request_size);
  sink_policy_.request_overhead = 64 + config_.client_id.size();
  sink_policy_.partition_overhead = 16;
  sink_policy_.max_in_flight = unsigned(std::max(1, config_.max_in_flight_requests_per_connection));
  sink_policy_.reconnect_backoff = milliseconds(config_.reconnect_backoff_ms);
  sink_policy_.reconnect_backoff_max =
      milliseconds(std::max(config_.reconnect_backoff_max_ms, config_.reconnect_backoff_ms));
  if (index < shared.core_producer_ids.size()) {
    producer_id_ = shared.core_producer_ids[index].id;
    producer_epoch_ = shared.core_producer_ids[index].epoch;
  }
  for (auto& slot : ring_slots_) slot.store(nullptr, std::memory_order_relaxed);
}

CoreWorker::~CoreWorker() { stop_and_join(); }

void CoreWorker::start() {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  thread_ = std::thread([this, &m, &cv, &ready] {
    const int cpus = int(std::max(1u, std::thread::hardware_concurrency()));
    io::pin_current_thread(config_.core_for_thread(index_) % cpus);
    try {
      io::ReactorOptions ro;
      ro.backend = config_.backend;
      ro.socket_send_buffer = std::max(0, config_.send_buffer_bytes);  // 0: autotuning
      ro.socket_receive_buffer = std::max(0, config_.receive_buffer_bytes);
      reactor_ = shared_.metadata.make_reactor(ro);
      backend_ = reactor_->backend();
      if (config_.compression_type != protocol::CompressionType::none) {
        codec_ = compression::make_codec(config_.compression_type, config_.compression_level);
        if (!codec_) start_error_ = "compression codec could not be created";
      }
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
    auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    wall_offset_ns_ = wall - clock_.now_ns();
    const bool ok = start_error_.empty();
    {
      // Notified under the lock: start() returns (and its condition variable goes) as soon as
      // it sees `ready`, so the notification must be over by then.
      std::lock_guard lock(m);
      ready = true;
      cv.notify_all();
    }
    if (ok) run();
    // The reactor is torn down on the thread that drove it: io_uring runs a ring's task work
    // only on its submitting thread, so waiting for cancellations elsewhere never ends.
    std::lock_guard wake_lock(wake_mutex_);
    reactor_.reset();
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return ready; });
}

void CoreWorker::stop_and_join() {
  shutdown_.store(true);
  wake();
  if (thread_.joinable()) thread_.join();
}

void CoreWorker::wake() {
  sleeping_.store(false, std::memory_order_relaxed);
  // Other threads wake this core (rare: only when it sleeps); the lock keeps the reactor alive
  // meanwhile, as the thread destroys it when it ends.
  std::lock_guard lock(wake_mutex_);
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
    pump(kMaxIdleWait);
  }
  // Last words: whatever is still held fails (close() waited for delivery first).
  abort_everything(LocalError::closed, "producer closed before the record was delivered");
  for (auto& [node, s] : sinks_) {
    if (s->state() != BrokerSink::State::down) reactor_->close(s->connection());
  }
  // Let the closes complete (their on_closed releases the requests); bounded.
  for (int i = 0; i < 20 && !by_connection_.empty(); ++i) reactor_->poll(milliseconds(5));
  for (auto& [node, s] : sinks_) {
    closed_scratch_.clear();
    s->on_closed(clock_.now(), closed_scratch_);
    for (InFlightRequest* req : closed_scratch_) delete req;
  }
  for (auto& t : topics_) {
    if (!t) continue;
    for (auto& q : t->partitions) {
      if (q && q->open()) release_batch(q->close_open());
    }
  }
}

// One turn of the loop: take records from rings, close lingering batches, send what is
// ready, run I/O — sleeping in the reactor until the next thing is due, up to `max_wait`.
void CoreWorker::pump(Duration max_wait) {
  produced_since_pump_ = 0;
  Instant now = clock_.now();
  if (now >= next_recalibration_) {
    clock_.recalibrate();
    next_recalibration_ = now + std::chrono::seconds(1);
  }
  if (shared_.abort.load(std::memory_order_relaxed)) {
    abort_everything(LocalError::timed_out, "delivery timed out: the producer was closed before it was delivered");
  }
  drain_rings();
  close_lingering(now);
  maybe_refresh_metadata(now);
  maybe_bump_epoch(now);
  send_ready(now);
  if (now >= next_timeout_check_) {
    check_timeouts(now);
    next_timeout_check_ = now + kTimeoutCheck;
  }

  Duration wait = Duration::zero();
  if (max_wait > Duration::zero()) {
    wait = time_to_next_event(now, max_wait);
    if (wait > Duration::zero()) {
      // Dekker-style handshake with threads handing records over (ring_handoff.cpp): we say we
      // sleep, then look at the rings; they publish, then look at `sleeping`.
      sleeping_.store(true, std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      // Entries left in a ring for want of memory wait for an answer (which wakes the
      // reactor) or an expiry (a timer below): they are no reason to spin.
      if ((!ring_blocked_ && !rings_drained()) || body_pending_.load(std::memory_order_acquire) ||
          shutdown_.load(std::memory_order_acquire)) {
        wait = Duration::zero();
      }
    }
  }
  reactor_->poll(wait);
  sleeping_.store(false, std::memory_order_relaxed);
  // Responses may have freed in-flight slots or memory: send again right away.
  if (!ready_.empty()) send_ready(clock_.now());
}

// How long nothing needs this core: the first lingering batch's deadline, retry backoffs,
// reconnects, the next timeout check while anything is in flight, a metadata refresh.
Duration CoreWorker::time_to_next_event(Instant now, Duration max_wait) const {
  Instant until = now + max_wait;
  if (linger_head_) until = std::min(until, linger_head_->created + linger_);
  for (const PartitionQueue* q : ready_) {
    if (!q->queued()) continue;
    if (q->retry_at() > now) {
      until = std::min(until, q->retry_at());
    } else if (q->leader() >= 0) {
      // Waiting for its broker: a reconnect, or a response (which wakes the reactor).
      auto it = sinks_.find(q->leader());
      if (it != sinks_.end() && it->second->state() == BrokerSink::State::down) {
        until = std::min(until, std::max(it->second->reconnect_at(), now + milliseconds(1)));
      }
    }
    until = std::min(until, std::max(q->front_deadline(), next_timeout_check_));
  }
  for (const auto& [node, s] : sinks_) {
    if (!s->in_flight().empty()) until = std::min(until, next_timeout_check_);
  }
  if (metadata_due_ && !metadata_in_flight_) until = std::min(until, *metadata_due_);
  return std::max(until - now, Duration::zero());
}

bool CoreWorker::rings_drained() const {
  unsigned n = shared_.ring_count.load(std::memory_order_acquire);
  for (unsigned s = 0; s < n; ++s) {
    SpscByteRing* ring = ring_slots_[s].load(std::memory_order_acquire);
    if (ring && !ring->empty_for_consumer()) return false;
  }
  return true;
}

bool CoreWorker::rings_released() const {
  unsigned n = shared_.ring_count.load(std::memory_order_acquire);
  for (unsigned s = 0; s < n; ++s) {
    SpscByteRing* ring = ring_slots_[s].load(std::memory_order_acquire);
    if (ring && !ring->drained()) return false;
  }
  return true;
}

void CoreWorker::drain_rings() {
  unsigned n = shared_.ring_count.load(std::memory_order_acquire);
  bool pool_exhausted = false;  // stop taking ring entries until memory frees up
  ring_blocked_ = false;
  for (unsigned s = 0; s < n && !pool_exhausted; ++s) {
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
      if (fatal_) {
        st = ProduceStatus::closed;
      } else if (!t) {
        st = ProduceStatus::unknown_topic;
      } else {
        if (partition < 0) partition = choose_partition(*t, rec.key);
        st = append_taken(*t, partition, rec.header.timestamp_ms, rec.key, rec.value, headers,
                          rec.header.user_token, rec.header.enqueue_ns);
      }
      if (st == ProduceStatus::buffer_full) {
        pool_exhausted = true;  // leave it in the ring; the producer side waits or fails
        ring_blocked_ = true;
        break;
      }
      bump(counters_.enqueued);
      if (st != ProduceStatus::queued) {
        const uint64_t bytes = uint64_t(std::max(rec.header.key_size, 0)) +
                               uint64_t(std::max(rec.header.value_size, 0));
        if (st == ProduceStatus::record_too_large) {
          fail_record_now(*t, partition, LocalError::too_large,
                          "the record is larger than max.request.size", rec.header.user_token,
                          rec.header.enqueue_ns, bytes);
        } else if (st == ProduceStatus::closed) {
          fail_record_now(*t, partition, LocalError::fatal_idempotence, fatal_reason_,
                          rec.header.user_token, rec.header.enqueue_ns, bytes);
        } else if (t) {
          fail_record_now(*t, partition, LocalError::unknown_topic,
                          "the topic or partition is not in the cluster's metadata",
                          rec.header.user_token, rec.header.enqueue_ns, bytes);
        } else {
          bump(counters_.failed);
          set_last_error("a record's topic is not in the cluster's metadata");
        }
      }
      delete[] indirect_copy(entry);
      ring->pop(entry.size());
      if (++taken % 64 == 0) ring->release();
    }
    ring->release();
  }
}

void CoreWorker::close_lingering(Instant now) {
  const bool flushing = shared_.flushing.load(std::memory_order_relaxed) > 0;
  while (linger_head_) {
    ReadinessInput in;
    in.batch_bytes = linger_head_->writer.size();
    in.batch_capacity = linger_head_->writer.capacity();
    in.created_ns = linger_head_->created.time_since_epoch().count();
    in.now_ns = now.time_since_epoch().count();
    in.linger_ns = linger_.count();
    in.flushing = flushing;
    if (!batch_ready(in)) break;
    close_batch(linger_head_);
  }
}

void CoreWorker::check_timeouts(Instant now) {
  // Requests the broker has not answered within request.timeout.ms: drop the connection,
  // which sends their batches back for a retry (possibly persisted).
  for (auto& [node, s] : sinks_) {
    if ((s->state() == BrokerSink::State::ready || s->state() == BrokerSink::State::authenticating) &&
        s->request_timed_out(now, request_timeout_)) {
      close_connection(*s, "broker " + std::to_string(node) + " did not answer within request.timeout.ms (" +
                               std::to_string(config_.request_timeout_ms) + " ms)");
    }
  }
  // Batches waiting too long (leader unknown, broker down): delivery.timeout.ms.
  for (PartitionQueue* q : ready_) {
    batch_scratch_.clear();
    q->take_expired(now, batch_scratch_);
    for (Batch* b : batch_scratch_) {
      queued_bytes_ -= b->wire.size();
      std::string reason = "delivery timed out after delivery.timeout.ms";
      if (b->last_error) reason += " (last error " + std::string(protocol::error_name(b->last_error)) + ")";
      fail_batch(b, q->failure_for(*b, b->last_error, LocalError::timed_out), reason, now);
    }
  }
}

void CoreWorker::abort_everything(LocalError why, const char* reason) {
  const Instant now = clock_.now();
  drain_rings();
  while (linger_head_) close_batch(linger_head_);
  for (PartitionQueue* q : ready_) {
    batch_scratch_.clear();
    q->take_queued(batch_scratch_);
    for (Batch* b : batch_scratch_) {
      queued_bytes_ -= b->wire.size();
      fail_batch(b, q->failure_for(*b, 0, why), reason, now);
    }
    q->in_ready_list = false;
  }
  ready_.clear();
  // Batches in flight: they may have landed. Their requests stay listed (the reactor may
  // still hold their bytes) but no longer carry batches.
  for (auto& [node, s] : sinks_) {
    for (InFlightRequest* req : s->in_flight()) {
      if (req->abandoned) continue;
      for (Batch* b : req->batches) {
        Decision d = b->queue->on_not_sent(b, {-1, why, DeliveryStatus::possibly_persisted});
        report_failure(b, d.failure, reason, now);
      }
      // The reactor may still read their bytes: released once it lets go (on_sent/on_closed).
      req->abandoned = true;
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
