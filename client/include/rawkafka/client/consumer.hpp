#pragma once
// A consumer for assigned partitions (no consumer group yet): one pinned core thread per core,
// each owning a shard of the partitions (partition i goes to core i mod threads, as the
// producer shards), each keeping one connection per leader it fetches from with a fetch
// session (KIP-227) on it.
//
// Each core pipelines: when a Fetch response arrives it walks the batch headers to learn the
// next offsets and sends the next Fetch before it parses the records, so the broker prepares
// the next answer while the core hands this one out. Records reach the core's handler as views
// into the response (or into the decompressed buffer): no copy per record.
//
// Leader changes (NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, a broker that goes away)
// refresh the metadata and move the partition to its new leader; the current leader epoch is
// sent with every partition so a stale leader fences us (KIP-320). OFFSET_OUT_OF_RANGE follows
// auto.offset.reset. A batch whose CRC fails or whose payload does not decompress is reported
// to the handler with topic, partition and offset, counted, and skipped: never a crash.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rawkafka/client/config.hpp"
#include "rawkafka/client/security.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/codec.hpp"
#include "rawkafka/protocol/record_batch.hpp"

namespace rawkafka::client {

// isolation.level
enum class IsolationLevel : int8_t { read_uncommitted = 0, read_committed = 1 };
std::string_view to_string(IsolationLevel level);
// auto.offset.reset: where a partition whose position is out of range starts again.
enum class OffsetReset : uint8_t { earliest, latest, none };
std::string_view to_string(OffsetReset reset);

// What the consumer hands out (ours, `delivery`):
//  - records: every record, decompressed and parsed (on_batch then on_record for each);
//  - batches: batch headers only (on_batch), nothing decompressed: the fetch path's ceiling.
enum class Delivery : uint8_t { records, batches };

struct ConsumerConfig {
  // ---- Kafka consumer properties (Java defaults, Kafka 4.x ConsumerConfig) ----
  std::string bootstrap_servers;                       // bootstrap.servers (required)
  std::string client_id = "rawkafka";                  // client.id
  int32_t fetch_min_bytes = 1;                         // fetch.min.bytes
  int32_t fetch_max_bytes = 52428800;                  // fetch.max.bytes
  int32_t max_partition_fetch_bytes = 1048576;         // max.partition.fetch.bytes
  int32_t fetch_max_wait_ms = 500;                     // fetch.max.wait.ms
  IsolationLevel isolation_level = IsolationLevel::read_uncommitted;  // isolation.level
  bool check_crcs = true;                              // check.crcs
  OffsetReset auto_offset_reset = OffsetReset::latest; // auto.offset.reset
  int32_t request_timeout_ms = 30000;                  // request.timeout.ms
  int64_t retry_backoff_ms = 100;                      // retry.backoff.ms
  int64_t reconnect_backoff_ms = 50;                   // reconnect.backoff.ms
  int64_t reconnect_backoff_max_ms = 1000;             // reconnect.backoff.max.ms
  int64_t socket_connection_setup_timeout_ms = 10000;  // socket.connection.setup.timeout.ms
  int64_t metadata_max_age_ms = 300000;                // metadata.max.age.ms
  // SO_RCVBUF of the connections; -1 (or 0): the kernel's autotuning (Java's default: 65536).
  int32_t receive_buffer_bytes = -1;                   // receive.buffer.bytes
  std::string client_rack;                             // client.rack (FetchRequest.rack_id)

