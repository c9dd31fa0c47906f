#pragma once
// The producer: takes records from any thread, batches them per partition on the core that owns
// the partition, and ships RecordBatch v2 frames to partition leaders over each core's reactor.
//
// Threading model (thread per core):
//  - `threads` core threads, each pinned to one CPU where possible, each with its own
//    io::Reactor, its own connections, its own partitions' open batches and buffer pool.
//  - Producer::produce() may be called from any thread: the record is copied into a ring owned
//    by (calling thread, owning core) and the core appends it to its batch. No lock is shared.
//  - Producer::run_on_cores() runs a body on every core thread; CoreProducer::produce() there
//    appends straight into that core's batches (the fast path tools/rawproduce uses).
//
// Errors are values on the hot path (ProduceStatus, DeliveryReport::error_code); exceptions only
// at construction (ProducerError) and for invalid configuration.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "rawkafka/client/config.hpp"
#include "rawkafka/client/histogram.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/record_batch.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::client {

// Thrown by the constructor when no bootstrap broker answers (the message names the addresses
// tried and why each failed) or when the configuration cannot work.
class ProducerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One record to send. The producer copies the bytes before produce() returns.
struct OutgoingRecord {
  std::string_view topic;
  int32_t partition = -1;  // -1: chosen by the partitioner (murmur2 of the key, else sticky)
  std::optional<protocol::Bytes> key;
  std::optional<protocol::Bytes> value;
  std::span<const protocol::RecordHeader> headers = {};
  int64_t timestamp_ms = -1;  // -1: now
  // When the record was due to be sent (std::chrono::steady_clock, nanoseconds since its
  // epoch): its latency is measured from then, so a paced workload that falls behind is not
  // flattered (no coordinated omission). -1: the time of the produce() call.
  int64_t due_ns = -1;
};

// Whether a record is in the topic, as librdkafka's rd_kafka_msg_status_t says it: a record
// that may have landed is never reported as lost.
enum class DeliveryStatus : uint8_t {
  persisted,           // acknowledged by the broker (acks=0: written to the socket)
  not_persisted,       // never sent, or refused by the broker: not in the topic
  possibly_persisted,  // sent but never answered (timeout, connection lost, closed): may be there
};
std::string_view to_string(DeliveryStatus status);

// Why the producer itself gave up on a record (error_code -1 in a report); none when the
// broker's error code says it.
enum class LocalError : uint8_t {
  none,
  timed_out,          // delivery.timeout.ms passed
  retries_exhausted,  // `retries` attempts failed
  too_large,          // larger than max.request.size (or the batch could not be built)
  closed,             // the producer closed before the record was delivered
  unknown_topic,      // the topic or partition is not in the cluster's metadata
  fatal_idempotence,  // the idempotent state cannot be recovered (e.g. the producer was fenced)
  bad_response,       // the broker's answer did not decode or did not mention the partition
};
std::string_view to_string(LocalError error);

// The outcome of one record, given to the delivery callback.
struct DeliveryReport {
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;      // the record's offset; -1 when unknown (acks=0) or failed
  int16_t error_code = 0;   // 0 on success; a broker error code, or -1 for a local failure
  std::string_view error;   // empty on success; "NAME: message" or a local reason
  int64_t latency_ns = 0;   // produce() to acknowledgement (or failure)
  uint64_t user_token = 0;  // as given to produce()
  DeliveryStatus status = DeliveryStatus::persisted;
  LocalError local_error = LocalError::none;
};

// Runs on a core thread; keep it short (it delays that core's I/O).
using DeliveryCallback = std::function<void(const DeliveryReport&)>;

// The outcome of one batch of records (or of one record refused before it joined a batch),
// for callers that count deliveries rather than follow each record: one call per batch.
struct BatchDeliveryReport {
  std::string_view topic;
  int32_t partition = -1;
  int64_t base_offset = -1;    // offset of the first record; -1 when unknown or failed
  uint32_t record_count = 0;
  uint64_t payload_bytes = 0;  // key and value bytes of its records, as produced (not encoded)
  int16_t error_code = 0;      // as in DeliveryReport
  std::string_view error;
  uint64_t latency_sum_ns = 0;  // over its records, produce() to acknowledgement (or failure)
  uint64_t latency_max_ns = 0;
  DeliveryStatus status = DeliveryStatus::persisted;  // as in DeliveryReport, for every record
  LocalError local_error = LocalError::none;
};

// Runs on a core thread, once per batch; keep it short.
using BatchDeliveryCallback = std::function<void(const BatchDeliveryReport&)>;

enum class [[nodiscard]] ProduceStatus : uint8_t {
  queued,            // accepted; its outcome will be counted (and reported to the callback)
  buffer_full,       // buffer.memory is used up, or the batches waiting to be sent already
                     // fill two max.request.size requests per broker, and buffer.full.policy=fail
                     // (or max.block.ms passed, or request_stop()/close() ended the wait)
  record_too_large,  // the encoded record exceeds max.request.size
  unknown_topic,     // not in metadata after waiting max.block.ms, or partition out of range
  closed,            // close() was called (or is under way)
};
std::string_view to_string(ProduceStatus status);

