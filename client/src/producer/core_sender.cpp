// CoreWorker, part 2: building Produce requests from ready batches, and the reactor
// callbacks that carry their answers back (see core_worker.hpp).

#include <algorithm>
#include <chrono>
#include <string>

#include "core_worker.hpp"
#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/errors.hpp"

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

}  // namespace rawkafka::client::detail
