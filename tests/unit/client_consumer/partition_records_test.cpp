#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "partition_records.hpp"
#include "rawkafka/compression/codecs.hpp"
#include "rawkafka/protocol/crc32c.hpp"

using namespace rawkafka;
using client::detail::RecordDelivery;
using client::detail::scan_batches;

namespace {

protocol::Bytes bytes_of(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Offsets from 8 (base offset) and the CRC (from byte 21 on) are patched after writing.
void set_base_offset(std::vector<uint8_t>& batch, int64_t base) {
  for (int i = 0; i < 8; ++i) batch[size_t(i)] = uint8_t(uint64_t(base) >> (56 - 8 * i));
}
void refresh_crc(std::vector<uint8_t>& batch) {
  const uint32_t crc = protocol::crc32c(batch.data() + 21, batch.size() - 21);
  for (int i = 0; i < 4; ++i) batch[size_t(17 + i)] = uint8_t(crc >> (24 - 8 * i));
}

struct BatchSpec {
  int64_t base = 0;
  int count = 1;
  protocol::CompressionType compression = protocol::CompressionType::none;
  int64_t producer_id = -1;
  bool transactional = false;
  bool control_abort = false;  // one control record: an abort marker
};

std::vector<uint8_t> make_batch(const BatchSpec& spec) {
  std::vector<uint8_t> buffer(1 << 16), compressed(1 << 17);
  protocol::RecordBatchWriter w;
  REQUIRE(w.reset(buffer, 1000));
  std::vector<std::string> values;
  if (spec.control_abort) {
    static const uint8_t key[4] = {0, 0, 0, 0};  // version 0, type 0 (abort)
    static const uint8_t value[6] = {0, 0, 0, 0, 0, 0};
    REQUIRE(w.append(1000, protocol::Bytes(key, 4), protocol::Bytes(value, 6)));
  } else {
    for (int i = 0; i < spec.count; ++i) values.push_back("value-" + std::to_string(spec.base + i));
    for (const std::string& v : values) REQUIRE(w.append(1000, std::nullopt, bytes_of(v)));
  }
  compression::CodecSet codecs;
  protocol::FinishOptions fo;
  fo.codec = codecs.codec(spec.compression);
  if (spec.compression == protocol::CompressionType::none) fo.codec = nullptr;
  fo.compression_buffer = compressed;
  fo.producer_id = spec.producer_id;
  fo.producer_epoch = spec.producer_id >= 0 ? 0 : -1;
  fo.transactional = spec.transactional || spec.control_abort;
  protocol::FinishResult r = w.finish(fo);
  REQUIRE(r.ok());
  std::vector<uint8_t> out(r.batch.begin(), r.batch.end());
  set_base_offset(out, spec.base);
  if (spec.control_abort) {
    out[22] |= 0x20;  // attributes (big-endian int16 at 21): the control bit
    refresh_crc(out);
  }
  return out;
}

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Collect : client::ConsumerHandler {
  std::vector<int64_t> offsets;
  std::vector<std::string> values;
  std::vector<client::ConsumeError> errors;
  uint64_t batches = 0, batch_records = 0;
  void on_batch(const client::BatchInfo& b) override {
    ++batches;
    batch_records += uint64_t(b.record_count);
  }
  void on_record(const client::PartitionRecord& r) override {
    offsets.push_back(r.record.offset);
    values.emplace_back(reinterpret_cast<const char*>(r.record.value->data()), r.record.value->size());
  }
  void on_error(const client::ConsumeError& e) override { errors.push_back(e); }
};

struct FixedBudget : client::detail::RecordBudget {
  uint64_t left;
  explicit FixedBudget(uint64_t n) : left(n) {}
  uint64_t claim(uint64_t wanted) override {
    uint64_t got = std::min(wanted, left);
    left -= got;
    return got;
  }
  void refund(uint64_t n) override { left += n; }
};

const std::optional<std::vector<protocol::FetchResponse::AbortedTransaction>> kNoAborted;

}  // namespace

TEST_CASE("scan_batches: the next offset follows the last complete batch; a cut-off batch is fetched again") {
  auto data = concat({make_batch({0, 3}), make_batch({3, 2})});
  auto scan = scan_batches(data, 0);
  CHECK(scan.next_offset == 5);
  CHECK(scan.stuck == nullptr);
  // The second batch cut short: the next fetch starts at 3.
  scan = scan_batches(protocol::Bytes(data.data(), data.size() - 5), 0);
  CHECK(scan.next_offset == 3);
  // From inside the first batch (a compressed batch starts before the position).
  CHECK(scan_batches(data, 1).next_offset == 5);
  CHECK(scan_batches({}, 7).next_offset == 7);
}

TEST_CASE("scan_batches: a legacy message set is named and stops the partition") {
  auto data = make_batch({0, 2});
  data[16] = 1;  // magic v1
  auto scan = scan_batches(data, 0);
  CHECK(scan.next_offset == 0);
  REQUIRE(scan.stuck != nullptr);
  CHECK(std::string(scan.stuck).find("legacy") != std::string::npos);
}

TEST_CASE("deliver: every record in [from, to) once, in offset order, as views") {
  auto data = concat({make_batch({10, 4}), make_batch({14, 4})});
  RecordDelivery d(client::Delivery::records, true, client::IsolationLevel::read_uncommitted);
  Collect c;
  auto counts = d.deliver("t", 0, data, 12, 17, kNoAborted, nullptr, c);
  CHECK(counts.records == 5);
  CHECK(c.offsets == std::vector<int64_t>{12, 13, 14, 15, 16});
  CHECK(c.values.front() == "value-12");
  CHECK(c.values.back() == "value-16");
  CHECK(counts.batches == 2);
  CHECK(c.errors.empty());
}

TEST_CASE("deliver: every codec gives the same records") {
  for (auto type : {protocol::CompressionType::gzip, protocol::CompressionType::snappy, protocol::CompressionType::lz4,
                    protocol::CompressionType::zstd}) {
    CAPTURE(int(type));
    auto data = make_batch({100, 50, type});
    RecordDelivery d(client::Delivery::records, true, client::IsolationLevel::read_uncommitted);
    Collect c;
    auto counts = d.deliver("t", 0, data, 0, INT64_MAX, kNoAborted, nullptr, c);
    CHECK(counts.records == 50);
    REQUIRE(c.values.size() == 50);
    CHECK(c.values[49] == "value-149");
  }
}

TEST_CASE("deliver: a batch whose CRC fails is reported with topic, partition and offset, and skipped") {
  auto bad = make_batch({5, 3});
  bad.back() ^= 0x55;
  auto data = concat({make_batch({0, 5}), bad, make_batch({8, 2})});
  RecordDelivery d(client::Delivery::records, true, client::IsolationLevel::read_uncommitted);
  Collect c;
  auto counts = d.deliver("orders", 4, data, 0, INT64_MAX, kNoAborted, nullptr, c);
  CHECK(counts.records == 7);
  CHECK(counts.corrupt == 1);
  REQUIRE(c.errors.size() == 1);
  CHECK(c.errors[0].kind == client::ConsumeErrorKind::corrupt_batch);
  CHECK(c.errors[0].offset == 5);
  CHECK(c.errors[0].message.find("orders-4") != std::string::npos);
  CHECK(c.errors[0].message.find("offset 5") != std::string::npos);
  CHECK(c.errors[0].message.find("CRC") != std::string::npos);
  // The header walk goes past it too.
  CHECK(scan_batches(data, 0).next_offset == 10);

  SUBCASE("check.crcs=false hands the records out") {
    RecordDelivery unchecked(client::Delivery::records, false, client::IsolationLevel::read_uncommitted);
    auto clean = make_batch({5, 3});
    clean[30] ^= 0;  // same bytes, CRC flipped below
    clean[17] ^= 0xff;
    auto data2 = concat({make_batch({0, 5}), clean});
    Collect c2;
    CHECK(unchecked.deliver("orders", 4, data2, 0, INT64_MAX, kNoAborted, nullptr, c2).records == 8);
    CHECK(c2.errors.empty());
  }
}

TEST_CASE("deliver: a compressed payload that does not decompress is counted and named, never a crash") {
  auto bad = make_batch({3, 20, protocol::CompressionType::lz4});
  for (size_t i = 70; i < bad.size(); i += 3) bad[i] ^= 0xa5;
  refresh_crc(bad);  // a valid CRC over garbage: the codec must catch it
  auto data = concat({make_batch({0, 3}), bad, make_batch({23, 1})});
  RecordDelivery d(client::Delivery::records, true, client::IsolationLevel::read_uncommitted);
  Collect c;
  auto counts = d.deliver("t", 1, data, 0, INT64_MAX, kNoAborted, nullptr, c);
  CHECK(counts.undecodable == 1);
  REQUIRE(c.errors.size() == 1);
  CHECK(c.errors[0].kind == client::ConsumeErrorKind::undecodable_batch);
  CHECK(c.errors[0].offset == 3);
  CHECK(c.offsets == std::vector<int64_t>{0, 1, 2, 23});
}

TEST_CASE("deliver: control batches are not records") {
  auto data = concat({make_batch({0, 2}), make_batch({2, 1, protocol::CompressionType::none, 7, true, true}),
                      make_batch({3, 2})});
  RecordDelivery d(client::Delivery::records, true, client::IsolationLevel::read_uncommitted);
  Collect c;
  CHECK(d.deliver("t", 0, data, 0, INT64_MAX, kNoAborted, nullptr, c).records == 4);
  CHECK(c.offsets == std::vector<int64_t>{0, 1, 3, 4});
}

TEST_CASE("deliver: read_committed skips an aborted transaction up to its abort marker") {
  // Producer 7 writes 2..4 in a transaction it aborts (marker at 5); producer 8's records stay.
  auto data = concat({make_batch({0, 2}), make_batch({2, 3, protocol::CompressionType::none, 7, true}),
                      make_batch({5, 1, protocol::CompressionType::none, 7, true, true}),
                      make_batch({6, 2, protocol::CompressionType::none, 8, true}), make_batch({8, 1, protocol::CompressionType::none, 7, true})});
  std::optional<std::vector<protocol::FetchResponse::AbortedTransaction>> aborted(
      std::vector<protocol::FetchResponse::AbortedTransaction>{{7, 2}});
  RecordDelivery committed(client::Delivery::records, true, client::IsolationLevel::read_committed);
  Collect c;
  committed.deliver("t", 0, data, 0, INT64_MAX, aborted, nullptr, c);
  CHECK(c.offsets == std::vector<int64_t>{0, 1, 6, 7, 8});
  RecordDelivery uncommitted(client::Delivery::records, true, client::IsolationLevel::read_uncommitted);
  Collect all;
  uncommitted.deliver("t", 0, data, 0, INT64_MAX, aborted, nullptr, all);
  CHECK(all.offsets.size() == 8);
}

TEST_CASE("deliver: batches mode counts records from the headers without reading them") {
  auto data = concat({make_batch({0, 10, protocol::CompressionType::zstd}), make_batch({10, 5})});
  RecordDelivery d(client::Delivery::batches, true, client::IsolationLevel::read_uncommitted);
  Collect c;
  auto counts = d.deliver("t", 0, data, 0, INT64_MAX, kNoAborted, nullptr, c);
  CHECK(counts.records == 15);
  CHECK(c.batch_records == 15);
  CHECK(c.offsets.empty());
  // The ends of the range count only what lies inside it.
  Collect part;
  CHECK(d.deliver("t", 0, data, 4, 12, kNoAborted, nullptr, part).records == 8);
}

TEST_CASE("deliver: the record limit stops delivery exactly") {
  auto data = concat({make_batch({0, 10}), make_batch({10, 10})});
  RecordDelivery d(client::Delivery::records, true, client::IsolationLevel::read_uncommitted);
  FixedBudget budget(13);
  Collect c;
  auto counts = d.deliver("t", 0, data, 0, INT64_MAX, kNoAborted, &budget, c);
  CHECK(counts.records == 13);
  CHECK(counts.budget_spent);
  CHECK(c.offsets.back() == 12);
  CHECK(budget.left == 0);
}

TEST_CASE("deliver: records whose offsets go backwards end their batch as undecodable") {
  auto a = make_batch({0, 3});
  auto b = make_batch({1, 3});  // overlaps the first: offsets 1..3 again
  auto data = concat({a, b});
  RecordDelivery d(client::Delivery::records, true, client::IsolationLevel::read_uncommitted);
  Collect c;
  auto counts = d.deliver("t", 0, data, 0, INT64_MAX, kNoAborted, nullptr, c);
  CHECK(c.offsets == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(counts.undecodable == 0);
  // Within one batch: the second record repeats the first's offset.
  auto dup = make_batch({10, 2});
  // Record 2's offsetDelta (zigzag varint after its length and attributes) set to 0.
  protocol::RecordBatchView view;
  REQUIRE(view.parse(dup).ok());
  Collect c2;
  std::vector<uint8_t> patched = dup;
  size_t first_len = size_t(patched[61] >> 1);  // small records: a one-byte length varint
  size_t second = 61 + 1 + first_len;
  // length, attributes, timestampDelta (1 byte: 0), offsetDelta
  patched[second + 3] = 0;
  refresh_crc(patched);
  auto counts2 = d.deliver("t", 0, patched, 0, INT64_MAX, kNoAborted, nullptr, c2);
  CHECK(c2.offsets == std::vector<int64_t>{10});
  CHECK(counts2.undecodable == 1);
  REQUIRE(c2.errors.size() == 1);
  CHECK(c2.errors[0].message.find("backwards") != std::string::npos);
}
