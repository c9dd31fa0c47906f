#include "broker_sink.hpp"

#include <algorithm>

namespace rawkafka::client::detail {

void BrokerSink::on_closed(Instant now, std::vector<InFlightRequest*>& out) {
  out.insert(out.end(), in_flight_.begin(), in_flight_.end());
  in_flight_.clear();
  state_ = State::down;
  connection_ = 0;
  reauthenticate_at_ = Instant::max();
  reauthentication_wanted_ = false;
  backoff_ = backoff_ == Duration::zero() ? policy_.reconnect_backoff
                                          : std::min(policy_.reconnect_backoff_max, backoff_ * 2);
  reconnect_at_ = now + backoff_;
}

unsigned BrokerSink::slots_used() const {
  unsigned used = 0;
  // A request for which no answer comes frees its slot once written.
  for (const InFlightRequest* r : in_flight_) used += r->expects_response || !r->sent;
  return used;
}

InFlightRequest* BrokerSink::match_response(int32_t correlation_id, std::string& why) {
  for (InFlightRequest* r : in_flight_) {
    if (r->answered || !r->expects_response) continue;
    if (r->correlation_id == correlation_id) return r;
    why = "a response with correlation id " + std::to_string(correlation_id) + " where " +
          std::to_string(r->correlation_id) + " was due";
    return nullptr;
  }
  why = "a response with correlation id " + std::to_string(correlation_id) +
        " when no request awaited one";
  return nullptr;
}

void BrokerSink::remove(InFlightRequest* r) {
  auto it = std::find(in_flight_.begin(), in_flight_.end(), r);
  if (it != in_flight_.end()) in_flight_.erase(it);
}

bool BrokerSink::request_timed_out(Instant now, Duration timeout) const {
  for (const InFlightRequest* r : in_flight_) {
    if (r->answered || !r->expects_response) continue;
    return now - r->sent_at > timeout;
  }
  return false;
}

void BrokerSink::add_partition(PartitionQueue* q) {
  if (std::find(partitions_.begin(), partitions_.end(), q) == partitions_.end()) partitions_.push_back(q);
}

void BrokerSink::remove_partition(PartitionQueue* q) {
  auto it = std::find(partitions_.begin(), partitions_.end(), q);
  if (it == partitions_.end()) return;
  const size_t i = size_t(it - partitions_.begin());
  partitions_.erase(it);
  if (cursor_ > i) --cursor_;
}

}  // namespace rawkafka::client::detail
