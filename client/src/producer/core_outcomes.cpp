// CoreWorker's answers: the reactor callbacks, what each response means (decided by the
// partition's queue), and how a batch ends — acknowledged or failed, counted and reported
// once, with its delivery status (see core_worker.hpp).

#include <algorithm>
#include <string>

#include "core_worker.hpp"
#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/init_producer_id.hpp"
#include "rawkafka/protocol/messages/metadata.hpp"

namespace rawkafka::client::detail {

namespace {

// "NAME: message" — the broker's own message when it sent one, else the Java client's.
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

// ---- reactor callbacks ---------------------------------------------------------------------

void CoreWorker::on_connected(io::ConnectionId id) {
  auto it = by_connection_.find(id);
  if (it == by_connection_.end()) return;
  if (config_.security.uses_sasl()) {
    it->second->on_connected(/*authenticate=*/true);
    start_authentication(*it->second, clock_.now());
    return;
  }
  it->second->on_connected();
  // A metadata request that waited for a connection goes now, not after its retry backoff
  // (the first records for a new topic waited retry.backoff.ms for it).
  if (metadata_due_ && !metadata_in_flight_) metadata_due_ = clock_.now();
}

void CoreWorker::on_sent(io::ConnectionId id, uint64_t token) {
  auto* req = reinterpret_cast<InFlightRequest*>(token);
  auto it = by_connection_.find(id);
  if (it == by_connection_.end()) return;  // on_closed settles it
  BrokerSink& s = *it->second;
  req->sent = true;
  if (!req->expects_response) {
    // acks=0: Kafka sends no response; written is delivered.
    const Instant now = clock_.now();
    if (!req->abandoned) {
      for (Batch* b : req->batches) carry_out(b, b->queue->on_response(b, 0, now), -1, {}, now);
      req->batches.clear();
    }
    s.remove(req);
    free_request(req);
    return;
  }
  if (req->answered) {
    std::vector<uint8_t> frame = std::move(req->early_response);
    handle_answer(s, *req, frame);
  }
}

void CoreWorker::on_frame(io::ConnectionId id, std::span<const uint8_t> frame) {
  auto it = by_connection_.find(id);
  if (it == by_connection_.end()) return;
  BrokerSink& s = *it->second;
  protocol::Reader peek(frame);
  const int32_t correlation_id = peek.i32();
  std::string why;
  InFlightRequest* req = peek.ok() ? s.match_response(correlation_id, why) : nullptr;
  if (!req) {
    if (!peek.ok()) why = "a response frame of " + std::to_string(frame.size()) + " bytes, too short for a header";
    close_connection(s, "closed the connection to broker " + std::to_string(s.node()) + ": it sent " + why);
    return;
  }
  req->answered = true;
  if (!req->sent) {
    // The reactor still holds the request's buffers: finish once it lets go (on_sent).
    req->early_response.assign(frame.begin(), frame.end());
    return;
  }
  handle_answer(s, *req, frame);
}

void CoreWorker::on_closed(io::ConnectionId id, const io::IoError& error) {
  auto it = by_connection_.find(id);
  if (it == by_connection_.end()) return;
  BrokerSink& s = *it->second;
  by_connection_.erase(it);
  const Instant now = clock_.now();
  if (!shutdown_.load(std::memory_order_relaxed) && error.code != 0) {
    set_last_error("connection to broker " + std::to_string(s.node()) + " lost: " + error.message);
  }
  closed_scratch_.clear();
  s.on_closed(now, closed_scratch_);
  for (InFlightRequest* req : closed_scratch_) {
    settle_unanswered(*req, now);
    free_request(req);
  }
  if (!shutdown_.load(std::memory_order_relaxed)) {
    request_metadata(now + std::chrono::milliseconds(config_.retry_backoff_ms));
  }
}

// A request whose connection ended before its answer came.
void CoreWorker::settle_unanswered(InFlightRequest& req, Instant now) {
  switch (req.kind) {
    case RequestKind::produce:
      if (req.abandoned) return;  // free_request releases the batches
      for (Batch* b : req.batches) carry_out(b, b->queue->on_no_answer(b, now), -1, {}, now);
      req.batches.clear();
      return;
    case RequestKind::metadata:
      metadata_in_flight_ = false;
      request_metadata(now + std::chrono::milliseconds(config_.retry_backoff_ms));
      return;
    case RequestKind::init_producer_id:
      bump_in_flight_ = false;  // asked again on the next turn (bump_wanted_ stays)
      return;
    case RequestKind::sasl_handshake:
    case RequestKind::sasl_authenticate:
      return;  // the next connection authenticates from the start
  }
}

// ---- responses -----------------------------------------------------------------------------

void CoreWorker::handle_answer(BrokerSink& s, InFlightRequest& req, std::span<const uint8_t> frame) {
  protocol::Reader r(frame);
  int32_t correlation_id = 0;
  protocol::ApiKey key = protocol::ApiKey::produce;
  switch (req.kind) {
    case RequestKind::produce: key = protocol::ApiKey::produce; break;
    case RequestKind::metadata: key = protocol::ApiKey::metadata; break;
    case RequestKind::init_producer_id: key = protocol::ApiKey::init_producer_id; break;
    case RequestKind::sasl_handshake: key = protocol::ApiKey::sasl_handshake; break;
    case RequestKind::sasl_authenticate: key = protocol::ApiKey::sasl_authenticate; break;
  }
  if (!protocol::read_response_header(r, key, req.version, correlation_id)) {
    close_connection(s, "closed the connection to broker " + std::to_string(s.node()) +
                            ": its response header did not decode");
    return;  // on_closed settles the request
  }
  if (req.abandoned) {
    s.remove(&req);
    free_request(&req);
    return;
  }
  switch (req.kind) {
    case RequestKind::produce: handle_produce_response(s, req, r); break;
    case RequestKind::metadata: handle_metadata_response(s, req, r); break;
    case RequestKind::init_producer_id: handle_init_producer_id_response(s, req, r); break;
    case RequestKind::sasl_handshake: handle_sasl_handshake_response(s, req, r); break;
    case RequestKind::sasl_authenticate: handle_sasl_authenticate_response(s, req, r); break;
  }
}

void CoreWorker::handle_produce_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r) {
  const Instant now = clock_.now();
  if (!response_.decode(r, req.version)) {
    close_connection(s, "closed the connection to broker " + std::to_string(s.node()) +
                            ": a Produce response did not decode");
    return;  // on_closed sends its batches back (they may have landed)
  }
  for (Batch* b : req.batches) {
    PartitionQueue& q = *b->queue;
    const CoreTopic& t = *topics_[q.topic()];
    const protocol::ProduceResponse::PartitionResponse* pr = nullptr;
    for (const auto& tr : response_.responses) {
      if (req.version >= 13 ? tr.topic_id != t.id : tr.name != t.name) continue;
      for (const auto& p : tr.partition_responses) {
        if (p.index == q.partition()) pr = &p;
      }
    }
    if (!pr) {
      // Answered without a word on this partition: it may or may not have been appended.
      set_last_error("broker " + std::to_string(s.node()) + "'s Produce response did not mention " +
                     t.name + "-" + std::to_string(q.partition()));
      carry_out(b, q.on_no_answer(b, now), -1, {}, now);
      continue;
    }
    if (!pr->current_leader.is_default() && pr->current_leader.leader_id >= 0) {
      assign_leader(q, pr->current_leader.leader_id, pr->current_leader.leader_epoch);
    }
    const Decision d = q.on_response(b, pr->error_code, now);
    carry_out(b, d, pr->base_offset,
              pr->error_code ? broker_error_text(pr->error_code, pr->error_message) : std::string(), now);
  }
  req.batches.clear();
  s.remove(&req);
  free_request(&req);
}

void CoreWorker::handle_metadata_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r) {
  const Instant now = clock_.now();
  metadata_in_flight_ = false;
  protocol::MetadataResponse resp;
  const bool ok = resp.decode(r, req.version);
  s.remove(&req);
  free_request(&req);
  if (!ok || resp.error_code != 0) {
    set_last_error(ok ? "metadata request failed: " + std::string(protocol::error_name(resp.error_code))
                      : "a Metadata response from broker " + std::to_string(s.node()) + " did not decode");
    metadata_backoff_ = std::min<Duration>(
        std::max<Duration>(metadata_backoff_ * 2, std::chrono::milliseconds(config_.retry_backoff_ms)),
        std::chrono::milliseconds(std::max(config_.reconnect_backoff_max_ms, config_.retry_backoff_ms)));
    request_metadata(now + metadata_backoff_);
    return;
  }
  metadata_backoff_ = Duration::zero();
  shared_.metadata.apply(resp);
  reload_metadata();
  std::erase_if(wanted_topics_, [this](const std::string& name) {
    return shared_.metadata.partition_count(shared_.metadata.topic_index(name)) > 0;
  });
  // Partitions still without a leader ask again after retry.backoff.ms.
  for (PartitionQueue* q : ready_) {
    if (q->queued() && q->leader() < 0) {
      request_metadata(now + std::chrono::milliseconds(config_.retry_backoff_ms));
      break;
    }
  }
}

