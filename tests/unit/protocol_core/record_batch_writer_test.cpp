#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "batch_test_support.hpp"
#include "rawkafka/protocol/record_batch.hpp"

using namespace rawkafka::protocol;
using namespace rawkafka::protocol::test;

static_assert(kRecordBatchHeaderSize == 61);
static_assert(kBatchLengthOffset == 8 && kMagicOffset == 16 && kCrcOffset == 17 && kAttributesOffset == 21);
static_assert(kRecordCountOffset == 57);

TEST_CASE("a one-record batch has the bytes the protocol guide gives") {
  // Derived by hand from the spec: key "k", value "hello", timestamp 1700000000000 (the base),
  // no headers, not idempotent. The CRC was computed by a bitwise CRC-32C outside this code.
  const std::vector<uint8_t> expected{
      0, 0, 0, 0, 0, 0, 0, 0,                          // baseOffset 0
      0, 0, 0, 0x3e,                                   // batchLength 62 = 74 - 12
      0xff, 0xff, 0xff, 0xff,                          // partitionLeaderEpoch -1
      2,                                               // magic
      0x36, 0xff, 0x4d, 0xc3,                          // crc
      0, 0,                                            // attributes
      0, 0, 0, 0,                                      // lastOffsetDelta 0
      0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,        // baseTimestamp 1700000000000
      0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,        // maxTimestamp
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // producerId -1
      0xff, 0xff,                                      // producerEpoch -1
      0xff, 0xff, 0xff, 0xff,                          // baseSequence -1
      0, 0, 0, 1,                                      // recordCount 1
      0x18,                                            // record length 12 (zigzag 24)
      0,                                               // attributes
      0,                                               // timestampDelta 0
      0,                                               // offsetDelta 0
      0x02, 'k',                                       // key length 1, "k"
      0x0a, 'h', 'e', 'l', 'l', 'o',                   // value length 5, "hello"
      0,                                               // header count 0
  };
  std::vector<uint8_t> buffer(256);
  RecordBatchWriter w;
  REQUIRE(w.reset(buffer, 1700000000000));
  CHECK(w.record_wire_size(1700000000000, as_bytes("k"), as_bytes("hello")) == 13);
  REQUIRE(w.append(1700000000000, as_bytes("k"), as_bytes("hello")));
  CHECK(w.size() == expected.size());
  FinishResult r = w.finish();
  REQUIRE(r.ok());
  CHECK(std::vector<uint8_t>(r.batch.begin(), r.batch.end()) == expected);
}

