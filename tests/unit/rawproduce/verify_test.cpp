// The verifier tells lost, duplicated, reordered and altered records apart.
#include <doctest/doctest.h>

#include "verify.hpp"

using namespace rawkafka::rawproduce;
using rawkafka::client::ConsumedRecord;
using rawkafka::protocol::Bytes;
using rawkafka::protocol::RecordHeader;

namespace {
struct Feed {
  const PayloadPool& pool;
  Verifier& verifier;
  uint64_t keys = 0;
  void send(int32_t partition, uint64_t seq, bool corrupt_value = false) {
    uint8_t mark[8];
    encode_sequence(seq, mark);
    RecordHeader h{kSequenceHeader, Bytes(mark, 8)};
    auto payload = pool.record(seq);
    std::vector<uint8_t> value(payload.begin(), payload.end());
    if (corrupt_value) value[0] ^= 1;
    char key[24];
    ConsumedRecord r;
    r.partition = partition;
    r.value = Bytes(value);
    if (keys) r.key = Bytes(reinterpret_cast<const uint8_t*>(key), format_key(seq % keys, key));
    r.headers = std::span<const RecordHeader>(&h, 1);
    verifier.on_record(r);
  }
};

SequenceSet sequences(std::initializer_list<uint64_t> list) {
  SequenceSet set;
  for (uint64_t s : list) set.insert(s);
  return set;
}

SequenceSet first(uint64_t n) {
  SequenceSet set;
  for (uint64_t s = 0; s < n; ++s) set.insert(s);
  return set;
}
}  // namespace

TEST_CASE("a clean read back is OK") {
  PayloadPool pool = PayloadPool::json_logs(100);
  Verifier v(pool, 10, 2, 0);
  Feed f{pool, v};
  for (uint64_t s = 0; s < 10; ++s) f.send(int32_t(s % 3), s);
  auto r = v.finish(first(10));
  CHECK(r.ok());
  CHECK(r.complete);
  CHECK(r.expected == 10);
  CHECK(r.consumed == 10);
  CHECK(r.unacknowledged_present == 0);
}

TEST_CASE("missing, duplicated, reordered and altered records are counted apart") {
  PayloadPool pool = PayloadPool::random(20, 100);
  Verifier v(pool, 12, 2, 5);
  Feed f{pool, v, 5};
  f.send(0, 0);
  f.send(0, 2);
  f.send(0, 2);  // duplicate
  f.send(0, 6);
  f.send(0, 4);  // thread 0's 4 after its 6 in partition 0: out of order
  f.send(1, 1);
  f.send(1, 3, true);  // altered payload
  f.send(1, 5);
  // 7..11 never arrive
  auto r = v.finish(first(12));
  CHECK(r.consumed == 8);
  CHECK(r.duplicates == 1);
  CHECK(r.out_of_order == 1);
  CHECK(r.corrupt == 1);
  CHECK(r.lost == 12 - 6);  // unique good ones: 0,2,6,4,1,5
  CHECK_FALSE(r.ok());
}

TEST_CASE("a record without the mark, or from beyond this run, is corrupt") {
  PayloadPool pool = PayloadPool::random(20, 100);
  Verifier v(pool, 4, 1, 0);
  ConsumedRecord r;
  v.on_record(r);
  Feed f{pool, v};
  f.send(0, 99);
  auto s = v.finish(SequenceSet());
  CHECK(s.corrupt == 2);
}

TEST_CASE("lost counts the acknowledged records a complete read did not find, whatever else it found") {
  PayloadPool pool = PayloadPool::random(20, 100);
  Verifier v(pool, 8, 1, 0);
  Feed f{pool, v};
  // 0-3 acknowledged; 4-7 not (failed or never answered). Read back: 0, 1, 4, 5, 6.
  for (uint64_t s : {0, 1, 4, 5, 6}) f.send(0, s);
  auto r = v.finish(sequences({0, 1, 2, 3}));
  CHECK(r.complete);
  CHECK(r.expected == 4);
  CHECK(r.consumed == 5);
  // 2 and 3 are missing, even though as many records as were acknowledged came back.
  CHECK(r.lost == 2);
  CHECK(r.unacknowledged_present == 3);
  CHECK_FALSE(r.ok());
}

TEST_CASE("unacknowledged records in the topic are counted apart and are not errors") {
  PayloadPool pool = PayloadPool::random(20, 100);
  Verifier v(pool, 6, 2, 0);
  Feed f{pool, v};
  for (uint64_t s = 0; s < 6; ++s) f.send(int32_t(s % 2), s);
  // 4 and 5 timed out (possibly persisted), yet the broker had written them.
  auto r = v.finish(sequences({0, 1, 2, 3}));
  CHECK(r.lost == 0);
  CHECK(r.unacknowledged_present == 2);
  CHECK(r.ok());
}

TEST_CASE("a read that could not finish counts nothing as lost and is not OK") {
  PayloadPool pool = PayloadPool::random(20, 100);
  Verifier v(pool, 10, 1, 0);
  Feed f{pool, v};
  f.send(0, 0);
  f.send(0, 0);
  auto r = v.finish_incomplete(10, "could not read topic 't' back: no ApiVersions response within 3000 ms");
  CHECK_FALSE(r.complete);
  CHECK(r.expected == 10);
  CHECK(r.consumed == 2);
  CHECK(r.lost == 0);
  CHECK(r.duplicates == 1);  // what was read is still checked
  CHECK(r.error == "could not read topic 't' back: no ApiVersions response within 3000 ms");
  CHECK_FALSE(r.ok());
}

TEST_CASE("a sequence set grows as needed, merges and counts") {
  SequenceSet a = sequences({0, 63, 64, 1000000});
  CHECK(a.contains(63));
  CHECK(a.contains(1000000));
  CHECK_FALSE(a.contains(1));
  CHECK_FALSE(a.contains(5000000));
  CHECK(a.size() == 4);
  SequenceSet b = sequences({1, 64, 2000000});
  a.merge(b);
  CHECK(a.size() == 6);
  CHECK(a.contains(2000000));
  SequenceSet empty;
  empty.merge(a);
  CHECK(empty.size() == 6);
}

TEST_CASE("format_key writes key-<i>") {
  char buf[24];
  CHECK(std::string(buf, format_key(0, buf)) == "key-0");
  CHECK(std::string(buf, format_key(18446744073709551615ull, buf)) == "key-18446744073709551615");
}