void CoreWorker::handle_init_producer_id_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r) {
  bump_in_flight_ = false;
  protocol::InitProducerIdResponse resp;
  const bool ok = resp.decode(r, req.version);
  s.remove(&req);
  free_request(&req);
  if (!ok) {
    close_connection(s, "closed the connection to broker " + std::to_string(s.node()) +
                            ": an InitProducerId response did not decode");
    return;
  }
  if (resp.error_code != 0) {
    if (protocol::is_retriable(resp.error_code)) return;  // asked again on the next turn
    enter_fatal("bumping the producer epoch failed: " + broker_error_text(resp.error_code, std::nullopt));
    return;
  }
  producer_id_ = resp.producer_id;
  producer_epoch_ = resp.producer_epoch;
  bump_wanted_ = false;
  for (auto& t : topics_) {
    if (!t) continue;
    for (auto& q : t->partitions) {
      if (q) q->reset_sequences();
    }
  }
  set_last_error("the producer epoch was bumped to " + std::to_string(producer_epoch_) +
                 " after the broker lost its sequence state");
}

// ---- outcomes ------------------------------------------------------------------------------

void CoreWorker::carry_out(Batch* b, const Decision& d, int64_t base_offset, std::string_view reason,
                           Instant now) {
  if (d.bump_epoch && shared_.idempotent) bump_wanted_ = true;
  if (d.refresh_metadata) request_metadata(now + std::chrono::milliseconds(config_.retry_backoff_ms) / 2);
  switch (d.verdict) {
    case Verdict::completed:
      complete_batch(b, base_offset, now);
      break;
    case Verdict::retry:
      bump(counters_.retries);
      queued_bytes_ += b->wire.size();
      note_ready(*b->queue);
      break;
    case Verdict::failed: {
      std::string text;
      const std::string last = b->last_error ? std::string(protocol::error_name(b->last_error)) : "none";
      switch (d.failure.local) {
        case LocalError::retries_exhausted: text = "retries exhausted (last error " + last + ")"; break;
        case LocalError::timed_out: text = "delivery timed out (last error " + last + ")"; break;
        default: text = reason.empty() ? std::string(to_string(d.failure.local)) : std::string(reason);
      }
      fail_batch(b, d.failure, text, now);
      break;
    }
  }
  if (d.fatal) enter_fatal(reason);
}

