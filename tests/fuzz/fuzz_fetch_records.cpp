// Fuzzes the consumer's path from a Fetch response to records: the response decoder, then for
// every partition the header walk that moves the position (scan_batches) and the delivery of
// batches and records in both delivery modes and both isolation levels, with CRCs checked and
// not. Nothing may read out of bounds or crash; positions only move forward; delivered records
// lie inside the asked range and come in offset order.
// Input: one selector byte (version and mode), then the response body.
// Seeds: tests/fuzz/corpus/fuzz_fetch_records/.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "partition_records.hpp"
#include "rawkafka/protocol/messages/fetch.hpp"

using namespace rawkafka;

namespace {

struct Checker : client::ConsumerHandler {
  int64_t from = 0, to = 0, last = -1;
  void on_record(const client::PartitionRecord& r) override {
    if (r.record.offset < from || r.record.offset >= to || r.record.offset <= last) std::abort();
    last = r.record.offset;
    if (r.record.value) {
      volatile uint8_t sink = 0;
      for (uint8_t b : *r.record.value) sink = uint8_t(sink + b);
    }
    protocol::RecordHeaderIterator headers(r.record);
    protocol::RecordHeader h;
    while (headers.next(h)) {
    }
  }
  void on_error(const client::ConsumeError& e) override {
    if (e.message.empty()) std::abort();
  }
};

struct Budget : client::detail::RecordBudget {
  uint64_t left = 1000;
  uint64_t claim(uint64_t wanted) override {
    uint64_t got = wanted < left ? wanted : left;
    left -= got;
    return got;
  }
  void refund(uint64_t n) override { left += n; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  const int16_t version = int16_t(12 + selector % 7);  // 12..18: what the consumer speaks
  const auto delivery = (selector & 0x08) ? client::Delivery::batches : client::Delivery::records;
  const auto isolation = (selector & 0x10) ? client::IsolationLevel::read_committed : client::IsolationLevel::read_uncommitted;
  const bool check_crcs = (selector & 0x20) == 0;
  const bool limited = (selector & 0x40) != 0;

  protocol::Reader reader(data + 1, size - 1);
  protocol::FetchResponse response;
  if (!response.decode(reader, version)) return 0;

  client::detail::RecordDelivery records(delivery, check_crcs, isolation);
  Budget budget;
  for (const auto& topic : response.responses) {
    for (const auto& p : topic.partitions) {
      if (!p.records) continue;
      const int64_t position = p.log_start_offset > 0 ? p.log_start_offset % 1000 : 0;
      client::detail::BatchScan scan = client::detail::scan_batches(*p.records, position);
      if (scan.next_offset < position) std::abort();
      Checker checker;
      checker.from = position;
      checker.to = p.high_watermark > position ? p.high_watermark : INT64_MAX;
      records.deliver(topic.topic, p.partition_index, *p.records, checker.from, checker.to, p.aborted_transactions,
                      limited ? &budget : nullptr, checker);
    }
  }
  return 0;
}
