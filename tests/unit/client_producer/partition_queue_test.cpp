// PartitionQueue driven by synthetic events: batches closed, responses with each error code
// that matters, lost connections, time passing. No socket, no broker.

#include <doctest/doctest.h>

#include "core_test_support.hpp"
#include "partition_queue.hpp"
#include "rawkafka/protocol/errors.hpp"

using namespace rawkafka::client;
using namespace rawkafka::client::detail;
using namespace rawkafka::client::detail::testing;
using rawkafka::protocol::ErrorCode;

namespace {

QueuePolicy idempotent_policy() {
  QueuePolicy p;
  p.idempotent = true;
  p.retry_backoff = std::chrono::milliseconds(100);
  p.retry_backoff_max = std::chrono::milliseconds(1000);
  return p;
}

QueuePolicy plain_policy() {
  QueuePolicy p = idempotent_policy();
  p.idempotent = false;
  return p;
}

int16_t code(ErrorCode c) { return int16_t(c); }

// Opens, closes and queues a batch of `records`, as the core does when a batch is full.
Batch* queue_batch(PartitionQueue& q, BatchFactory& f, int32_t records, Instant created) {
  Batch* b = f.make(records, created);
  q.set_open(b);
  q.close_open();
  q.enqueue(b);
  return b;
}

// Sends the front batch (ready_to_send must allow it).
Batch* send_front(PartitionQueue& q, Instant now) {
  REQUIRE(q.ready_to_send(now) == Hold::none);
  Batch* b = q.front();
  b->stale = false;
  return q.take_front();
}

struct Fixture {
  BatchFactory f;
  PartitionQueue q{0, 3, idempotent_policy()};
  Fixture() { q.set_leader(1, 5); }
};

}  // namespace

TEST_CASE("closed batches take consecutive sequence numbers when idempotent") {
  Fixture x;
  Batch* a = queue_batch(x.q, x.f, 3, at_ms(0));
  Batch* b = queue_batch(x.q, x.f, 4, at_ms(1));
  CHECK(a->base_sequence == 0);
  CHECK(b->base_sequence == 3);
  CHECK(x.q.next_sequence() == 7);
}

TEST_CASE("without idempotence batches carry no sequence") {
  BatchFactory f;
  PartitionQueue q(0, 0, plain_policy());
  q.set_leader(1, 0);
  CHECK(queue_batch(q, f, 3, at_ms(0))->base_sequence == -1);
}

TEST_CASE("an acknowledged batch moves the broker's expected sequence past it") {
  Fixture x;
  queue_batch(x.q, x.f, 3, at_ms(0));
  Batch* b = send_front(x.q, at_ms(1));
  Decision d = x.q.on_response(b, 0, at_ms(2));
  CHECK(d.verdict == Verdict::completed);
  CHECK(x.q.expected_sequence() == 3);
  CHECK(x.q.confirmed());
  CHECK(x.q.in_flight() == 0);
}

TEST_CASE("until the broker has acknowledged one batch, one batch at a time is in flight") {
  Fixture x;
  queue_batch(x.q, x.f, 1, at_ms(0));
  queue_batch(x.q, x.f, 1, at_ms(1));
  Batch* first = send_front(x.q, at_ms(2));
  CHECK(x.q.ready_to_send(at_ms(2)) == Hold::in_flight);
  x.q.on_response(first, 0, at_ms(3));
  CHECK(x.q.ready_to_send(at_ms(3)) == Hold::none);
}

TEST_CASE("at most five batches of a partition are in flight when idempotent") {
  Fixture x;
  Batch* first = queue_batch(x.q, x.f, 1, at_ms(0));
  send_front(x.q, at_ms(0));
  x.q.on_response(first, 0, at_ms(0));
  for (int i = 0; i < 6; ++i) queue_batch(x.q, x.f, 1, at_ms(1 + i));
  for (int i = 0; i < 5; ++i) send_front(x.q, at_ms(10));
  CHECK(x.q.ready_to_send(at_ms(10)) == Hold::in_flight);
}