void CoreWorker::enter_fatal(std::string_view reason) {
  if (fatal_) return;
  fatal_ = true;
  fatal_reason_ = "the idempotent producer cannot go on: " + std::string(reason);
  set_last_error(fatal_reason_);
  abort_everything(LocalError::fatal_idempotence, fatal_reason_.c_str());
}

void CoreWorker::complete_batch(Batch* b, int64_t base_offset, Instant now) {
  Outcome o;
  o.base_offset = base_offset;
  report(*topics_[b->queue->topic()], b->queue->partition(), b->enqueued, b->tokens, b->payload_bytes, o, now);
  bump(counters_.bytes_acked, b->wire.size());
  bump(counters_.batches_acked);
  release_batch(b);
}

void CoreWorker::fail_batch(Batch* b, const BatchFailure& f, std::string_view reason, Instant now) {
  report_failure(b, f, reason, now);
  release_batch(b);
}

void CoreWorker::report_failure(Batch* b, const BatchFailure& f, std::string_view reason, Instant now) {
  const CoreTopic& t = *topics_[b->queue->topic()];
  set_last_error(t.name + "-" + std::to_string(b->queue->partition()) + ": " + std::string(reason));
  Outcome o;
  o.failure = &f;
  o.reason = reason;
  report(t, b->queue->partition(), b->enqueued, b->tokens, b->payload_bytes, o, now);
}

