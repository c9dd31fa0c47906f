// CoreWorker, part 3: what happens to a batch at the end — acknowledged, retried or
// failed — and the timeouts that decide it (see core_worker.hpp).

#include <algorithm>
#include <chrono>
#include <string>

#include "core_worker.hpp"
#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/errors.hpp"

namespace rawkafka::client::detail {

namespace {

// Errors after which the partition's leader may have moved: refresh metadata before retrying.
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

}  // namespace

// ---- outcomes ------------------------------------------------------------------------------------

void CoreWorker::complete_batch(Batch* b, int64_t base_offset, int64_t now) {
  const CoreTopic& t = *topics_[b->partition->topic];
  const int32_t n = b->writer.record_count();
  uint64_t latency_sum = 0, latency_max = 0;
  {
    std::lock_guard lock(stats_mutex_);
    for (int64_t e : b->enqueue_ns) {
      const uint64_t latency = uint64_t(std::max<int64_t>(0, now - e));
      latency_.record(latency);
      latency_sum += latency;
      latency_max = std::max(latency_max, latency);
    }
  }
  if (shared_.batch_delivery_callback) {
    BatchDeliveryReport rep;
    rep.topic = t.name;
    rep.partition = b->partition->partition;
    rep.base_offset = base_offset;
    rep.record_count = uint32_t(n);
    rep.payload_bytes = b->payload_bytes;
    rep.latency_sum_ns = latency_sum;
    rep.latency_max_ns = latency_max;
    shared_.batch_delivery_callback(rep);
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
  if (shared_.batch_delivery_callback) {
    BatchDeliveryReport rep;
    rep.topic = t.name;
    rep.partition = b->partition->partition;
    rep.record_count = uint32_t(n);
    rep.payload_bytes = b->payload_bytes;
    rep.error_code = code;
    rep.error = reason;
    for (int64_t e : b->enqueue_ns) {
      const uint64_t latency = uint64_t(std::max<int64_t>(0, now - e));
      rep.latency_sum_ns += latency;
      rep.latency_max_ns = std::max(rep.latency_max_ns, latency);
    }
    shared_.batch_delivery_callback(rep);
  }
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
                                 uint64_t token, int64_t enqueue_ns, uint64_t payload_bytes) {
  set_last_error(t.name + ": " + std::string(reason));
  if (shared_.batch_delivery_callback) {
    BatchDeliveryReport rep;
    rep.topic = t.name;
    rep.partition = partition;
    rep.record_count = 1;
    rep.payload_bytes = payload_bytes;
    rep.error_code = code;
    rep.error = reason;
    rep.latency_sum_ns = rep.latency_max_ns = uint64_t(std::max<int64_t>(0, clock_.now_ns() - enqueue_ns));
    shared_.batch_delivery_callback(rep);
  }
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