// What CoreProducer::produce_many did: `queued` records were accepted, in order; `status` is
// the first one's that was not (queued when all were).
struct [[nodiscard]] ProduceManyResult {
  size_t queued = 0;
  ProduceStatus status = ProduceStatus::queued;
};

struct ProducerStats {
  uint64_t records_enqueued = 0;  // accepted by produce()
  uint64_t records_acked = 0;     // acknowledged by the broker (acks=0: written to the socket)
  uint64_t records_failed = 0;    // failed for good (error reported)
  uint64_t records_possibly_persisted = 0;  // of records_failed: sent, never answered
  uint64_t bytes_acked = 0;       // encoded batch bytes (after compression) acknowledged
  uint64_t batches_acked = 0;
  uint64_t requests_sent = 0;     // Produce requests written
  uint64_t retries = 0;           // batches sent again after a retriable error
  uint64_t reauthentications = 0;  // SASL sessions renewed on a live connection (KIP-368)
  LatencySnapshot latency;        // produce() to acknowledgement, nanoseconds
  io::Backend backend = io::Backend::automatic;  // what the reactors actually run on
  // security.protocol, the SASL mechanism and what TLS negotiated, e.g.
  // "SASL_SSL, SCRAM-SHA-512, TLSv1.3 TLS_AES_256_GCM_SHA384"; "PLAINTEXT" without security.
  std::string security;
  int16_t produce_version = -1;   // negotiated Produce version
  unsigned threads = 0;
  std::string last_error;         // the most recent failure reason, empty if none
};

// The producer as seen from inside one core thread (see Producer::run_on_cores).
// Not thread-safe: use it only on the core thread that handed it to you.
class CoreProducer {
 public:
  virtual ~CoreProducer() = default;
  // Appends the record to the batch of its partition on this core. A record whose partition
  // belongs to another core is handed over through that core's ring. Polls this core's
  // reactor as batches become ready, and waits here (running I/O) while buffer.memory is
  // used up, unless buffer.full.policy=fail.
  virtual ProduceStatus produce(const OutgoingRecord& record, uint64_t user_token = 0) = 0;
  // produce() for several records given at one instant: one clock reading stamps them all
  // (their latency starts then, their timestamp, when -1, is then), which on this path costs
  // more than the rest of a small record's work. `user_tokens` is empty or holds one token per
  // record. Stops at the first record not queued; waiting for memory takes max.block.ms at most
  // over the whole call.
  virtual ProduceManyResult produce_many(std::span<const OutgoingRecord> records,
                                         std::span<const uint64_t> user_tokens = {}) = 0;
  // Runs this core's pending I/O and timers without blocking; call it when idle.
  virtual void poll() = 0;
  // Like poll(), but sleeps in the reactor for up to max_wait when nothing is due, waking early
  // for I/O, lingering batches and retries. For paced workloads: no busy waiting.
  virtual void poll_for(std::chrono::nanoseconds max_wait) = 0;
  // 0 .. threads-1.
  virtual unsigned core_index() const = 0;
  // Set once close() or request_stop() asks workloads to stop; bodies should return.
  virtual bool stopping() const = 0;
  // Partitions of `topic` (-1 when unknown). Unkeyed records with partition -1 stick to
  // partitions this core owns, so they never cross cores.
  virtual int32_t partition_count(std::string_view topic) = 0;
};

class Producer {
 public:
  // Connects to bootstrap.servers (each address in turn), negotiates API versions, reads
  // metadata, obtains a producer id when idempotent, and starts the core threads.
  // Throws ProducerError naming the addresses if no broker answers within request.timeout.ms.
  explicit Producer(ProducerConfig config);
  // close(delivery.timeout.ms).
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Any thread. Copies the record and hands it to the core that owns its partition.
  ProduceStatus produce(const OutgoingRecord& record, uint64_t user_token = 0);

  // Runs `body` once on each core thread, concurrently, and returns when every body has
  // returned. Records produced there go straight into that core's batches.
  void run_on_cores(std::function<void(CoreProducer&)> body);

  // Waits until everything produced so far is acknowledged or failed; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  // Asks run_on_cores bodies to stop (CoreProducer::stopping()); async-signal-safe.
  void request_stop() noexcept;
  // Delivers or fails everything held within `timeout` (unsent records then fail with
  // "delivery timed out" / "producer closed"), and stops the core threads. Idempotent.
  void close(std::chrono::milliseconds timeout);

  // Thread-safe snapshot; per-core counters and histograms summed.
  ProducerStats stats() const;
  // Optional; set before producing. Runs on core threads.
  void set_delivery_callback(DeliveryCallback callback);
  // Optional; set before producing. One call per acknowledged or failed batch (either or both
  // callbacks may be set). Per-record latencies still go into stats().latency.
  void set_batch_delivery_callback(BatchDeliveryCallback callback);
  // From metadata; -1 for a topic the cluster does not have. May fetch metadata (blocking).
  int32_t partition_count(std::string_view topic);

  const ProducerConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rawkafka::client