void CoreWorker::fail_record_now(CoreTopic& t, int32_t partition, LocalError why, std::string_view reason,
                                 uint64_t token, int64_t enqueue_ns, uint64_t payload_bytes) {
  set_last_error(t.name + ": " + std::string(reason));
  const BatchFailure f{-1, why, DeliveryStatus::not_persisted};
  Outcome o;
  o.failure = &f;
  o.reason = reason;
  const EnqueueRun run{enqueue_ns, 1};
  report(t, partition, {&run, 1}, {&token, 1}, payload_bytes, o, clock_.now());
}

// The one way an outcome leaves the core: counted once, latencies recorded (acknowledged
// records), then the batch callback and the per-record callback, each when set.
void CoreWorker::report(const CoreTopic& t, int32_t partition, std::span<const EnqueueRun> enqueued,
                        std::span<const uint64_t> tokens, uint64_t payload_bytes, const Outcome& o,
                        Instant now_at) {
  const int64_t now = now_at.time_since_epoch().count();
  size_t n = 0;
  uint64_t latency_sum = 0, latency_max = 0;
  {
    std::unique_lock lock(stats_mutex_, std::defer_lock);
    if (!o.failure) lock.lock();
    for (const EnqueueRun& run : enqueued) {
      const uint64_t latency = uint64_t(std::max<int64_t>(0, now - run.ns));
      if (!o.failure) latency_.record(latency, run.count);
      n += run.count;
      latency_sum += latency * run.count;
      latency_max = std::max(latency_max, latency);
    }
  }
  if (shared_.batch_delivery_callback) {
    BatchDeliveryReport rep;
    rep.topic = t.name;
    rep.partition = partition;
    rep.base_offset = o.base_offset;
    rep.record_count = uint32_t(n);
    rep.payload_bytes = payload_bytes;
    rep.latency_sum_ns = latency_sum;
    rep.latency_max_ns = latency_max;
    if (o.failure) {
      rep.error_code = o.failure->error_code;
      rep.error = o.reason;
      rep.status = o.failure->status;
      rep.local_error = o.failure->local;
    }
    shared_.batch_delivery_callback(rep);
  }
  if (shared_.delivery_callback) {
    DeliveryReport rep;
    rep.topic = t.name;
    rep.partition = partition;
    if (o.failure) {
      rep.error_code = o.failure->error_code;
      rep.error = o.reason;
      rep.status = o.failure->status;
      rep.local_error = o.failure->local;
    }
    size_t i = 0;
    for (const EnqueueRun& run : enqueued) {
      rep.latency_ns = now - run.ns;
      for (uint32_t k = 0; k < run.count; ++k, ++i) {
        rep.offset = o.base_offset >= 0 ? o.base_offset + int64_t(i) : -1;
        rep.user_token = i < tokens.size() ? tokens[i] : 0;
        shared_.delivery_callback(rep);
      }
    }
  }
  if (!o.failure) {
    bump(counters_.acked, n);
  } else {
    bump(counters_.failed, n);
    if (o.failure->status == DeliveryStatus::possibly_persisted) bump(counters_.possibly_persisted, n);
  }
}

}  // namespace rawkafka::client::detail
