// CoreWorker's requests: connections to brokers (one BrokerSink each), Produce requests built
// by each sink's fair drain, Metadata and InitProducerId on the same connections, SASL before
// them (see core_worker.hpp).

#include <algorithm>
#include <random>

#include "core_worker.hpp"
#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/init_producer_id.hpp"
#include "rawkafka/protocol/messages/metadata.hpp"
#include "rawkafka/protocol/messages/sasl_authenticate.hpp"
#include "rawkafka/protocol/messages/sasl_handshake.hpp"

namespace rawkafka::client::detail {

namespace {
constexpr int32_t kBootstrapNodeBase = -1000;  // sinks for bootstrap addresses: -1000 - i
}  // namespace

// ---- connections ---------------------------------------------------------------------------

BrokerSink& CoreWorker::sink_for(int32_t node) {
  auto it = sinks_.find(node);
  if (it != sinks_.end()) return *it->second;
  auto fresh = std::make_unique<BrokerSink>(node, sink_policy_);
  BrokerSink& s = *fresh;
  sinks_.emplace(node, std::move(fresh));
  return s;
}

// Starts connecting when the sink is down and its backoff has passed; true when it is ready.
bool CoreWorker::connect_sink(BrokerSink& s, Instant now) {
  if (s.state() == BrokerSink::State::ready) return true;
  if (!s.may_connect(now)) return false;
  std::optional<io::Endpoint> ep;
  if (s.node() <= kBootstrapNodeBase) {
    const auto& bootstrap = shared_.metadata.bootstrap();
    const size_t i = size_t(kBootstrapNodeBase - s.node());
    if (i < bootstrap.size()) ep = bootstrap[i];
  } else {
    ep = shared_.metadata.broker(s.node());
  }
  if (!ep) {
    request_metadata(now);
    return false;
  }
  const io::ConnectionId id = reactor_->connect(
      *ep, std::chrono::milliseconds(config_.socket_connection_setup_timeout_ms), *this);
  s.on_connecting(id);
  by_connection_[id] = &s;
  return false;
}

void CoreWorker::assign_leader(PartitionQueue& q, int32_t leader, int32_t epoch) {
  const int32_t before = q.leader();
  if (!q.set_leader(leader, epoch) && before >= 0 && sinks_.count(before)) return;
  if (before >= 0) {
    auto it = sinks_.find(before);
    if (it != sinks_.end()) it->second->remove_partition(&q);
  }
  if (q.leader() >= 0) sink_for(q.leader()).add_partition(&q);
}

// Two max.request.size requests' worth per broker this core sends to.
size_t CoreWorker::queue_limit() const {
  size_t brokers = 0;
  for (const auto& [node, s] : sinks_) brokers += !s->partitions().empty();
  return 2 * size_t(config_.max_request_size) * std::max<size_t>(1, brokers);
}

void CoreWorker::close_connection(BrokerSink& s, std::string why) {
  set_last_error(why);
  if (s.state() != BrokerSink::State::down) reactor_->close(s.connection());
}

// ---- Produce -------------------------------------------------------------------------------

void CoreWorker::send_ready(Instant now) {
  if (now >= next_reauthentication_) maybe_reauthenticate(now);
  if (ready_.empty() || bump_wanted_ || bump_in_flight_) return;
  // Partitions whose queues emptied leave the list; a leaderless one asks for metadata.
  for (size_t i = 0; i < ready_.size();) {
    PartitionQueue* q = ready_[i];
    if (!q->queued()) {
      q->in_ready_list = false;
      ready_[i] = ready_.back();
      ready_.pop_back();
      continue;
    }
    ++i;
    if (q->leader() < 0) {
      request_metadata(now + std::chrono::milliseconds(config_.retry_backoff_ms));
    } else {
      connect_sink(sink_for(q->leader()), now);
    }
  }
  auto topic_overhead = [this](uint32_t topic) { return topics_[topic]->name.size() + 24; };
  for (auto& [node, s] : sinks_) {
    // Each drain fills one request; a sink with room and more ready batches drains again.
    for (unsigned round = 0; round < sink_policy_.max_in_flight && s->has_room(); ++round) {
      s->drain(now, drain_out_, topic_overhead);
      if (drain_out_.empty()) break;
      for (Batch* b : drain_out_) {
        b->queue->take_front();
        queued_bytes_ -= b->wire.size();
        if (b->stale) {
          std::string error;
          finish_batch(b, error);  // it finished once with the same records and sizes
        }
      }
      send_produce(*s, drain_out_, now);
    }
  }
}

InFlightRequest* CoreWorker::new_request(RequestKind kind) {
  InFlightRequest* r;
  if (!request_free_.empty()) {
    r = request_free_.back().release();
    request_free_.pop_back();
  } else {
    r = new InFlightRequest;
  }
  r->kind = kind;
  r->batches.clear();
  r->iov.clear();
  r->early_response.clear();
  r->sent = r->answered = r->abandoned = false;
  r->expects_response = true;
  return r;
}

void CoreWorker::free_request(InFlightRequest* r) {
  if (r->abandoned) {
    for (Batch* b : r->batches) release_batch(b);
  }
  r->batches.clear();
  request_free_.emplace_back(r);
}

void CoreWorker::send_frame(BrokerSink& s, InFlightRequest* req, Instant now) {
  req->sent_at = now;
  s.add_in_flight(req);
  reactor_->send(s.connection(), req->iov, reinterpret_cast<uint64_t>(req));
}

void CoreWorker::send_produce(BrokerSink& s, std::span<Batch* const> batches, Instant now) {
  InFlightRequest* req = new_request(RequestKind::produce);
  req->correlation_id = s.next_correlation_id();
  req->version = shared_.produce_version;
  req->expects_response = config_.acks != Acks::none;
  req->batches.assign(batches.begin(), batches.end());

  // Group by topic, in first-appearance order, reusing request_'s vectors.
  size_t topics = 0;
  size_t records_bytes = 0;
  size_t bound = 96 + config_.client_id.size();
  for (Batch* b : batches) {
    CoreTopic& t = *topics_[b->queue->topic()];
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
    pd.index = b->queue->partition();
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
  size_t at = protocol::begin_request(w, protocol::ApiKey::produce, req->version, req->correlation_id,
                                      config_.client_id);
  req->iov.emplace_back(req->scratch.data(), w.size());
  bool ok = request_.encode_gather(w, req->iov, req->version);
  protocol::end_frame(w, at, records_bytes);
  // The views into batches must not outlive this call in request_.
  for (auto& td : request_.topic_data) td.partition_data.clear();
  if (!ok || !w.ok()) {
    for (Batch* b : req->batches) {
      Decision d = b->queue->on_not_sent(b, {-1, LocalError::too_large, DeliveryStatus::not_persisted});
      fail_batch(b, d.failure, "the Produce request could not be encoded", now);
    }
    req->batches.clear();
    free_request(req);
    return;
  }
  bump(counters_.requests);
  send_frame(s, req, now);
}

// ---- Metadata ------------------------------------------------------------------------------

void CoreWorker::request_metadata(Instant when) {
  if (!metadata_due_ || when < *metadata_due_) metadata_due_ = when;
}

void CoreWorker::maybe_refresh_metadata(Instant now) {
  if (shared_.metadata.generation() != metadata_generation_) reload_metadata();
  // metadata.max.age.ms: one core keeps the shared view fresh for all.
  if (index_ == 0 && !topics_.empty() && !metadata_due_ && !metadata_in_flight_ &&
      monotonic_ns() - shared_.metadata.last_refresh_ns() > config_.metadata_max_age_ms * 1'000'000) {
    metadata_due_ = now;
  }
  if (!metadata_due_ || now < *metadata_due_ || metadata_in_flight_) return;
  if (send_metadata_request(now)) {
    metadata_due_.reset();
  } else {
    // No connection is ready yet: connecting (its completion wakes the loop) or backing off.
    metadata_due_ = now + std::chrono::milliseconds(std::max<int64_t>(config_.retry_backoff_ms, 1));
  }
}

// Sends a Metadata request for every topic the producer knows (and those asked for) on a
// ready connection of this core — a partition leader's, else one to a known broker or a
// bootstrap address, connecting first. False while none is ready yet.
bool CoreWorker::send_metadata_request(Instant now) {
  BrokerSink* via = nullptr;
  for (auto& [node, s] : sinks_) {
    if (s->has_room() && (!via || s->slots_used() < via->slots_used())) via = s.get();
  }
  if (!via) {
    for (auto& [node, s] : sinks_) {
      if (s->state() == BrokerSink::State::connecting || s->state() == BrokerSink::State::authenticating) {
        return false;  // wait for it
      }
    }
    // Nothing connected: try known brokers and bootstrap addresses in turn.
    std::vector<int32_t> nodes = shared_.metadata.broker_ids();
    const size_t bootstrap = shared_.metadata.bootstrap().size();
    const size_t choices = nodes.size() + bootstrap;
    for (size_t k = 0; k < choices; ++k) {
      const size_t i = (next_bootstrap_ + k) % choices;
      const int32_t node = i < nodes.size() ? nodes[i] : kBootstrapNodeBase - int32_t(i - nodes.size());
      BrokerSink& s = sink_for(node);
      if (s.may_connect(now)) {
        next_bootstrap_ = i + 1;
        connect_sink(s, now);
        return false;
      }
    }
    return false;
  }
  protocol::MetadataRequest req;
  req.topics.emplace();
  for (std::string& name : shared_.metadata.topic_names()) {
    req.topics->push_back({protocol::Uuid{}, std::move(name)});
  }
  for (const std::string& name : wanted_topics_) {
    bool present = false;
    for (const auto& t : *req.topics) present = present || (t.name && *t.name == name);
    if (!present) req.topics->push_back({protocol::Uuid{}, name});
  }
  req.allow_auto_topic_creation = true;  // as the Java producer does
  metadata_in_flight_ = true;
  send_control(*via, RequestKind::metadata, shared_.metadata_version, req, now);
  return true;
}

// Metadata and InitProducerId: small requests encoded whole into the request's own buffer.
template <class Request>
void CoreWorker::send_control(BrokerSink& s, RequestKind kind, int16_t version, const Request& request,
                              Instant now) {
  InFlightRequest* r = new_request(kind);
  r->correlation_id = s.next_correlation_id();
  r->version = version;
  r->scratch.clear();
  protocol::Writer w(r->scratch);
  size_t at = protocol::begin_request(w, Request::traits.key, version, r->correlation_id, config_.client_id);
  request.encode(w, version);
  protocol::end_frame(w, at);
  w.finish();
  r->iov.emplace_back(r->scratch.data(), r->scratch.size());
  send_frame(s, r, now);
}

// ---- SASL (KIP-152) ------------------------------------------------------------------------

void CoreWorker::start_authentication(BrokerSink& s, Instant now) {
  const SecurityConfig& sec = config_.security;
  if (shared_.sasl_handshake_version < 1 || shared_.sasl_authenticate_version < 0) {
    fail_authentication(s, "the broker does not take SaslHandshake v1 and SaslAuthenticate (KIP-152)");
    return;
  }
  auto exchange = std::make_unique<SaslExchange>(*sec.sasl_mechanism, sec.sasl_username, sec.sasl_password);
  if (exchange->failed()) {
    fail_authentication(s, exchange->error());
    return;
  }
  sasl_[s.node()] = std::move(exchange);
  protocol::SaslHandshakeRequest req;
  req.mechanism = std::string(to_string(*sec.sasl_mechanism));
  send_control(s, RequestKind::sasl_handshake, shared_.sasl_handshake_version, req, now);
}

// Sinks whose session is to be renewed take no new requests; once one has nothing in flight it
// authenticates again on its connection (SaslHandshake, SaslAuthenticate), then sends on.
// Runs only once the earliest renewal is due (next_reauthentication_), and then sets it again.
void CoreWorker::maybe_reauthenticate(Instant now) {
  next_reauthentication_ = Instant::max();
  for (auto& [node, s] : sinks_) {
    if (!s->reauthentication_due(now)) {
      next_reauthentication_ = std::min(next_reauthentication_, s->reauthenticate_at());
      continue;
    }
    if (!s->in_flight().empty()) {
      next_reauthentication_ = now;  // look again once its answers are in
      continue;
    }
    s->on_reauthenticating();
    bump(counters_.reauthentications);
    start_authentication(*s, now);
  }
}

void CoreWorker::send_sasl_message(BrokerSink& s, const std::string& message, Instant now) {
  protocol::SaslAuthenticateRequest req;
  req.auth_bytes.assign(message.begin(), message.end());
  send_control(s, RequestKind::sasl_authenticate, shared_.sasl_authenticate_version, req, now);
}

void CoreWorker::fail_authentication(BrokerSink& s, const std::string& why) {
  const SecurityConfig& sec = config_.security;
  std::string where = "broker " + std::to_string(s.node());
  std::optional<io::Endpoint> ep = shared_.metadata.broker(s.node());
  if (ep) where = ep->to_string();
  sasl_.erase(s.node());
  close_connection(s, sasl_failure(sec.sasl_username, where, *sec.sasl_mechanism, why));
}

void CoreWorker::handle_sasl_handshake_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r) {
  protocol::SaslHandshakeResponse resp;
  const bool ok = resp.decode(r, req.version);
  s.remove(&req);
  free_request(&req);
  if (!ok) {
    fail_authentication(s, "its SaslHandshake response did not decode");
    return;
  }
  if (resp.error_code != 0) {
    fail_authentication(s, sasl_mechanism_not_enabled(*config_.security.sasl_mechanism, resp.mechanisms));
    return;
  }
  auto it = sasl_.find(s.node());
  if (it == sasl_.end()) return;
  send_sasl_message(s, it->second->first(), clock_.now());
}

void CoreWorker::handle_sasl_authenticate_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r) {
  protocol::SaslAuthenticateResponse resp;
  const bool ok = resp.decode(r, req.version);
  s.remove(&req);
  free_request(&req);
  if (!ok) {
    fail_authentication(s, "its SaslAuthenticate response did not decode");
    return;
  }
  if (resp.error_code != 0) {
    fail_authentication(s, sasl_broker_error(resp.error_code, resp.error_message));
    return;
  }
  auto it = sasl_.find(s.node());
  if (it == sasl_.end()) return;
  SaslStep step = it->second->step(
      std::string_view(reinterpret_cast<const char*>(resp.auth_bytes.data()), resp.auth_bytes.size()));
  if (!step.ok()) {
    fail_authentication(s, step.error);
    return;
  }
  const Instant now = clock_.now();
  if (!it->second->done()) {
    send_sasl_message(s, step.message, now);
    return;
  }
  sasl_.erase(it);
  // KIP-368: renew the session at 85-95% of its lifetime, as the Java client does, so that the
  // connections of many clients do not all renew at once.
  Instant renew_at = Instant::max();
  if (resp.session_lifetime_ms > 0) {
    const double fraction = 0.85 + 0.10 * std::uniform_real_distribution<double>(0.0, 1.0)(reauth_random_);
    renew_at = now + std::chrono::duration_cast<Duration>(
                         std::chrono::duration<double, std::milli>(double(resp.session_lifetime_ms) * fraction));
  }
  s.on_authenticated(renew_at);
  next_reauthentication_ = std::min(next_reauthentication_, renew_at);
  if (metadata_due_ && !metadata_in_flight_) metadata_due_ = now;
  send_ready(now);
}

