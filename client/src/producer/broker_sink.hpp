#pragma once
// The producer's side of one broker connection on a core, without the socket: its state and
// reconnect backoff, correlation ids, the requests in flight (answered in order), and the
// fair drain that builds one Produce request from the ready batches of the partitions this
// broker leads — up to max.request.size, starting where the last drain stopped (as Java's
// RecordAccumulator rotates its drainIndex), so no partition is overtaken round after round.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "batch.hpp"
#include "fast_clock.hpp"
#include "partition_queue.hpp"
#include "rawkafka/io/reactor.hpp"

namespace rawkafka::client::detail {

enum class RequestKind : uint8_t { produce, metadata, init_producer_id, sasl_handshake, sasl_authenticate };

struct InFlightRequest {
  RequestKind kind = RequestKind::produce;
  int32_t correlation_id = 0;
  int16_t version = 0;
  bool expects_response = true;  // false for acks=0 Produce
  bool sent = false;             // the reactor let go of its buffers (on_sent)
  bool answered = false;
  bool abandoned = false;  // its batches were already reported; only their buffers remain
  Instant sent_at{};
  std::vector<Batch*> batches;
  std::vector<std::span<const uint8_t>> iov;
  std::vector<uint8_t> scratch;
  std::vector<uint8_t> early_response;  // a response that arrived before on_sent
};

struct SinkPolicy {
  size_t max_request_size = 1048576;  // max.request.size
  size_t request_overhead = 64;       // frame + header + fixed request fields
  size_t partition_overhead = 16;     // per partition: index + records length (+ tags)
  unsigned max_in_flight = 5;         // max.in.flight.requests.per.connection
  Duration reconnect_backoff = std::chrono::milliseconds(50);
  Duration reconnect_backoff_max = std::chrono::milliseconds(1000);
};

class BrokerSink {
 public:
  // authenticating: connected, SASL under way (KIP-152); nothing else goes until it is done.
  enum class State : uint8_t { down, connecting, authenticating, ready };

  BrokerSink(int32_t node, const SinkPolicy& policy) : policy_(policy), node_(node) {}
  BrokerSink(const BrokerSink&) = delete;
  BrokerSink& operator=(const BrokerSink&) = delete;

  int32_t node() const { return node_; }
  State state() const { return state_; }
  io::ConnectionId connection() const { return connection_; }

  // ---- the connection ----
  bool may_connect(Instant now) const { return state_ == State::down && now >= reconnect_at_; }
  Instant reconnect_at() const { return reconnect_at_; }
  void on_connecting(io::ConnectionId id) {
    state_ = State::connecting;
    connection_ = id;
  }
  // With SASL the connection is not ready until on_authenticated(); the reconnect backoff is
  // only forgiven then, so refused credentials are not retried at once, again and again.
  void on_connected(bool authenticate = false) {
    if (authenticate) {
      state_ = State::authenticating;
      return;
    }
    state_ = State::ready;
    backoff_ = Duration::zero();
  }
  // `reauthenticate_at`: when the broker's session (KIP-368) is to be renewed; Instant::max()
  // when the broker set no lifetime.
  void on_authenticated(Instant reauthenticate_at = Instant::max()) {
    state_ = State::ready;
    backoff_ = Duration::zero();
    reauthenticate_at_ = reauthenticate_at;
    reauthentication_wanted_ = false;
  }
  // KIP-368: once the session is to be renewed no new request goes (has_room() is false); when
  // nothing is in flight any more the core authenticates again on the same connection.
  bool reauthentication_due(Instant now) {
    if (state_ != State::ready || now < reauthenticate_at_) return false;
    reauthentication_wanted_ = true;
    return true;
  }
  Instant reauthenticate_at() const { return reauthenticate_at_; }
  void on_reauthenticating() {
    state_ = State::authenticating;
    reauthenticate_at_ = Instant::max();
    reauthentication_wanted_ = false;
  }
  // The connection closed or could not be made: every request in flight comes back, oldest
  // first, for the core to settle; the next connect waits out a growing backoff.
  void on_closed(Instant now, std::vector<InFlightRequest*>& out);