TEST_CASE("a partition without a leader holds its batches") {
  BatchFactory f;
  PartitionQueue q(0, 0, plain_policy());
  queue_batch(q, f, 1, at_ms(0));
  CHECK(q.ready_to_send(at_ms(0)) == Hold::leader_unknown);
  q.set_leader(2, 1);
  CHECK(q.ready_to_send(at_ms(0)) == Hold::none);
}

TEST_CASE("a leader from an older leader epoch is ignored") {
  Fixture x;
  CHECK_FALSE(x.q.set_leader(7, 4));
  CHECK(x.q.leader() == 1);
  CHECK(x.q.set_leader(7, 6));
  CHECK(x.q.leader() == 7);
}

TEST_CASE("NOT_LEADER_OR_FOLLOWER retries after retry.backoff.ms and asks for metadata") {
  Fixture x;
  queue_batch(x.q, x.f, 2, at_ms(0));
  Batch* b = send_front(x.q, at_ms(0));
  Decision d = x.q.on_response(b, code(ErrorCode::NOT_LEADER_OR_FOLLOWER), at_ms(10));
  CHECK(d.verdict == Verdict::retry);
  CHECK(d.refresh_metadata);
  CHECK(x.q.front() == b);
  CHECK(x.q.ready_to_send(at_ms(109)) == Hold::backoff);
  CHECK(x.q.ready_to_send(at_ms(110)) == Hold::none);
}

TEST_CASE("retry backoff doubles per attempt up to retry.backoff.max.ms") {
  Fixture x;
  queue_batch(x.q, x.f, 1, at_ms(0));
  Instant now = at_ms(0);
  const int64_t expected[] = {100, 200, 400, 800, 1000, 1000};
  for (int64_t wait : expected) {
    Batch* b = send_front(x.q, now);
    x.q.on_response(b, code(ErrorCode::REQUEST_TIMED_OUT), now);
    CHECK(x.q.retry_at() - now == std::chrono::milliseconds(wait));
    now = x.q.retry_at();
  }
}

TEST_CASE("a retried batch goes back before the batches created after it") {
  BatchFactory f;
  PartitionQueue q(0, 0, plain_policy());
  q.set_leader(1, 0);
  Batch* a = queue_batch(q, f, 1, at_ms(0));
  Batch* b = queue_batch(q, f, 1, at_ms(1));
  send_front(q, at_ms(2));
  q.on_response(a, code(ErrorCode::NOT_LEADER_OR_FOLLOWER), at_ms(3));
  CHECK(q.front() == a);
  CHECK(a->next == b);
}

TEST_CASE("retries exhausted fails the batch as not persisted, with the broker's code") {
  BatchFactory f;
  QueuePolicy p = plain_policy();
  p.retries = 1;
  PartitionQueue q(0, 0, p);
  q.set_leader(1, 0);
  queue_batch(q, f, 1, at_ms(0));
  Batch* b = send_front(q, at_ms(0));
  CHECK(q.on_response(b, code(ErrorCode::NOT_ENOUGH_REPLICAS), at_ms(1)).verdict == Verdict::retry);
  b = send_front(q, at_ms(200));
  Decision d = q.on_response(b, code(ErrorCode::NOT_ENOUGH_REPLICAS), at_ms(201));
  CHECK(d.verdict == Verdict::failed);
  CHECK(d.failure.local == LocalError::retries_exhausted);
  CHECK(d.failure.error_code == code(ErrorCode::NOT_ENOUGH_REPLICAS));
  CHECK(d.failure.status == DeliveryStatus::not_persisted);
}

TEST_CASE("a retriable error after delivery.timeout.ms fails the batch as timed out") {
  Fixture x;
  queue_batch(x.q, x.f, 1, at_ms(0));
  Batch* b = send_front(x.q, at_ms(0));
  Decision d = x.q.on_response(b, code(ErrorCode::NOT_LEADER_OR_FOLLOWER), at_ms(120000));
  CHECK(d.verdict == Verdict::failed);
  CHECK(d.failure.local == LocalError::timed_out);
}

