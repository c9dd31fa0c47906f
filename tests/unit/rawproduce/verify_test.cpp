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
}  // namespace

TEST_CASE("a clean read back is OK") {
  PayloadPool pool = PayloadPool::json_logs(100);
  Verifier v(pool, 10, 2, 0);
  Feed f{pool, v};
  for (uint64_t s = 0; s < 10; ++s) f.send(int32_t(s % 3), s);
  auto r = v.finish(10);
  CHECK(r.ok());
  CHECK(r.consumed == 10);
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
  auto r = v.finish(12);
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
  auto s = v.finish(0);
  CHECK(s.corrupt == 2);
}

TEST_CASE("format_key writes key-<i>") {
  char buf[24];
  CHECK(std::string(buf, format_key(0, buf)) == "key-0");
  CHECK(std::string(buf, format_key(18446744073709551615ull, buf)) == "key-18446744073709551615");
}