  // ---- requests ----
  int32_t next_correlation_id() { return next_correlation_id_++; }
  void add_in_flight(InFlightRequest* r) { in_flight_.push_back(r); }
  std::span<InFlightRequest* const> in_flight() const { return in_flight_; }
  // Requests that still hold a slot of max.in.flight.requests.per.connection.
  unsigned slots_used() const;
  bool has_room() const {
    return state_ == State::ready && !reauthentication_wanted_ && slots_used() < policy_.max_in_flight;
  }
  // The request a response frame with `correlation_id` answers: the oldest one awaiting an
  // answer. nullptr (and `why` says it) when none awaits one or the ids differ — the
  // connection is then out of step and must be closed.
  InFlightRequest* match_response(int32_t correlation_id, std::string& why);
  // Takes a finished request (answered, or sent when no answer comes) off the list.
  void remove(InFlightRequest* r);
  // The oldest unanswered request has waited longer than `timeout` since it was written.
  bool request_timed_out(Instant now, Duration timeout) const;

  // ---- partitions this broker leads ----
  void add_partition(PartitionQueue* q);
  void remove_partition(PartitionQueue* q);
  std::span<PartitionQueue* const> partitions() const { return partitions_; }

  // Fills `out` with the batches of one Produce request: at most one batch per partition (the
  // front of its queue, when ready_to_send says it may go), visiting partitions from where
  // the previous drain stopped, until max.request.size is reached. A batch that alone exceeds
  // the limit goes alone. `topic_overhead(topic)` is the bytes a topic adds the first time it
  // appears in a request. The batches stay queued: the caller takes them (take_front).
  template <class TopicOverhead>
  void drain(Instant now, std::vector<Batch*>& out, TopicOverhead&& topic_overhead);

  size_t drain_cursor() const { return cursor_; }

 private:
  SinkPolicy policy_;
  int32_t node_;
  State state_ = State::down;
  io::ConnectionId connection_ = 0;
  Instant reconnect_at_{};
  Instant reauthenticate_at_ = Instant::max();
  bool reauthentication_wanted_ = false;
  Duration backoff_{};
  int32_t next_correlation_id_ = 1;
  std::vector<InFlightRequest*> in_flight_;  // oldest first; responses come in this order
  std::vector<PartitionQueue*> partitions_;
  size_t cursor_ = 0;
  std::vector<uint32_t> topics_seen_;
};

template <class TopicOverhead>
void BrokerSink::drain(Instant now, std::vector<Batch*>& out, TopicOverhead&& topic_overhead) {
  out.clear();
  const size_t n = partitions_.size();
  if (n == 0 || !has_room()) return;
  if (cursor_ >= n) cursor_ = 0;
  topics_seen_.clear();
  size_t total = policy_.request_overhead;
  size_t next_start = cursor_;
  bool stopped = false;
  for (size_t step = 0; step < n; ++step) {
    const size_t i = (cursor_ + step) % n;
    PartitionQueue* q = partitions_[i];
    if (q->ready_to_send(now) != Hold::none) continue;
    Batch* b = q->front();
    bool topic_new = true;
    for (uint32_t t : topics_seen_) topic_new = topic_new && t != q->topic();
    const size_t add = b->wire.size() + policy_.partition_overhead + (topic_new ? topic_overhead(q->topic()) : 0);
    if (!out.empty() && total + add > policy_.max_request_size) {
      // The next request starts with this partition: it is not passed over again.
      next_start = i;
      stopped = true;
      break;
    }
    total += add;
    if (topic_new) topics_seen_.push_back(q->topic());
    out.push_back(b);
  }
  cursor_ = stopped ? next_start : (cursor_ + 1) % n;
}

}  // namespace rawkafka::client::detail
