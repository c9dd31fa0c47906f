// The ways of reading one topic all read all of it, once: batch headers only (delivery=batches),
// two core threads, CRCs unchecked, read_committed, fetch sessions on and off.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <utility>

#include "consumer_reading.hpp"

namespace rt = rawkafka::testing;
using namespace rawkafka;
using namespace rawkafka::client;

namespace {

constexpr long kRecords = 200000;

// One topic for every case here: 200,000 rawproduce records (lz4, 4 partitions), written once.
const std::string& shared_topic() {
  static const std::string topic = [] {
    std::string t = rt::unique_topic("consumer-modes");
    rt::rawproduce_verified(t, kRecords, 4, "acks=all linger.ms=5 compression.type=lz4", "--payload json-logs");
    return t;
  }();
  return topic;
}

rt::ReadOutcome read_shared(const rt::Props& props) {
  rt::ReadOptions options;
  options.contents = false;
  return rt::read_topic(props, rt::whole_topic(shared_topic()), options);
}

// Every record once: by offset per partition, and by rawproduce's sequence number.
void check_everything_once(const rt::ReadOutcome& read) {
  rt::check_read_ok(read);
  CHECK(read.stats.records == uint64_t(kRecords));
  REQUIRE(read.records.size() == size_t(kRecords));
  std::set<std::pair<int32_t, int64_t>> positions;
  for (const rt::SeenRecord& r : read.records) positions.insert({r.partition, r.offset});
  CHECK(positions.size() == size_t(kRecords));
  rt::check_dense_offsets(read);
  rt::check_sequences_once(read.records, kRecords);
}

}  // namespace

TEST_CASE("delivery=batches counts as many records as delivery=records, and hands out no record") {
  const rt::ReadOutcome records = read_shared({{"delivery", "records"}});
  check_everything_once(records);

  const rt::ReadOutcome batches = read_shared({{"delivery", "batches"}});
  rt::check_read_ok(batches);
  CHECK(batches.records.empty());
  CHECK(batches.stats.records == records.stats.records);
  uint64_t in_batches = 0;
  for (const rt::SeenBatch& b : batches.batches) in_batches += uint64_t(b.record_count);
  CHECK(in_batches == uint64_t(kRecords));
  CHECK(batches.stats.batches == records.stats.batches);
  CHECK(batches.stats.batch_bytes == records.stats.batch_bytes);
  CHECK(batches.batches.size() == records.batches.size());
  // The batches cover each partition's offsets without a gap or an overlap.
  std::map<int32_t, int64_t> next;
  size_t out_of_place = 0;
  for (const rt::SeenBatch& b : batches.batches) {
    out_of_place += b.base_offset != next[b.partition];
    next[b.partition] = b.last_offset + 1;
  }
  CHECK(out_of_place == 0);
  int64_t ends = 0;
  for (const auto& [partition, end] : next) ends += end;
  CHECK(ends == kRecords);
}

TEST_CASE("threads=2 reads every record exactly once, the partitions split between the cores") {
  const rt::ReadOutcome read = read_shared({{"threads", "2"}});
  std::set<int32_t> cores;
  for (const AssignedPartition& p : read.partitions) cores.insert(p.core);
  CHECK(cores == std::set<int32_t>{0, 1});
  check_everything_once(read);
}

TEST_CASE("connections.per.broker=2 reads every record exactly once over two sessions to the leader") {
  const rt::ReadOutcome read = read_shared({{"connections.per.broker", "2"}, {"max.partition.fetch.bytes", "65536"}});
  check_everything_once(read);
  CHECK(read.stats.session_resets == 0);
  // Two sessions: each connection's first fetch is a full one, every later one incremental.
  CHECK(read.stats.incremental_fetches + 2 >= read.stats.fetches);
  CHECK(read.stats.incremental_fetches + 2 <= read.stats.fetches);
}

TEST_CASE("check.crcs=false still reads every record once") {
  check_everything_once(read_shared({{"check.crcs", "false"}}));
}

TEST_CASE("isolation.level=read_committed on a topic without transactions reads every record once") {
  check_everything_once(read_shared({{"isolation.level", "read_committed"}}));
}

TEST_CASE("fetch.sessions=true reads everything over many incremental fetches without a session reset") {
  const rt::ReadOutcome read = read_shared({{"fetch.sessions", "true"}, {"max.partition.fetch.bytes", "65536"}});
  check_everything_once(read);
  CHECK(read.stats.fetches > 1);
  CHECK(read.stats.session_resets == 0);
  // No fetch carried more than 64 KiB for each of the 4 partitions (rawproduce's batches are
  // 16 KiB at most), so it took at least this many.
  CHECK(read.stats.fetches >= read.stats.batch_bytes / (4 * 65536));
  CHECK(read.stats.fetch_version >= 7);  // sessions exist from Fetch v7 (KIP-227)
  // After the first (full) fetch, every request went in the session the broker opened.
  CHECK(read.stats.incremental_fetches >= read.stats.fetches - 1);
}

TEST_CASE("fetch.sessions=false reads everything over many full fetches") {
  const rt::ReadOutcome read = read_shared({{"fetch.sessions", "false"}, {"max.partition.fetch.bytes", "65536"}});
  check_everything_once(read);
  CHECK(read.stats.fetches > 1);
  CHECK(read.stats.fetches >= read.stats.batch_bytes / (4 * 65536));
  CHECK(read.stats.session_resets == 0);
  CHECK(read.stats.incremental_fetches == 0);
}