TEST_CASE("a batch whose connection was lost is retried first, and possibly persisted if it fails") {
  BatchFactory f;
  QueuePolicy p = plain_policy();
  p.retries = 1;
  PartitionQueue q(0, 0, p);
  q.set_leader(1, 0);
  queue_batch(q, f, 1, at_ms(0));
  Batch* b = send_front(q, at_ms(0));
  Decision lost = q.on_no_answer(b, at_ms(5));
  CHECK(lost.verdict == Verdict::retry);
  CHECK(lost.refresh_metadata);
  CHECK(b->maybe_written);
  b = send_front(q, at_ms(200));
  Decision d = q.on_response(b, code(ErrorCode::NOT_LEADER_OR_FOLLOWER), at_ms(201));
  CHECK(d.verdict == Verdict::failed);
  CHECK(d.failure.status == DeliveryStatus::possibly_persisted);
}

TEST_CASE("a non-retriable broker error fails the batch at once as not persisted") {
  Fixture x;
  queue_batch(x.q, x.f, 1, at_ms(0));
  Batch* b = send_front(x.q, at_ms(0));
  Decision d = x.q.on_response(b, code(ErrorCode::MESSAGE_TOO_LARGE), at_ms(1));
  CHECK(d.verdict == Verdict::failed);
  CHECK(d.failure.error_code == code(ErrorCode::MESSAGE_TOO_LARGE));
  CHECK(d.failure.local == LocalError::none);
  CHECK(d.failure.status == DeliveryStatus::not_persisted);
}

TEST_CASE("DUPLICATE_SEQUENCE_NUMBER means the broker already has the batch") {
  Fixture x;
  queue_batch(x.q, x.f, 2, at_ms(0));
  Batch* b = send_front(x.q, at_ms(0));
  CHECK(x.q.on_response(b, code(ErrorCode::DUPLICATE_SEQUENCE_NUMBER), at_ms(1)).verdict == Verdict::completed);
  CHECK(x.q.expected_sequence() == 2);
}

TEST_CASE("after a batch fails for good the batches behind it are renumbered from the broker's expectation") {
  Fixture x;
  Batch* a = queue_batch(x.q, x.f, 2, at_ms(0));
  send_front(x.q, at_ms(0));
  x.q.on_response(a, 0, at_ms(1));  // expected 2
  Batch* b = queue_batch(x.q, x.f, 3, at_ms(2));  // 2..4
  Batch* c = queue_batch(x.q, x.f, 1, at_ms(3));  // 5
  send_front(x.q, at_ms(4));
  CHECK(x.q.on_response(b, code(ErrorCode::INVALID_RECORD), at_ms(5)).verdict == Verdict::failed);
  CHECK(x.q.ready_to_send(at_ms(6)) == Hold::none);
  CHECK(c->base_sequence == 2);
  CHECK(c->stale);
  CHECK(x.q.next_sequence() == 3);
}

TEST_CASE("OUT_OF_ORDER_SEQUENCE_NUMBER behind an unresolved batch is retried renumbered, no epoch bump") {
  Fixture x;
  Batch* a = queue_batch(x.q, x.f, 1, at_ms(0));
  send_front(x.q, at_ms(0));
  x.q.on_response(a, 0, at_ms(1));  // confirmed, expected 1
  Batch* b = queue_batch(x.q, x.f, 1, at_ms(2));  // 1
  Batch* c = queue_batch(x.q, x.f, 1, at_ms(3));  // 2
  send_front(x.q, at_ms(4));
  send_front(x.q, at_ms(4));
  CHECK(x.q.on_response(b, code(ErrorCode::NOT_LEADER_OR_FOLLOWER), at_ms(5)).verdict == Verdict::retry);
  Decision d = x.q.on_response(c, code(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER), at_ms(6));
  CHECK(d.verdict == Verdict::retry);
  CHECK_FALSE(d.bump_epoch);
  CHECK(x.q.front() == b);
  CHECK(b->next == c);
}

