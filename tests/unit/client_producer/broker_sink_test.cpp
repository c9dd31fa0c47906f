// BrokerSink driven by synthetic events: fair drains over the partitions a broker leads,
// in-flight limits, correlation ids, connection loss. No socket, no broker.

#include <doctest/doctest.h>

#include <map>

#include "broker_sink.hpp"
#include "core_test_support.hpp"

using namespace rawkafka::client::detail;
using namespace rawkafka::client::detail::testing;

namespace {

SinkPolicy policy() {
  SinkPolicy p;
  p.max_request_size = 1048576;
  p.request_overhead = 64;
  p.partition_overhead = 16;
  p.max_in_flight = 5;
  return p;
}

size_t no_topic_overhead(uint32_t) { return 0; }

QueuePolicy plain() {
  QueuePolicy p;
  p.idempotent = false;
  return p;
}

struct Cluster {
  BatchFactory f;
  std::vector<std::unique_ptr<PartitionQueue>> queues;
  BrokerSink sink{1, policy()};

  explicit Cluster(int partitions) {
    sink.on_connecting(7);
    sink.on_connected();
    for (int p = 0; p < partitions; ++p) {
      queues.push_back(std::make_unique<PartitionQueue>(0, p, plain()));
      queues.back()->set_leader(1, 0);
      sink.add_partition(queues.back().get());
    }
  }
  void add(int partition, size_t wire_bytes, int64_t created_ms) {
    Batch* b = f.make(1, at_ms(created_ms), wire_bytes);
    queues[size_t(partition)]->set_open(b);
    queues[size_t(partition)]->close_open();
    queues[size_t(partition)]->enqueue(b);
  }
  // Drains once and takes what the request carries; returns the partitions served.
  std::vector<int32_t> drain_once() {
    std::vector<Batch*> out;
    sink.drain(at_ms(1000), out, no_topic_overhead);
    std::vector<int32_t> served;
    for (Batch* b : out) {
      served.push_back(b->queue->partition());
      b->queue->take_front();
      b->queue->on_response(b, 0, at_ms(1000));  // answered at once: slots stay free
    }
    return served;
  }
};

}  // namespace

TEST_CASE("one request carries the ready batches of many partitions up to max.request.size") {
  Cluster c(4);
  for (int p = 0; p < 4; ++p) c.add(p, 200000, p);
  std::vector<int32_t> served = c.drain_once();
  CHECK(served.size() == 4);
}

TEST_CASE("a drain stops at max.request.size and the next one starts with the partition left over") {
  Cluster c(3);
  for (int round = 0; round < 4; ++round) {
    for (int p = 0; p < 3; ++p) c.add(p, 600000, round * 10 + p);
  }
  // Two 600 kB batches never fit in 1 MiB: one per request, partitions in turn.
  std::vector<int32_t> order;
  for (int i = 0; i < 9; ++i) {
    std::vector<int32_t> s = c.drain_once();
    REQUIRE(s.size() == 1);
    order.push_back(s[0]);
  }
  CHECK(order == std::vector<int32_t>{0, 1, 2, 0, 1, 2, 0, 1, 2});
}

TEST_CASE("with every partition always ready, none waits more than one round behind another") {
  const int n = 8;
  Cluster c(n);
  for (int round = 0; round < 40; ++round) {
    for (int p = 0; p < n; ++p) c.add(p, 524288 + 100, round * n + p);
  }
  std::map<int32_t, int> last_served;
  int max_gap = 0;
  for (int i = 0; i < 200; ++i) {
    for (int32_t p : c.drain_once()) {
      if (last_served.count(p)) max_gap = std::max(max_gap, i - last_served[p]);
      last_served[p] = i;
    }
  }
  CHECK(last_served.size() == size_t(n));
  CHECK(max_gap <= n);
}

TEST_CASE("a batch larger than max.request.size goes alone") {
  Cluster c(2);
  c.add(0, 2000000, 0);
  c.add(1, 100, 1);
  CHECK(c.drain_once() == std::vector<int32_t>{0});
  CHECK(c.drain_once() == std::vector<int32_t>{1});
}

