// The producer's decisions without sockets: buffer reuse and budget, sequence numbers, when a
// batch is ready, how records travel through rings.

#include <doctest/doctest.h>

#include <vector>

#include "batch_policy.hpp"
#include "buffer_pool.hpp"
#include "record_entry.hpp"

using namespace rawkafka::client::detail;
using rawkafka::protocol::Bytes;
using rawkafka::protocol::RecordHeader;

// ---- buffer pool -------------------------------------------------------------------------

TEST_CASE("released standard buffers are reused, not reallocated") {
  BufferPool pool(16384, 1 << 20);
  PooledBuffer* a = pool.acquire(100);
  REQUIRE(a);
  CHECK(a->capacity == 16384);
  uint8_t* storage = a->data();
  pool.release(a);
  for (int i = 0; i < 1000; ++i) {
    PooledBuffer* b = pool.acquire(16384);
    REQUIRE(b);
    CHECK(b->data() == storage);
    pool.release(b);
  }
  CHECK(pool.allocations() == 1);
  CHECK(pool.in_use() == 0);
}

TEST_CASE("the pool refuses past its budget and grants again once memory is released") {
  BufferPool pool(1000, 3000);
  PooledBuffer* a = pool.acquire(10);
  PooledBuffer* b = pool.acquire(10);
  PooledBuffer* c = pool.acquire(10);
  REQUIRE((a && b && c));
  CHECK(pool.in_use() == 3000);
  CHECK_FALSE(pool.would_fit(1));
  CHECK(pool.acquire(10) == nullptr);
  pool.release(b);
  CHECK(pool.would_fit(1));
  PooledBuffer* d = pool.acquire(10);
  CHECK(d != nullptr);
  pool.release(a);
  pool.release(c);
  pool.release(d);
  CHECK(pool.free_count() == 3);
  CHECK(pool.allocations() == 3);
}

TEST_CASE("an oversized buffer is freed on release and a huge one is granted only alone") {
  BufferPool pool(1000, 4000);
  PooledBuffer* big = pool.acquire(2500);
  REQUIRE(big);
  CHECK(big->capacity == 2500);
  pool.release(big);
  CHECK(pool.free_count() == 0);  // not kept: only standard sizes are pooled
  PooledBuffer* small = pool.acquire(1);
  CHECK(pool.acquire(10000) == nullptr);  // over budget with something in use
  pool.release(small);
  PooledBuffer* huge = pool.acquire(10000);  // alone: allowed, so one big record can pass
  REQUIRE(huge);
  CHECK(pool.acquire(1) == nullptr);
  pool.release(huge);
  CHECK(pool.in_use() == 0);
}

// ---- sequence numbers ----------------------------------------------------------------------

TEST_CASE("sequence numbers advance by the record count of each batch, from 0") {
  SequenceCounter seq;
  CHECK(seq.assign(10) == 0);
  CHECK(seq.assign(1) == 10);
  CHECK(seq.assign(500) == 11);
  CHECK(seq.next() == 511);
}

TEST_CASE("sequence numbers wrap to 0 after INT32_MAX, as Kafka's incrementSequence") {
  CHECK(increment_sequence(INT32_MAX, 1) == 0);
  CHECK(increment_sequence(INT32_MAX - 1, 3) == 1);
  CHECK(increment_sequence(5, 3) == 8);
  SequenceCounter seq;
  seq.assign(INT32_MAX);
  CHECK(seq.next() == INT32_MAX);
  CHECK(seq.assign(2) == INT32_MAX);
  CHECK(seq.next() == 1);
}

// ---- readiness -----------------------------------------------------------------------------

TEST_CASE("a batch is not ready while it has room and linger.ms has not passed") {
  ReadinessInput in{.batch_bytes = 200, .batch_capacity = 16384, .next_record_hint = 100,
                    .created_ns = 1'000'000, .now_ns = 5'000'000, .linger_ns = 5'000'000};
  CHECK_FALSE(batch_ready(in));
}

TEST_CASE("a batch is ready once linger.ms has passed since it opened") {
  ReadinessInput in{.batch_bytes = 200, .batch_capacity = 16384, .created_ns = 1'000'000,
                    .now_ns = 6'000'000, .linger_ns = 5'000'000};
  CHECK(batch_ready(in));
}

TEST_CASE("a batch is ready when full, or when the next record would not fit") {
  ReadinessInput in{.batch_bytes = 16384, .batch_capacity = 16384, .created_ns = 0, .now_ns = 0,
                    .linger_ns = 5'000'000};
  CHECK(batch_ready(in));
  in.batch_bytes = 16300;
  in.next_record_hint = 125;
  CHECK(batch_ready(in));
  in.next_record_hint = 50;
  CHECK_FALSE(batch_ready(in));
}

TEST_CASE("flush makes every open batch ready at once") {
  ReadinessInput in{.batch_bytes = 70, .batch_capacity = 16384, .created_ns = 0, .now_ns = 0,
                    .linger_ns = 1'000'000'000, .flushing = true};
  CHECK(batch_ready(in));
}

TEST_CASE("linger.ms=0 sends at the next look") {
  ReadinessInput in{.batch_bytes = 70, .batch_capacity = 16384, .created_ns = 10, .now_ns = 10,
                    .linger_ns = 0};
  CHECK(batch_ready(in));
}

// ---- ring entries --------------------------------------------------------------------------

TEST_CASE("a record entry keeps key, value, null markers and headers") {
  std::string key = "k1", value = "value", hk = "trace", hv = "abc";
  RecordHeader headers[2];
  headers[0].key = hk;
  headers[0].value = Bytes{reinterpret_cast<const uint8_t*>(hv.data()), hv.size()};
  headers[1].key = "nullh";
  std::optional<Bytes> k = Bytes{reinterpret_cast<const uint8_t*>(key.data()), key.size()};
  std::optional<Bytes> v;  // null value (tombstone)
  RecordEntryHeader h;
  h.topic_index = 3;
  h.partition = 7;
  h.key_size = 2;
  h.value_size = -1;
  h.header_count = 2;
  h.headers_size = uint32_t(encoded_headers_size(headers));
  h.timestamp_ms = 1234;
  h.user_token = 99;
  std::vector<uint8_t> buf(record_entry_size(k, v, h.headers_size));
  write_record_entry(buf.data(), h, k, v, headers);
  RecordEntryView view = read_record_entry(buf);
  CHECK(view.header.topic_index == 3);
  CHECK(view.header.partition == 7);
  CHECK(view.header.user_token == 99);
  REQUIRE(view.key);
  CHECK(std::string(reinterpret_cast<const char*>(view.key->data()), view.key->size()) == "k1");
  CHECK_FALSE(view.value);
  std::vector<RecordHeader> back(2);
  decode_entry_headers(view.headers_raw, back);
  CHECK(back[0].key == "trace");
  REQUIRE(back[0].value);
  CHECK(back[0].value->size() == 3);
  CHECK(back[1].key == "nullh");
  CHECK_FALSE(back[1].value);
}