TEST_CASE("OUT_OF_ORDER_SEQUENCE_NUMBER for the batch the broker should take next bumps the epoch (KIP-360)") {
  Fixture x;
  Batch* a = queue_batch(x.q, x.f, 1, at_ms(0));
  send_front(x.q, at_ms(0));
  x.q.on_response(a, 0, at_ms(1));
  Batch* b = queue_batch(x.q, x.f, 1, at_ms(2));
  send_front(x.q, at_ms(3));
  Decision d = x.q.on_response(b, code(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER), at_ms(4));
  CHECK(d.verdict == Verdict::retry);
  CHECK(d.bump_epoch);
  CHECK_FALSE(d.fatal);
}

TEST_CASE("UNKNOWN_PRODUCER_ID for the next batch is retried under a new epoch") {
  Fixture x;
  queue_batch(x.q, x.f, 1, at_ms(0));
  Batch* b = send_front(x.q, at_ms(0));
  Decision d = x.q.on_response(b, code(ErrorCode::UNKNOWN_PRODUCER_ID), at_ms(1));
  CHECK(d.verdict == Verdict::retry);
  CHECK(d.bump_epoch);
}

TEST_CASE("UNKNOWN_PRODUCER_ID for a later batch fails it and bumps the epoch") {
  Fixture x;
  Batch* a = queue_batch(x.q, x.f, 1, at_ms(0));
  send_front(x.q, at_ms(0));
  x.q.on_response(a, 0, at_ms(1));
  Batch* b = queue_batch(x.q, x.f, 1, at_ms(2));
  Batch* c = queue_batch(x.q, x.f, 1, at_ms(3));
  send_front(x.q, at_ms(4));
  send_front(x.q, at_ms(4));
  x.q.on_response(b, code(ErrorCode::NOT_LEADER_OR_FOLLOWER), at_ms(5));
  Decision d = x.q.on_response(c, code(ErrorCode::UNKNOWN_PRODUCER_ID), at_ms(6));
  CHECK(d.verdict == Verdict::failed);
  CHECK(d.bump_epoch);
}

TEST_CASE("a fenced producer epoch is fatal for an idempotent producer") {
  Fixture x;
  queue_batch(x.q, x.f, 1, at_ms(0));
  Batch* b = send_front(x.q, at_ms(0));
  Decision d = x.q.on_response(b, code(ErrorCode::INVALID_PRODUCER_EPOCH), at_ms(1));
  CHECK(d.verdict == Verdict::failed);
  CHECK(d.fatal);
  CHECK(d.failure.local == LocalError::fatal_idempotence);
}

TEST_CASE("after an epoch bump every queued batch is renumbered from 0 and finished again") {
  Fixture x;
  Batch* a = queue_batch(x.q, x.f, 2, at_ms(0));
  send_front(x.q, at_ms(0));
  x.q.on_response(a, 0, at_ms(1));
  Batch* b = queue_batch(x.q, x.f, 3, at_ms(2));
  Batch* c = queue_batch(x.q, x.f, 1, at_ms(3));
  x.q.reset_sequences();
  CHECK(b->base_sequence == 0);
  CHECK(c->base_sequence == 3);
  CHECK((b->stale && c->stale));
  CHECK(x.q.expected_sequence() == 0);
  CHECK_FALSE(x.q.confirmed());
  CHECK(x.q.next_sequence() == 4);
}

TEST_CASE("queued batches past delivery.timeout.ms are taken out, oldest first") {
  BatchFactory f;
  PartitionQueue q(0, 0, plain_policy());
  Batch* a = f.make(1, at_ms(0), 100, std::chrono::milliseconds(1000));
  Batch* b = f.make(1, at_ms(500), 100, std::chrono::milliseconds(1000));
  for (Batch* x : {a, b}) {
    q.set_open(x);
    q.close_open();
    q.enqueue(x);
  }
  std::vector<Batch*> out;
  q.take_expired(at_ms(999), out);
  CHECK(out.empty());
  q.take_expired(at_ms(1200), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == a);
  CHECK(q.front() == b);
  CHECK(q.failure_for(*a, 0, LocalError::timed_out).status == DeliveryStatus::not_persisted);
}