namespace {

struct TestRecord {
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::string random_string(std::mt19937_64& rng, size_t max_len) {
  std::string s(size_t(rng() % (max_len + 1)), '\0');
  for (char& c : s) c = char(rng());
  return s;
}

TestRecord random_record(std::mt19937_64& rng, int64_t base) {
  TestRecord r;
  static const int64_t deltas[] = {0, 1, -1, 63, 64, -65, 8191, 8192, int64_t(1) << 35, -(int64_t(1) << 40)};
  r.timestamp = base + deltas[rng() % std::size(deltas)] + int64_t(rng() % 3);
  if (rng() % 4) r.key = random_string(rng, rng() % 2 ? 16 : 300);
  if (rng() % 8) r.value = random_string(rng, rng() % 3 ? 100 : 20000);
  for (size_t h = rng() % 4; h > 0; --h) {
    std::optional<std::string> v;
    if (rng() % 3) v = random_string(rng, 70);
    r.headers.emplace_back(random_string(rng, 12), v);
  }
  return r;
}

std::optional<Bytes> opt_bytes(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return as_bytes(*s);
}

// Calls append (the header-less fast path when there are none), returns its result.
bool append(RecordBatchWriter& w, const TestRecord& r, std::vector<RecordHeader>& scratch) {
  if (r.headers.empty()) return w.append(r.timestamp, opt_bytes(r.key), opt_bytes(r.value));
  scratch.clear();
  for (auto& [k, v] : r.headers) scratch.push_back({k, opt_bytes(v)});
  return w.append(r.timestamp, opt_bytes(r.key), opt_bytes(r.value), scratch);
}

size_t wire_size(const RecordBatchWriter& w, const TestRecord& r, std::vector<RecordHeader>& scratch) {
  scratch.clear();
  for (auto& [k, v] : r.headers) scratch.push_back({k, opt_bytes(v)});
  return w.record_wire_size(r.timestamp, opt_bytes(r.key), opt_bytes(r.value), scratch);
}

}  // namespace

TEST_CASE("record_wire_size is exactly what append adds, for all record shapes") {
  std::mt19937_64 rng(1234);
  std::vector<uint8_t> buffer(4 << 20);
  std::vector<RecordHeader> scratch;
  for (int round = 0; round < 20; ++round) {
    RecordBatchWriter w;
    const int64_t base = 1700000000000 + round;
    REQUIRE(w.reset(buffer, base));
    CHECK(w.size() == kRecordBatchHeaderSize);
    size_t expected = kRecordBatchHeaderSize;
    for (int i = 0; i < 200; ++i) {
      TestRecord r = random_record(rng, base);
      const size_t predicted = wire_size(w, r, scratch);
      REQUIRE(append(w, r, scratch));
      expected += predicted;
      REQUIRE(w.size() == expected);
    }
    FinishResult f = w.finish();
    REQUIRE(f.ok());
    CHECK(f.batch.size() == expected);
    CHECK(f.batch.data() == buffer.data());
  }
}

TEST_CASE("record sizes cross varint boundaries correctly (length 63/64, offsetDelta 63/64)") {
  std::vector<uint8_t> buffer(1 << 20);
  RecordBatchWriter w;
  REQUIRE(w.reset(buffer, 0));
  std::string value;
  // Body is 6 + value bytes (+1 length byte) for a null key at offsetDelta 0..63, so values of
  // 56..60 take the record length from 62 to 66, past zigzag's one-byte limit of 63.
  for (size_t len = 50; len < 70; ++len) {
    value.assign(len, 'x');
    const size_t before = w.size();
    const size_t predicted = w.record_wire_size(0, std::nullopt, as_bytes(value));
    REQUIRE(w.append(0, std::nullopt, as_bytes(value)));
    CHECK(w.size() - before == predicted);
  }
  for (int i = 0; i < 200; ++i) {  // offsetDelta past 63 takes two varint bytes
    const size_t before = w.size();
    const size_t predicted = w.record_wire_size(5, as_bytes("k"), as_bytes("v"));
    REQUIRE(w.append(5, as_bytes("k"), as_bytes("v")));
    CHECK(w.size() - before == predicted);
  }
  CHECK(w.finish().ok());
}

namespace {

// The protocol guide's record encoding, written out plainly (a reference, not our writer).
void put_varlong(std::vector<uint8_t>& out, int64_t v) {
  uint64_t z = (uint64_t(v) << 1) ^ uint64_t(v >> 63);
  while (z >= 0x80) {
    out.push_back(uint8_t(z | 0x80));
    z >>= 7;
  }
  out.push_back(uint8_t(z));
}

void put_reference_record(std::vector<uint8_t>& out, int64_t ts_delta, int32_t offset_delta,
                          const std::optional<std::string>& key, const std::optional<std::string>& value) {
  std::vector<uint8_t> body;
  body.push_back(0);
  put_varlong(body, ts_delta);
  put_varlong(body, offset_delta);
  for (const auto* f : {&key, &value}) {
    if (!*f) {
      put_varlong(body, -1);
      continue;
    }
    put_varlong(body, int64_t((*f)->size()));
    body.insert(body.end(), (*f)->begin(), (*f)->end());
  }
  put_varlong(body, 0);  // no headers
  put_varlong(out, int64_t(body.size()));
  out.insert(out.end(), body.begin(), body.end());
}

}  // namespace

TEST_CASE("records whose length varint takes 1, 2 or 3 bytes, in any order, match the reference encoding") {
  // Bodies under 64 bytes take a one-byte length, under 8192 two, then three: the writer places a
  // body where the last record's length left it and moves it when the guess is wrong.
  const std::vector<size_t> sizes{100, 0, 100, 10, 10, 57, 58, 8180, 8186, 8187, 8200, 100000, 3, 100, 100000, 5};
  std::vector<uint8_t> buffer(1 << 20);
  RecordBatchWriter w;
  REQUIRE(w.reset(buffer, 1000));
  std::vector<uint8_t> expected;
  std::mt19937 rng(7);
  for (size_t i = 0; i < sizes.size() * 3; ++i) {
    const size_t n = sizes[i % sizes.size()];
    std::optional<std::string> key;
    if (i % 3 == 1) key = std::string(i % 7, char('a' + i % 26));
    std::optional<std::string> value;
    if (n > 0 || i % 2 == 0) {
      value = std::string(n, 'x');
      for (char& c : *value) c = char('A' + rng() % 26);
    }
    const int64_t ts = 1000 + int64_t(i) * 37;
    const size_t before = w.size();
    const size_t predicted = w.record_wire_size(ts, key ? std::optional<Bytes>(as_bytes(*key)) : std::nullopt,
                                                value ? std::optional<Bytes>(as_bytes(*value)) : std::nullopt);
    REQUIRE(w.append(ts, key ? std::optional<Bytes>(as_bytes(*key)) : std::nullopt,
                     value ? std::optional<Bytes>(as_bytes(*value)) : std::nullopt));
    CHECK(w.size() - before == predicted);
    put_reference_record(expected, ts - 1000, int32_t(i), key, value);
  }
  const Bytes records = w.records();
  REQUIRE(records.size() == expected.size());
  CHECK(std::equal(records.begin(), records.end(), expected.begin()));
}

TEST_CASE("append refuses a record that does not fit and leaves the buffer untouched") {
  for (bool with_headers : {false, true}) {
    CAPTURE(with_headers);
    std::vector<RecordHeader> headers;
    if (with_headers) headers.push_back({"h", as_bytes("hv")});
    RecordBatchWriter probe;
    std::vector<uint8_t> big(1024);
    REQUIRE(probe.reset(big, 10));
    const size_t one = probe.record_wire_size(10, as_bytes("key"), as_bytes("value"), headers);
    REQUIRE(probe.append(10, as_bytes("key"), as_bytes("value"), headers));
    const size_t two = probe.record_wire_size(11, as_bytes("key"), as_bytes("value"), headers);

    // Exactly header + one + two bytes: both fit, the buffer is then exactly full.
    std::vector<uint8_t> exact(kRecordBatchHeaderSize + one + two);
    RecordBatchWriter w;
    REQUIRE(w.reset(exact, 10));
    REQUIRE(w.append(10, as_bytes("key"), as_bytes("value"), headers));
    REQUIRE(w.append(11, as_bytes("key"), as_bytes("value"), headers));
    CHECK(w.remaining() == 0);
    CHECK_FALSE(w.append(12, std::nullopt, std::nullopt));

    // One byte short: the second record is refused and nothing changes.
    std::vector<uint8_t> short_buf(kRecordBatchHeaderSize + one + two - 1, 0xAB);
    REQUIRE(w.reset(short_buf, 10));
    REQUIRE(w.append(10, as_bytes("key"), as_bytes("value"), headers));
    const std::vector<uint8_t> snapshot = short_buf;
    CHECK_FALSE(w.append(11, as_bytes("key"), as_bytes("value"), headers));
    CHECK(short_buf == snapshot);
    CHECK(w.record_count() == 1);
    CHECK(w.size() == kRecordBatchHeaderSize + one);
    CHECK(w.max_timestamp() == 10);
  }
}

TEST_CASE("a buffer smaller than the header and an empty batch cannot be finished") {
  std::vector<uint8_t> tiny(kRecordBatchHeaderSize - 1);
  RecordBatchWriter w;
  CHECK_FALSE(w.reset(tiny, 0));
  CHECK_FALSE(w.append(0, std::nullopt, std::nullopt));
  CHECK_FALSE(w.finish().ok());
  std::vector<uint8_t> buffer(128);
  REQUIRE(w.reset(buffer, 0));
  CHECK(w.empty());
  FinishResult r = w.finish();
  CHECK_FALSE(r.ok());
  CHECK(r.batch.empty());
}

TEST_CASE("finish patches every header field and computes the CRC last") {
  std::vector<uint8_t> buffer(4096);
  RecordBatchWriter w;
  REQUIRE(w.reset(buffer, 1000));
  REQUIRE(w.append(1000, as_bytes("a"), as_bytes("1")));
  REQUIRE(w.append(1500, as_bytes("b"), as_bytes("2")));
  REQUIRE(w.append(1200, as_bytes("c"), as_bytes("3")));
  CHECK(w.base_timestamp() == 1000);
  CHECK(w.max_timestamp() == 1500);
  FinishOptions o;
  o.producer_id = 0x0102030405060708;
  o.producer_epoch = 9;
  o.base_sequence = 77;
  o.transactional = true;
  o.partition_leader_epoch = 12;
  FinishResult r = w.finish(o);
  REQUIRE(r.ok());
  const uint8_t* h = r.batch.data();
  using namespace rawkafka::protocol::detail;
  CHECK(load_be64(h + kBaseOffsetOffset) == 0);
  CHECK(load_be32(h + kBatchLengthOffset) == r.batch.size() - 12);
  CHECK(int32_t(load_be32(h + kPartitionLeaderEpochOffset)) == 12);
  CHECK(h[kMagicOffset] == 2);
  CHECK(load_be16(h + kAttributesOffset) == 0x10);
  CHECK(load_be32(h + kLastOffsetDeltaOffset) == 2);
  CHECK(load_be64(h + kBaseTimestampOffset) == 1000);
  CHECK(load_be64(h + kMaxTimestampOffset) == 1500);
  CHECK(load_be64(h + kProducerIdOffset) == 0x0102030405060708u);
  CHECK(load_be16(h + kProducerEpochOffset) == 9);
  CHECK(load_be32(h + kBaseSequenceOffset) == 77);
  CHECK(load_be32(h + kRecordCountOffset) == 3);
  CHECK(load_be32(h + kCrcOffset) == reference_crc32c(h + 21, r.batch.size() - 21));
}

TEST_CASE("finishing the same state twice gives identical bytes, uncompressed and compressed") {
  std::vector<uint8_t> buffer(8192), out1(8192), out2(8192);
  RecordBatchWriter w;
  REQUIRE(w.reset(buffer, 50));
  for (int i = 0; i < 20; ++i) REQUIRE(w.append(50 + i, std::nullopt, as_bytes("payload-" + std::to_string(i))));
  FinishOptions o;
  o.producer_id = 4;
  o.producer_epoch = 0;
  o.base_sequence = 100;
  FinishResult a = w.finish(o);
  REQUIRE(a.ok());
  const std::vector<uint8_t> first(a.batch.begin(), a.batch.end());
  FinishResult b = w.finish(o);
  REQUIRE(b.ok());
  CHECK(std::vector<uint8_t>(b.batch.begin(), b.batch.end()) == first);

  CopyCodec codec(CompressionType::zstd);
  o.codec = &codec;
  o.compression_buffer = out1;
  FinishResult c1 = w.finish(o);
  o.compression_buffer = out2;
  FinishResult c2 = w.finish(o);
  REQUIRE(c1.ok());
  REQUIRE(c2.ok());
  CHECK(codec.compress_calls == 2);
  CHECK(std::vector<uint8_t>(c1.batch.begin(), c1.batch.end()) == std::vector<uint8_t>(c2.batch.begin(), c2.batch.end()));
  // And the uncompressed original is still intact: finishing it again gives the first bytes.
  o.codec = nullptr;
  FinishResult again = w.finish(o);
  CHECK(std::vector<uint8_t>(again.batch.begin(), again.batch.end()) == first);
}

TEST_CASE("a compressed batch copies the header, compresses the records and sets the codec bits") {
  std::vector<uint8_t> buffer(4096), out(4096);
  RecordBatchWriter w;
  REQUIRE(w.reset(buffer, 7));
  REQUIRE(w.append(7, as_bytes("k1"), as_bytes("v1")));
  REQUIRE(w.append(8, as_bytes("k2"), as_bytes("v2")));
  CopyCodec codec(CompressionType::snappy);
  FinishOptions o;
  o.codec = &codec;
  o.compression_buffer = out;
  o.transactional = true;
  FinishResult r = w.finish(o);
  REQUIRE(r.ok());
  CHECK(r.batch.data() == out.data());
  CHECK(r.batch.size() == w.size());  // the copy codec keeps the size
  CHECK(detail::load_be16(r.batch.data() + kAttributesOffset) == (0x10 | 2));
  CHECK(std::equal(w.records().begin(), w.records().end(), r.batch.begin() + kRecordBatchHeaderSize));
  CHECK(detail::load_be32(r.batch.data() + kCrcOffset) ==
        reference_crc32c(r.batch.data() + 21, r.batch.size() - 21));
  CHECK(max_finished_size(w.size(), &codec) == kRecordBatchHeaderSize + w.records().size());
  CHECK(max_finished_size(w.size(), nullptr) == w.size());

  SUBCASE("too small a compression buffer is an error, not an overflow") {
    std::vector<uint8_t> small(kRecordBatchHeaderSize + 3);
    o.compression_buffer = small;
    FinishResult e = w.finish(o);
    CHECK_FALSE(e.ok());
    CHECK(std::string(e.error) == "compression buffer too small");
    o.compression_buffer = {};
    CHECK_FALSE(w.finish(o).ok());
  }
  SUBCASE("a compression buffer overlapping the batch is refused") {
    o.compression_buffer = std::span<uint8_t>(buffer).subspan(w.size() / 2);
    CHECK_FALSE(w.finish(o).ok());
  }
}

TEST_CASE("appending after finish continues the batch and a later finish covers all records") {
  std::vector<uint8_t> buffer(4096);
  RecordBatchWriter w;
  REQUIRE(w.reset(buffer, 0));
  REQUIRE(w.append(0, std::nullopt, as_bytes("one")));
  REQUIRE(w.finish().ok());
  REQUIRE(w.append(3, std::nullopt, as_bytes("two")));
  FinishResult r = w.finish();
  REQUIRE(r.ok());
  RecordBatchView view;
  REQUIRE(view.parse(r.batch).ok());
  CHECK(view.record_count() == 2);
  CHECK(view.last_offset_delta() == 1);
  CHECK(view.max_timestamp() == 3);
}
