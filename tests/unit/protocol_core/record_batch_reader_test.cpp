#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "batch_test_support.hpp"
#include "rawkafka/protocol/record_batch.hpp"

using namespace rawkafka::protocol;
using namespace rawkafka::protocol::test;

namespace {

struct Rec {
  int64_t timestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::optional<Bytes> opt(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return as_bytes(*s);
}

std::vector<uint8_t> build(const std::vector<Rec>& recs, const FinishOptions& options = {}) {
  std::vector<uint8_t> buffer(1 << 20);
  RecordBatchWriter w;
  REQUIRE(w.reset(buffer, recs.front().timestamp));
  std::vector<RecordHeader> hs;
  for (const Rec& r : recs) {
    hs.clear();
    for (auto& [k, v] : r.headers) hs.push_back({k, opt(v)});
    REQUIRE(w.append(r.timestamp, opt(r.key), opt(r.value), hs));
  }
  FinishResult f = w.finish(options);
  REQUIRE(f.ok());
  return {f.batch.begin(), f.batch.end()};
}

std::vector<Rec> sample() {
  return {
      {1000, std::string("key-1"), std::string("value-1"), {}},
      {999, std::nullopt, std::string(""), {{"h1", std::string("v1")}, {"h2", std::nullopt}}},
      {5000000000, std::string(""), std::nullopt, {{"", std::string("")}}},
      {1001, std::string(300, 'k'), std::string(5000, 'v'), {}},
  };
}

std::optional<std::string> str(std::optional<Bytes> b) {
  if (!b) return std::nullopt;
  return as_string(*b);
}

// Reads all records of a single batch; returns the reader's final result.
ReadResult read_all(Bytes batch_bytes, std::vector<RecordView>& out, CodecProvider* codecs = nullptr) {
  RecordBatchView view;
  ReadResult r = view.parse(batch_bytes);
  if (!r.ok()) return r;
  static std::vector<uint8_t> scratch;
  RecordBatchReader reader;
  r = reader.open(view, codecs, scratch);
  if (!r.ok()) return r;
  RecordView rec;
  while (reader.next(rec)) out.push_back(rec);
  return reader.result();
}

}  // namespace

TEST_CASE("records round-trip through writer and reader with every field") {
  const std::vector<Rec> recs = sample();
  FinishOptions o;
  o.producer_id = 8000000000;
  o.producer_epoch = 3;
  o.base_sequence = 41;
  o.partition_leader_epoch = 17;
  const std::vector<uint8_t> bytes = build(recs, o);

  RecordBatchView view;
  REQUIRE(view.parse(bytes).ok());
  CHECK(view.size() == bytes.size());
  CHECK(view.base_offset() == 0);
  CHECK(view.batch_length() == int32_t(bytes.size() - 12));
  CHECK(view.partition_leader_epoch() == 17);
  CHECK(view.magic() == 2);
  CHECK(view.compression() == CompressionType::none);
  CHECK_FALSE(view.is_transactional());
  CHECK_FALSE(view.is_control());
  CHECK(view.last_offset_delta() == 3);
  CHECK(view.base_timestamp() == 1000);
  CHECK(view.max_timestamp() == 5000000000);
  CHECK(view.producer_id() == 8000000000);
  CHECK(view.producer_epoch() == 3);
  CHECK(view.base_sequence() == 41);
  CHECK(view.record_count() == 4);

  std::vector<RecordView> got;
  REQUIRE(read_all(bytes, got).ok());
  REQUIRE(got.size() == recs.size());
  for (size_t i = 0; i < recs.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].offset == int64_t(i));
    CHECK(got[i].timestamp == recs[i].timestamp);
    CHECK(str(got[i].key) == recs[i].key);
    CHECK(str(got[i].value) == recs[i].value);
    REQUIRE(got[i].header_count == recs[i].headers.size());
    RecordHeaderIterator it(got[i]);
    RecordHeader h;
    size_t n = 0;
    while (it.next(h)) {
      REQUIRE(n < recs[i].headers.size());
      CHECK(std::string(h.key) == recs[i].headers[n].first);
      CHECK(str(h.value) == recs[i].headers[n].second);
      ++n;
    }
    CHECK(n == recs[i].headers.size());
  }
}

TEST_CASE("base offset and LogAppendTime are applied to records") {
  std::vector<uint8_t> bytes = build(sample());
  detail::store_be64(bytes.data() + kBaseOffsetOffset, 1000000);
  detail::store_be16(bytes.data() + kAttributesOffset, uint16_t(kAttributeLogAppendTime));
  detail::store_be64(bytes.data() + kMaxTimestampOffset, 77777);
  fix_crc(bytes);
  std::vector<RecordView> got;
  REQUIRE(read_all(bytes, got).ok());
  REQUIRE(got.size() == 4);
  CHECK(got[3].offset == 1000003);
  for (auto& r : got) CHECK(r.timestamp == 77777);
}