  // ---- ours ----
  unsigned threads = 1;                 // threads: core threads
  std::vector<int> cores;               // cores: "0,2,4-7"; empty = 0..threads-1
  io::Backend backend = io::Backend::automatic;  // backend: auto | uring | asio
  Delivery delivery = Delivery::records;         // delivery: records | batches
  bool fetch_sessions = true;           // fetch.sessions: incremental fetches (KIP-227)
  // connections.per.broker: connections each core thread keeps to each leader, its partitions
  // split between them, each with a Fetch in flight and a session of its own: the broker
  // prepares one answer while it sends another.
  unsigned connections_per_broker = 1;
  // io.multishot.receive: io_uring multishot receive into provided buffers for the fetch
  // connections (see io::ReactorOptions::multishot_receive; ignored by Asio and by kernels
  // without it). On by default: reading 20M records of 100 B in 8 MiB fetches it gave +15%
  // records/s in parse mode at 2-7% less CPU per record, and +15% in raw mode at 5% more
  // (4 interleaved runs each; the figures are in the README).
  bool multishot_receive = true;
  SecurityConfig security;              // security.protocol, sasl.*, ssl.*

  // Builds a config from key=value pairs (later pairs win); unknown keys and bad values throw
  // ConfigError with a sentence, e.g. "unknown consumer property 'fetch.max.byte'". Producer-
  // or group-only properties that a perf tool's config file carries (group.id, key.deserializer,
  // enable.auto.commit, ...) are accepted and ignored, as Java's tools do.
  static ConsumerConfig from_properties(const std::vector<std::pair<std::string, std::string>>& properties,
                                        unsigned cpus = machine_cpus());
  void validate(unsigned cpus = machine_cpus()) const;
  std::vector<io::Endpoint> bootstrap_endpoints() const;
  int core_for_thread(unsigned thread_index) const {
    return thread_index < cores.size() ? cores[thread_index] : int(thread_index);
  }
  std::vector<std::pair<std::string, std::string>> to_properties() const;
};

// Where a partition starts.
struct StartOffset {
  enum class Kind : uint8_t { earliest, latest, offset, timestamp };
  Kind kind = Kind::earliest;
  int64_t value = 0;  // the offset, or the timestamp in ms (the first record at or after it)
  static StartOffset earliest() { return {Kind::earliest, 0}; }
  static StartOffset latest() { return {Kind::latest, 0}; }
  static StartOffset at(int64_t offset) { return {Kind::offset, offset}; }
  static StartOffset at_time(int64_t timestamp_ms) { return {Kind::timestamp, timestamp_ms}; }
};

struct Assignment {
  std::string topic;
  std::vector<int32_t> partitions;  // empty: every partition of the topic
  StartOffset start = StartOffset::earliest();
  // Stop each partition at the high watermark it had when assigned (read what is there, then
  // finish); otherwise read until stop() or run()'s record limit.
  bool stop_at_end = false;
};

// One assigned partition as resolved by assign().
struct AssignedPartition {
  int32_t partition = 0;
  int64_t start_offset = 0;  // where reading starts
  int64_t end_offset = 0;    // stop_at_end: the high watermark when assigned; else INT64_MAX
  int32_t core = 0;          // the core thread that reads it
};

// One batch as fetched. `bytes` is the batch on the wire (header included).
struct BatchInfo {
  std::string_view topic;
  int32_t partition = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int32_t record_count = 0;  // records of it that are delivered (fewer at the start or end)
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int32_t leader_epoch = -1;
  protocol::CompressionType compression = protocol::CompressionType::none;
  bool transactional = false;
  uint32_t bytes = 0;
};

// One record. `record`'s key, value and headers are views valid only during the callback;
// headers are read with protocol::RecordHeaderIterator(record.record).
struct PartitionRecord {
  std::string_view topic;
  int32_t partition = 0;
  const protocol::RecordView& record;
};

enum class ConsumeErrorKind : uint8_t {
  corrupt_batch,       // CRC mismatch or a malformed batch: skipped
  undecodable_batch,   // compressed payload or records that do not decode: skipped
  offset_out_of_range, // with auto.offset.reset=none: the partition stops
  partition_failed,    // a non-retriable broker error for the partition: it stops
};

struct ConsumeError {
  ConsumeErrorKind kind = ConsumeErrorKind::corrupt_batch;
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;   // the batch's base offset, or the position
  std::string message;  // a sentence naming topic, partition and offset
};

// Called on the core thread that owns the partition; one handler per core, so a handler needs
// no locks. The views in each argument are valid only during the call.
class ConsumerHandler {
 public:
  virtual ~ConsumerHandler() = default;
  virtual void on_batch(const BatchInfo& /*batch*/) {}
  virtual void on_record(const PartitionRecord& /*record*/) {}
  virtual void on_error(const ConsumeError& /*error*/) {}
};

// Counters summed over the core threads; stats() may be read from any thread while running.
struct ConsumerStats {
  uint64_t records = 0;          // delivered
  uint64_t record_bytes = 0;     // key + value bytes of delivered records (records delivery)
  uint64_t batch_bytes = 0;      // batch bytes delivered (as on the wire)
  uint64_t batches = 0;
  uint64_t fetches = 0;          // Fetch responses handled
  uint64_t incremental_fetches = 0;  // Fetch requests sent in an open session (KIP-227)
  uint64_t empty_fetches = 0;    // ... that carried no records
  uint64_t fetch_bytes = 0;      // response frame bytes
  uint64_t corrupt_batches = 0;  // CRC or framing errors (skipped)
  uint64_t undecodable_batches = 0;
  uint64_t leader_changes = 0;   // partitions moved to a new leader
  uint64_t offset_resets = 0;    // auto.offset.reset applied
  uint64_t session_resets = 0;   // fetch sessions the broker forgot (FETCH_SESSION_ID_NOT_FOUND, ...)
  uint64_t reconnects = 0;
  uint64_t log_truncations = 0;  // KIP-320: positions moved back after a diverging epoch
  int fetch_version = -1;        // Fetch version in use (the highest both sides speak)
  std::string backend;           // io backend of the core threads
  std::string security;          // security.protocol and the SASL mechanism
  std::string last_error;        // the latest failure a core met (it may have recovered since)
};

struct ConsumeResult {
  bool ok = true;
  std::string error;  // the sentence when not ok
  static ConsumeResult failure(std::string message) { return {false, std::move(message)}; }
};

class Consumer {
 public:
  // Throws ConfigError on a bad config (or unreadable TLS files).
  explicit Consumer(ConsumerConfig config);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Resolves an assignment: metadata, the partitions (a partition the topic lacks is an
  // error), start and end offsets (ListOffsets). Fails with a sentence for an unreachable
  // broker, an unknown topic, a partition out of range, or a start offset out of range with
  // auto.offset.reset=none. May be called more than once before run() (several topics).
  ConsumeResult assign(const Assignment& assignment, std::chrono::milliseconds timeout);
  const std::vector<AssignedPartition>& assigned(std::string_view topic) const;

  struct RunOptions {
    uint64_t max_records = 0;  // stop after this many records in total (0: no limit)
    // Stop when no record arrived for this long (0: never); kafka-consumer-perf-test's
    // --timeout.
    std::chrono::milliseconds idle_timeout{0};
  };
  // Runs the core threads, calling make_handler(core_index) once on each core thread before
  // it fetches, until stop(), max_records, idle_timeout, or (stop_at_end) every partition
  // reached its end. Returns not ok when a core could not reach any leader for
  // request.timeout.ms, or every partition stopped with an error.
  ConsumeResult run(const std::function<std::unique_ptr<ConsumerHandler>(unsigned core)>& make_handler,
                    const RunOptions& options);
  ConsumeResult run(const std::function<std::unique_ptr<ConsumerHandler>(unsigned core)>& make_handler) {
    return run(make_handler, RunOptions{});
  }
  // Thread-safe (also from a signal handler: it only stores a flag): the cores stop after what
  // they hold. It stays in force: a run() after it returns at once.
  void stop();
  bool idle_timed_out() const;  // run() ended because of idle_timeout

  ConsumerStats stats() const;
  const ConsumerConfig& config() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rawkafka::client