TEST_CASE("each topic's name is counted once per request") {
  Cluster c(3);
  for (int p = 0; p < 3; ++p) c.add(p, 300000, p);
  std::vector<Batch*> out;
  size_t overhead_calls = 0;
  c.sink.drain(at_ms(1000), out, [&](uint32_t) { ++overhead_calls; return size_t(100); });
  CHECK(out.size() == 3);
  CHECK(overhead_calls == 1);
}

TEST_CASE("no drain while max.in.flight.requests.per.connection requests await answers") {
  BrokerSink s(1, policy());
  s.on_connecting(3);
  s.on_connected();
  std::vector<InFlightRequest> reqs(5);
  for (auto& r : reqs) {
    r.correlation_id = s.next_correlation_id();
    s.add_in_flight(&r);
  }
  CHECK_FALSE(s.has_room());
  s.remove(&reqs[0]);
  CHECK(s.has_room());
}

TEST_CASE("with acks=0 a request frees its slot once written") {
  BrokerSink s(1, policy());
  s.on_connecting(3);
  s.on_connected();
  std::vector<InFlightRequest> reqs(5);
  for (auto& r : reqs) {
    r.expects_response = false;
    s.add_in_flight(&r);
  }
  CHECK_FALSE(s.has_room());
  reqs[0].sent = true;
  CHECK(s.has_room());
}

TEST_CASE("a response answers the oldest request awaiting one; another correlation id is an error") {
  BrokerSink s(1, policy());
  InFlightRequest a, b;
  a.correlation_id = s.next_correlation_id();
  b.correlation_id = s.next_correlation_id();
  s.add_in_flight(&a);
  s.add_in_flight(&b);
  std::string why;
  CHECK(s.match_response(a.correlation_id, why) == &a);
  a.answered = true;
  CHECK(s.match_response(a.correlation_id, why) == nullptr);
  CHECK(why.find("where 2 was due") != std::string::npos);
  CHECK(s.match_response(b.correlation_id, why) == &b);
}

TEST_CASE("losing the connection hands back every request in flight, oldest first, and backs off") {
  BrokerSink s(1, policy());
  s.on_connecting(3);
  s.on_connected();
  InFlightRequest a, b;
  s.add_in_flight(&a);
  s.add_in_flight(&b);
  std::vector<InFlightRequest*> out;
  s.on_closed(at_ms(100), out);
  CHECK(out == std::vector<InFlightRequest*>{&a, &b});
  CHECK(s.state() == BrokerSink::State::down);
  CHECK(s.in_flight().empty());
  CHECK_FALSE(s.may_connect(at_ms(149)));
  CHECK(s.may_connect(at_ms(150)));
  // Failing again doubles the wait, up to reconnect.backoff.max.ms; connecting resets it.
  s.on_connecting(4);
  s.on_closed(at_ms(150), out);
  CHECK(s.reconnect_at() == at_ms(250));
  s.on_connecting(5);
  s.on_connected();
  s.on_closed(at_ms(1000), out);
  CHECK(s.reconnect_at() == at_ms(1050));
}

TEST_CASE("a request unanswered past request.timeout.ms is noticed") {
  BrokerSink s(1, policy());
  InFlightRequest a;
  a.sent_at = at_ms(0);
  s.add_in_flight(&a);
  CHECK_FALSE(s.request_timed_out(at_ms(30000), std::chrono::milliseconds(30000)));
  CHECK(s.request_timed_out(at_ms(30001), std::chrono::milliseconds(30000)));
}

TEST_CASE("a partition that moves to another leader leaves the drain rotation") {
  Cluster c(3);
  for (int p = 0; p < 3; ++p) c.add(p, 600000, p);
  c.drain_once();  // serves 0; the next drain starts at 1
  c.sink.remove_partition(c.queues[0].get());
  CHECK(c.sink.partitions().size() == 2);
  CHECK(c.drain_once() == std::vector<int32_t>{1});
  CHECK(c.drain_once() == std::vector<int32_t>{2});
}