TEST_CASE("a corrupted byte fails the CRC check") {
  const std::vector<uint8_t> good = build(sample());
  for (size_t at : {size_t(kAttributesOffset), size_t(40), size_t(kRecordBatchHeaderSize + 3), good.size() - 1}) {
    std::vector<uint8_t> bad = good;
    bad[at] ^= 0x01;
    RecordBatchView view;
    ReadResult r = view.parse(bad);
    CAPTURE(at);
    CHECK(r.status == ReadStatus::corrupt);
    CHECK(std::string(r.reason) == "CRC-32C mismatch");
    CHECK(view.size() == 0);
  }
}

TEST_CASE("magic other than 2 is refused: legacy formats as unsupported, others as corrupt") {
  std::vector<uint8_t> bytes = build(sample());
  for (int magic : {0, 1}) {
    bytes[kMagicOffset] = uint8_t(magic);
    RecordBatchView view;
    ReadResult r = view.parse(bytes);
    CHECK(r.status == ReadStatus::unsupported);
    CHECK(std::string(r.reason).find("magic") != std::string::npos);
  }
  bytes[kMagicOffset] = 3;
  RecordBatchView view;
  CHECK(view.parse(bytes).status == ReadStatus::corrupt);
}

TEST_CASE("every prefix of a batch is reported as truncated") {
  const std::vector<uint8_t> bytes = build(sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    RecordBatchView view;
    ReadResult r = view.parse(Bytes(bytes.data(), n));
    CAPTURE(n);
    REQUIRE(r.status == ReadStatus::truncated);
  }
}

TEST_CASE("batchLength below the header size or a negative recordCount is corrupt") {
  std::vector<uint8_t> bytes = build(sample());
  std::vector<uint8_t> small = bytes;
  detail::store_be32(small.data() + kBatchLengthOffset, 48);
  RecordBatchView view;
  CHECK(view.parse(small).status == ReadStatus::corrupt);
  detail::store_be32(small.data() + kBatchLengthOffset, uint32_t(-5));
  CHECK(view.parse(small).status == ReadStatus::corrupt);

  std::vector<uint8_t> negative = bytes;
  detail::store_be32(negative.data() + kRecordCountOffset, uint32_t(-1));
  fix_crc(negative);
  CHECK(view.parse(negative).status == ReadStatus::corrupt);

  std::vector<uint8_t> huge = bytes;
  detail::store_be32(huge.data() + kRecordCountOffset, 0x7fffffff);
  fix_crc(huge);
  CHECK(view.parse(huge).status == ReadStatus::corrupt);
}

TEST_CASE("a recordCount that disagrees with the records is corrupt") {
  const std::vector<uint8_t> good = build(sample());
  for (uint32_t count : {5u, 3u, 0u}) {
    CAPTURE(count);
    std::vector<uint8_t> bad = good;
    detail::store_be32(bad.data() + kRecordCountOffset, count);
    fix_crc(bad);
    std::vector<RecordView> got;
    ReadResult r = read_all(bad, got);
    CHECK(r.status == ReadStatus::corrupt);
    CHECK(got.size() == std::min<size_t>(count, 4));
  }
}

TEST_CASE("a record length or field length pointing past the end is corrupt") {
  // A single record: [len][attr][ts][off][key len][key]... at offset 61.
  std::vector<Rec> one{{10, std::string("kk"), std::string("vvvv"), {{"h", std::string("x")}}}};
  const std::vector<uint8_t> good = build(one);
  const size_t rec = kRecordBatchHeaderSize;
  struct Edit {
    size_t at;
    uint8_t value;
    const char* what;
  };
  for (Edit e : {Edit{rec, 0x7e, "record length 63"}, Edit{rec, 0x02, "record length 1"},
                 Edit{rec + 4, 0x7e, "key length 63"}, Edit{rec + 4, 0x05, "key length -3"},
                 Edit{rec + 7, 0x40, "value length 32"}, Edit{rec + 12, 0x7e, "header count 63"},
                 Edit{rec + 12, 0x01, "header count -1"}, Edit{rec + 13, 0x60, "header key length 48"},
                 Edit{rec + 15, 0x30, "header value length 24"}, Edit{rec + 15, 0x03, "header value length -2"}}) {
    CAPTURE(e.what);
    std::vector<uint8_t> bad = good;
    bad[e.at] = e.value;
    fix_crc(bad);
    std::vector<RecordView> got;
    ReadResult r = read_all(bad, got);
    CHECK(r.status == ReadStatus::corrupt);
    CHECK(got.empty());
  }
  std::vector<RecordView> got;
  CHECK(read_all(good, got).ok());
}

