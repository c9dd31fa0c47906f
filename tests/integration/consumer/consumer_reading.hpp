#pragma once
// What the consumer integration tests share: reading a topic with a Consumer into plain values
// (every record copied out of the views it was handed), writing records with kcat, and the
// checks every reader has to pass (counts, offsets dense and in order per partition).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "integration.hpp"
#include "rawkafka/client/admin.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/client/consumer.hpp"

namespace rawkafka::testing {

using Props = std::vector<std::pair<std::string, std::string>>;
using Header = std::pair<std::string, std::optional<std::string>>;

// One record as the consumer delivered it, copied out of the callback's views.
struct SeenRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<Header> headers;
  int64_t seq = -1;  // the rawproduce.seq header (8 bytes, big-endian), -1 without one
};

struct SeenBatch {
  int32_t partition = -1;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int32_t record_count = 0;
  protocol::CompressionType compression = protocol::CompressionType::none;
};

// What one core's handler saw; each core has its own, so the handlers need no locks.
struct CoreLog {
  std::vector<SeenRecord> records;
  std::vector<SeenBatch> batches;
  std::vector<std::string> errors;
};

inline std::string text_of(protocol::Bytes b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

class RecordingHandler final : public client::ConsumerHandler {
 public:
  // `contents`: copy keys, values and headers (off for big reads that only count).
  // `per_batch_delay`: an application that takes this long over each batch (a slow reader).
  RecordingHandler(CoreLog& log, bool contents, std::chrono::microseconds per_batch_delay)
      : log_(log), contents_(contents), delay_(per_batch_delay) {}

  void on_batch(const client::BatchInfo& b) override {
    log_.batches.push_back({b.partition, b.base_offset, b.last_offset, b.record_count, b.compression});
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
  }
  void on_record(const client::PartitionRecord& r) override {
    SeenRecord s;
    s.partition = r.partition;
    s.offset = r.record.offset;
    s.timestamp = r.record.timestamp;
    protocol::RecordHeaderIterator headers(r.record);
    protocol::RecordHeader h;
    while (headers.next(h)) {
      if (h.key == "rawproduce.seq" && h.value && h.value->size() == 8) {
        uint64_t seq = 0;
        for (uint8_t byte : *h.value) seq = seq << 8 | byte;
        s.seq = int64_t(seq);
      }
      if (contents_) {
        s.headers.emplace_back(std::string(h.key), h.value ? std::optional(text_of(*h.value)) : std::nullopt);
      }
    }
    if (contents_) {
      if (r.record.key) s.key = text_of(*r.record.key);
      if (r.record.value) s.value = text_of(*r.record.value);
    }
    log_.records.push_back(std::move(s));
  }
  void on_error(const client::ConsumeError& e) override { log_.errors.push_back(e.message); }

 private:
  CoreLog& log_;
  bool contents_;
  std::chrono::microseconds delay_;
};

struct ReadOutcome {
  client::ConsumeResult assigned;
  client::ConsumeResult ran;
  std::vector<client::AssignedPartition> partitions;  // as assign() resolved them
  std::vector<SeenRecord> records;                    // per partition in delivery order
  std::vector<SeenBatch> batches;
  std::vector<std::string> errors;
  client::ConsumerStats stats;
  bool idle_timed_out = false;
};

struct ReadOptions {
  bool contents = true;
  std::chrono::microseconds per_batch_delay{0};
  client::Consumer::RunOptions run{0, std::chrono::milliseconds(30000)};  // idle: a stuck read ends
  std::chrono::milliseconds assign_timeout{30000};
};

inline client::ConsumerConfig consumer_config(const Props& extra, const std::string& servers = bootstrap()) {
  Props props{{"bootstrap.servers", servers}, {"request.timeout.ms", "15000"}};
  props.insert(props.end(), extra.begin(), extra.end());
  return client::ConsumerConfig::from_properties(props);
}

// The core logs of a consumer run, merged: a partition belongs to one core, so its records
// keep their delivery order.
inline void merge_logs(std::vector<CoreLog>& logs, ReadOutcome& out) {
  for (CoreLog& log : logs) {
    out.records.insert(out.records.end(), std::make_move_iterator(log.records.begin()),
                       std::make_move_iterator(log.records.end()));
    out.batches.insert(out.batches.end(), log.batches.begin(), log.batches.end());
    out.errors.insert(out.errors.end(), log.errors.begin(), log.errors.end());
  }
}

// Runs `consumer` (already assigned) with one RecordingHandler per core.
inline void run_into(client::Consumer& consumer, const ReadOptions& options, ReadOutcome& out) {
  std::vector<CoreLog> logs(consumer.config().threads);
  out.ran = consumer.run(
      [&](unsigned core) {
        return std::make_unique<RecordingHandler>(logs.at(core), options.contents, options.per_batch_delay);
      },
      options.run);
  out.stats = consumer.stats();
  out.idle_timed_out = consumer.idle_timed_out();
  merge_logs(logs, out);
}

// Assigns `assignment` to a new Consumer with `props` and runs it.
inline ReadOutcome read_topic(const Props& props, const client::Assignment& assignment, const ReadOptions& options = {},
                              const std::string& servers = bootstrap()) {
  ReadOutcome out;
  client::Consumer consumer(consumer_config(props, servers));
  out.assigned = consumer.assign(assignment, options.assign_timeout);
  if (!out.assigned.ok) return out;
  out.partitions = consumer.assigned(assignment.topic);
  run_into(consumer, options, out);
  return out;
}

// The whole topic from the earliest offsets to the end offsets at assignment.
inline client::Assignment whole_topic(const std::string& topic) {
  client::Assignment a;
  a.topic = topic;
  a.start = client::StartOffset::earliest();
  a.stop_at_end = true;
  return a;
}

// Records per partition, in delivery order.
inline std::map<int32_t, std::vector<const SeenRecord*>> by_partition(const std::vector<SeenRecord>& records) {
  std::map<int32_t, std::vector<const SeenRecord*>> out;
  for (const SeenRecord& r : records) out[r.partition].push_back(&r);
  return out;
}

// Every assigned partition delivered exactly the offsets [start_offset, end_offset), in order,
// and no partition that was not assigned.
inline void check_dense_offsets(const ReadOutcome& read) {
  auto parts = by_partition(read.records);
  for (const client::AssignedPartition& a : read.partitions) {
    CAPTURE(a.partition);
    const auto& seen = parts[a.partition];
    REQUIRE(int64_t(seen.size()) == a.end_offset - a.start_offset);
    int64_t expected = a.start_offset;
    int64_t misplaced = 0;
    for (const SeenRecord* r : seen) misplaced += r->offset != expected++;
    CHECK(misplaced == 0);
  }
  std::set<int32_t> assigned;
  for (const client::AssignedPartition& a : read.partitions) assigned.insert(a.partition);
  for (const auto& [partition, seen] : parts) {
    CAPTURE(partition);
    CHECK(assigned.count(partition) == 1);
  }
}

// What a read must always have: assigned, ran, no record or batch errors.
inline void check_read_ok(const ReadOutcome& read) {
  INFO("assign: " << read.assigned.error << " / run: " << read.ran.error << " / last error: " << read.stats.last_error);
  INFO("first record error: " << (read.errors.empty() ? std::string("none") : read.errors.front()));
  REQUIRE(read.assigned.ok);
  REQUIRE(read.ran.ok);
  CHECK(read.errors.empty());
  CHECK(read.stats.corrupt_batches == 0);
  CHECK(read.stats.undecodable_batches == 0);
}

inline void create_test_topic(const std::string& topic, int partitions, const std::string& servers = bootstrap(),
                              int16_t replication_factor = 1) {
  client::AdminResult r = client::create_topic(client::parse_endpoints(servers), topic, partitions, replication_factor,
                                               std::chrono::seconds(60));
  INFO(r.message);
  REQUIRE(r.ok());
}

// Writes `lines` to a temporary file (one per line) and returns its path.
inline std::string write_lines(const std::string& name, const std::vector<std::string>& lines) {
  std::string path = "/tmp/" + name + ".lines";
  std::ofstream out(path);
  for (const std::string& l : lines) out << l << '\n';
  return path;
}

// Produces "key:value" lines with kcat (librdkafka), acks=all; `extra`: more kcat flags.
inline void kcat_produce(const std::string& topic, const std::vector<std::string>& key_value_lines,
                         const std::string& extra = "", const std::string& servers = bootstrap()) {
  const std::string path = write_lines(topic, key_value_lines);
  auto r = run_command("kcat -b " + shell_quote(servers) + " -m 60 -P -t " + shell_quote(topic) +
                           " -K: -X acks=all -X linger.ms=50 " + extra + " -l " + shell_quote(path),
                       true);
  std::remove(path.c_str());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

inline std::string rawproduce() { return shell_quote(binary_dir() + "/tools/rawproduce"); }

inline std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// rawproduce --verify into `topic` (created with `partitions` if missing); `props`: more
// --producer-props. Returns after its own read-back found every record once.
inline void rawproduce_verified(const std::string& topic, long records, int partitions, const std::string& props,
                                const std::string& more_flags = "", const std::string& servers = bootstrap(),
                                int replication_factor = 1) {
  auto r = run_command(rawproduce() + " --bootstrap-server " + shell_quote(servers) + " --topic " + topic +
                       " --num-records " + std::to_string(records) + " --partitions " + std::to_string(partitions) +
                       " --replication-factor " + std::to_string(replication_factor) + " --verify --json " +
                       more_flags + " --producer-props " + props);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string json = last_line(r.output);
  REQUIRE(json_number(json, "records_sent") == double(records));
  REQUIRE(json.find("\"verify\":{\"ok\":true") != std::string::npos);
}

// Each sequence 0..n-1 exactly once among `records`.
inline void check_sequences_once(const std::vector<SeenRecord>& records, int64_t n) {
  std::vector<uint8_t> seen(size_t(n), 0);
  int64_t missing_header = 0, out_of_range = 0, duplicates = 0;
  for (const SeenRecord& r : records) {
    if (r.seq < 0) {
      ++missing_header;
    } else if (r.seq >= n) {
      ++out_of_range;
    } else if (seen[size_t(r.seq)]++) {
      ++duplicates;
    }
  }
  CHECK(missing_header == 0);
  CHECK(out_of_range == 0);
  CHECK(duplicates == 0);
  CHECK(std::count(seen.begin(), seen.end(), uint8_t(0)) == 0);
}

}  // namespace rawkafka::testing