// ---- the idempotent epoch (KIP-360) --------------------------------------------------------

// Once nothing of this core is in flight, asks for a new epoch of its producer id
// (InitProducerId with the current id and epoch); the answer restarts every partition's
// sequences from 0.
void CoreWorker::maybe_bump_epoch(Instant now) {
  if (!bump_wanted_ || bump_in_flight_ || fatal_) return;
  for (auto& [node, s] : sinks_) {
    for (InFlightRequest* r : s->in_flight()) {
      if (r->kind == RequestKind::produce && !r->batches.empty()) return;
    }
  }
  if (shared_.init_producer_id_version < 3) {
    enter_fatal("the broker lost this producer's sequence state and does not support bumping "
                "the epoch (InitProducerId v3, KIP-360)");
    return;
  }
  BrokerSink* via = nullptr;
  for (auto& [node, s] : sinks_) {
    if (s->has_room()) via = s.get();
  }
  if (!via) {
    request_metadata(now);  // connects somewhere
    return;
  }
  protocol::InitProducerIdRequest req;
  req.transaction_timeout_ms = INT32_MAX;
  req.producer_id = producer_id_;
  req.producer_epoch = producer_epoch_;
  bump_in_flight_ = true;
  send_control(*via, RequestKind::init_producer_id, shared_.init_producer_id_version, req, now);
}

}  // namespace rawkafka::client::detail