TEST_CASE("compressed batches need a codec and respect the decompression limit") {
  CopyCodec codec(CompressionType::gzip);
  std::vector<uint8_t> out(1 << 20);
  FinishOptions o;
  o.codec = &codec;
  o.compression_buffer = out;
  const std::vector<uint8_t> bytes = build(sample(), o);

  RecordBatchView view;
  REQUIRE(view.parse(bytes).ok());
  CHECK(view.compression() == CompressionType::gzip);
  std::vector<uint8_t> scratch;
  RecordBatchReader reader;
  CHECK(reader.open(view, nullptr, scratch).status == ReadStatus::unsupported);
  CopyCodec other(CompressionType::lz4);
  SingleCodecProvider wrong(&other);
  CHECK(reader.open(view, &wrong, scratch).status == ReadStatus::unsupported);
  RecordView rec;
  CHECK_FALSE(reader.next(rec));

  SingleCodecProvider provider(&codec);
  CHECK(reader.open(view, &provider, scratch, 10).status == ReadStatus::corrupt);
  std::vector<RecordView> got;
  REQUIRE(read_all(bytes, got, &provider).ok());
  REQUIRE(got.size() == 4);
  CHECK(str(got[3].value) == std::string(5000, 'v'));
}

TEST_CASE("RecordBatchIterator walks consecutive batches and stops cleanly at a partial one") {
  std::vector<uint8_t> blob;
  std::vector<size_t> sizes;
  for (int i = 0; i < 3; ++i) {
    std::vector<uint8_t> b = build({{100 + i, std::string("k"), std::string(size_t(10 + i), 'v'), {}}});
    detail::store_be64(b.data() + kBaseOffsetOffset, uint64_t(10 * i));
    sizes.push_back(b.size());
    blob.insert(blob.end(), b.begin(), b.end());
  }
  const std::vector<uint8_t> last = build(sample());
  for (size_t cut : {size_t(0), size_t(5), size_t(12), size_t(17), size_t(61), last.size() - 1}) {
    CAPTURE(cut);
    std::vector<uint8_t> fetch = blob;
    fetch.insert(fetch.end(), last.begin(), last.begin() + long(cut));
    RecordBatchIterator it(fetch);
    RecordBatchView batch;
    int n = 0;
    while (it.next(batch)) {
      CHECK(batch.base_offset() == 10 * n);
      CHECK(batch.size() == sizes[size_t(n)]);
      ++n;
    }
    CHECK(n == 3);
    CHECK(it.result().ok());
    CHECK(it.partial() == (cut != 0));
    CHECK(it.position() == blob.size());
  }
  {
    std::vector<uint8_t> fetch = blob;
    fetch.insert(fetch.end(), last.begin(), last.end());
    RecordBatchIterator it(fetch);
    RecordBatchView batch;
    int n = 0;
    while (it.next(batch)) ++n;
    CHECK(n == 4);
    CHECK_FALSE(it.partial());
    CHECK(it.result().ok());
  }
  {
    std::vector<uint8_t> fetch = blob;
    fetch[sizes[0] + 70] ^= 0xff;  // corrupt the second batch
    RecordBatchIterator it(fetch);
    RecordBatchView batch;
    int n = 0;
    while (it.next(batch)) ++n;
    CHECK(n == 1);
    CHECK(it.result().status == ReadStatus::corrupt);
    CHECK_FALSE(it.partial());
  }
  RecordBatchIterator empty(Bytes{});
  RecordBatchView batch;
  CHECK_FALSE(empty.next(batch));
  CHECK_FALSE(empty.partial());
  CHECK(empty.result().ok());
}

TEST_CASE("random edits with a fixed-up CRC never read out of bounds") {
  // Under ASan this proves the record parser stays inside the batch whatever the bytes say.
  const std::vector<uint8_t> good = build(sample());
  std::mt19937_64 rng(99);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> bad = good;
    for (int k = int(rng() % 4) + 1; k > 0; --k) {
      bad[kRecordBatchHeaderSize + rng() % (bad.size() - kRecordBatchHeaderSize)] = uint8_t(rng());
    }
    if (rng() % 2) bad.resize(kRecordBatchHeaderSize + rng() % (bad.size() - kRecordBatchHeaderSize));
    detail::store_be32(bad.data() + kBatchLengthOffset, uint32_t(bad.size() - 12));
    fix_crc(bad);
    std::vector<uint8_t> exact(bad);  // heap block of exactly the batch: ASan sees any overrun
    std::vector<RecordView> got;
    ReadResult r = read_all(exact, got);
    for (const RecordView& rec : got) {
      RecordHeaderIterator it(rec);
      RecordHeader h;
      while (it.next(h)) {
      }
    }
    accepted += r.ok();
  }
  MESSAGE("mutated batches still valid: " << accepted);
}
