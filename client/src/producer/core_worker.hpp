#pragma once
// One core of the producer: a pinned thread with its own reactor that owns a disjoint set of
// partitions (a PartitionQueue each), its buffer pool and its own connection to each broker
// (a BrokerSink each). The decisions live in those two; this class keeps the loop, the rings
// application threads fill, the reactor callbacks, and carries out what the state machines
// decide: send, complete, fail, refresh metadata (a request on this core's own connections),
// bump the idempotent epoch. Nothing here is shared with other cores except through atomics
// (counters, ring positions) and ClusterMetadata's short-held lock.

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <random>
#include <unordered_map>
#include <vector>

#include "batch.hpp"
#include "batch_policy.hpp"
#include "broker_sink.hpp"
#include "buffer_pool.hpp"
#include "fast_clock.hpp"
#include "partition_queue.hpp"
#include "producer_shared.hpp"
#include "rawkafka/client/histogram.hpp"
#include "rawkafka/client/partitioner.hpp"
#include "rawkafka/client/producer.hpp"
#include "rawkafka/client/sasl.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/codec.hpp"
#include "rawkafka/protocol/messages/produce.hpp"
#include "rawkafka/protocol/record_batch.hpp"
#include "record_entry.hpp"

namespace rawkafka::client::detail {

struct CoreTopic {
  std::string name;
  uint32_t index = 0;
  uint32_t hash = 0;
  protocol::Uuid id;
  int32_t partition_count = -1;
  std::vector<std::unique_ptr<PartitionQueue>> partitions;  // null where another core owns it
  std::vector<int32_t> owned;
  StickyPartitioner sticky;
  RoundRobinPartitioner round_robin;
};

// Whether two topic names are equal, inline and without a call for the short names topics
// usually have (compares every byte; a name's storage may be reused for another name).
inline bool same_name(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  auto load8 = [](const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; };
  auto load4 = [](const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; };
  if (n >= 8) {
    if (n > 16) return std::memcmp(x, y, n) == 0;
    // Two overlapping 8-byte words cover 8..16 bytes.
    return load8(x) == load8(y) && load8(x + n - 8) == load8(y + n - 8);
  }
  if (n >= 4) return load4(x) == load4(y) && load4(x + n - 4) == load4(y + n - 4);
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

class CoreWorker final : public CoreProducer, private io::ConnectionHandler {
 public:
  CoreWorker(ProducerShared& shared, unsigned index);
  ~CoreWorker() override;

  void start();          // launches the thread; returns once its reactor exists
  void stop_and_join();  // after close: ends the loop; the reactor is destroyed on its thread
  std::string start_error() const { return start_error_; }

  // Runs `body` on this core's thread (from run_on_cores); `done` is called after it returns.
  void post_body(std::function<void(CoreProducer&)>* body, std::function<void()> done);
  void wake();
  // A ring another thread fills for this core (see ring_handoff.hpp).
  void attach_ring(unsigned slot, SpscByteRing* ring) {
    ring_slots_[slot].store(ring, std::memory_order_release);
  }

  // CoreProducer
  ProduceStatus produce(const OutgoingRecord& record, uint64_t user_token) override;
  ProduceManyResult produce_many(std::span<const OutgoingRecord> records,
                                 std::span<const uint64_t> user_tokens) override;
  void poll() override { pump(Duration::zero()); }
  void poll_for(std::chrono::nanoseconds max_wait) override { pump(std::max(max_wait, Duration::zero())); }
  unsigned core_index() const override { return index_; }
  bool stopping() const override { return shared_.stop_requested.load(std::memory_order_relaxed); }
  int32_t partition_count(std::string_view topic) override;

  // Counters any thread may read.
  struct Counters {
    std::atomic<uint64_t> enqueued{0}, acked{0}, failed{0}, possibly_persisted{0}, bytes_acked{0},
        batches_acked{0}, requests{0}, retries{0}, reauthentications{0};
  };
  const Counters& counters() const { return counters_; }
  void merge_latency(LatencyHistogram& into) const;
  std::string last_error() const;
  io::Backend backend() const { return backend_; }
  // This core's thread: every record handed to it through rings has been taken in.
  bool rings_drained() const;
  // Any thread: the same, as far as the core has released what it took (Producer::flush).
  bool rings_released() const;
  std::atomic<bool>& sleeping() { return sleeping_; }

 private:
  // ---- loop (core_worker.cpp) ----
  void run();
  void pump(Duration max_wait);
  Duration time_to_next_event(Instant now, Duration max_wait) const;
  void drain_rings();
  void close_lingering(Instant now);
  void check_timeouts(Instant now);
  void abort_everything(LocalError why, const char* reason);

  // ---- records (core_records.cpp) ----
  CoreTopic* topic_by_name(std::string_view name, bool wait);
  CoreTopic* topic_by_index(uint32_t index);
  void load_topic(CoreTopic& t);
  void reload_metadata();
  int32_t choose_partition(CoreTopic& t, const std::optional<protocol::Bytes>& key);
  // produce() for a record given at `called` (this core's clock), its wall time `called_ms`;
  // waits for memory until `block_deadline_ns`.
  ProduceStatus produce_at(const OutgoingRecord& r, uint64_t token, int64_t called, int64_t called_ms,
                           int64_t block_deadline_ns);
  ProduceStatus append(CoreTopic& t, int32_t partition, int64_t timestamp_ms,
                       const std::optional<protocol::Bytes>& key,
                       const std::optional<protocol::Bytes>& value,
                       std::span<const protocol::RecordHeader> headers, uint64_t token,
                       int64_t enqueue_ns);
  // append() for records taken from rings (append itself is inlined where records are produced).
  ProduceStatus append_taken(CoreTopic& t, int32_t partition, int64_t timestamp_ms,
                             const std::optional<protocol::Bytes>& key,
                             const std::optional<protocol::Bytes>& value,
                             std::span<const protocol::RecordHeader> headers, uint64_t token,
                             int64_t enqueue_ns);
  ProduceStatus forward(const OutgoingRecord& r, CoreTopic& t, int32_t partition, unsigned owner,
                        uint64_t token, int64_t enqueue_ns, int64_t timestamp_ms);
  Batch* open_batch(PartitionQueue& q, size_t first_record_size, int64_t timestamp_ms);
  void close_batch(Batch* b);
  bool finish_batch(Batch* b, std::string& error);
  void note_ready(PartitionQueue& q);
  Batch* new_batch_object();
  void release_batch(Batch* b);

  // ---- sending (core_sending.cpp) ----
  BrokerSink& sink_for(int32_t node);
  bool connect_sink(BrokerSink& s, Instant now);
  void assign_leader(PartitionQueue& q, int32_t leader, int32_t epoch);
  void send_ready(Instant now);
  void send_produce(BrokerSink& s, std::span<Batch* const> batches, Instant now);
  void request_metadata(Instant when);
  void maybe_refresh_metadata(Instant now);
  bool send_metadata_request(Instant now);
  void maybe_bump_epoch(Instant now);
  InFlightRequest* new_request(RequestKind kind);
  void free_request(InFlightRequest* r);
  void send_frame(BrokerSink& s, InFlightRequest* req, Instant now);
  // SASL on a new connection (KIP-152): SaslHandshake, then SaslAuthenticate until the
  // mechanism is done; the sink is ready only then. A refusal closes the connection with a
  // sentence naming the user, the broker and the mechanism.
  void start_authentication(BrokerSink& s, Instant now);
  void maybe_reauthenticate(Instant now);
  void handle_sasl_handshake_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r);
  void handle_sasl_authenticate_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r);
  void send_sasl_message(BrokerSink& s, const std::string& message, Instant now);
  void fail_authentication(BrokerSink& s, const std::string& why);
  template <class Request>
  void send_control(BrokerSink& s, RequestKind kind, int16_t version, const Request& request, Instant now);

  // ---- answers and outcomes (core_outcomes.cpp) ----
  void on_connected(io::ConnectionId id) override;
  void on_frame(io::ConnectionId id, std::span<const uint8_t> frame) override;
  void on_sent(io::ConnectionId id, uint64_t token) override;
  void on_closed(io::ConnectionId id, const io::IoError& error) override;
  void handle_answer(BrokerSink& s, InFlightRequest& req, std::span<const uint8_t> frame);
  void handle_produce_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r);
  void handle_metadata_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r);
  void handle_init_producer_id_response(BrokerSink& s, InFlightRequest& req, protocol::Reader& r);
  void settle_unanswered(InFlightRequest& req, Instant now);
  void carry_out(Batch* b, const Decision& d, int64_t base_offset, std::string_view reason, Instant now);
  // How a batch (or a record refused before it joined one) ended, for report().
  struct Outcome {
    int64_t base_offset = -1;
    const BatchFailure* failure = nullptr;  // null: acknowledged
    std::string_view reason;
  };
  void report(const CoreTopic& t, int32_t partition, std::span<const EnqueueRun> enqueued,
              std::span<const uint64_t> tokens, uint64_t payload_bytes, const Outcome& o, Instant now);
  void complete_batch(Batch* b, int64_t base_offset, Instant now);
  void fail_batch(Batch* b, const BatchFailure& f, std::string_view reason, Instant now);
  void report_failure(Batch* b, const BatchFailure& f, std::string_view reason, Instant now);
  void fail_record_now(CoreTopic& t, int32_t partition, LocalError why, std::string_view reason,
                       uint64_t token, int64_t enqueue_ns, uint64_t payload_bytes);
  void enter_fatal(std::string_view reason);
  void set_last_error(std::string_view error);
  void close_connection(BrokerSink& s, std::string why);
  int64_t wall_ms(int64_t now_ns) const { return (now_ns + wall_offset_ns_) / 1000000; }

  static void bump(std::atomic<uint64_t>& counter, uint64_t by = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  ProducerShared& shared_;
  const ProducerConfig& config_;
  const unsigned index_;
  const unsigned cores_;
  const QueuePolicy queue_policy_;
  SinkPolicy sink_policy_;
  std::thread thread_;
  std::unique_ptr<io::Reactor> reactor_;
  std::mutex wake_mutex_;  // wake() from other threads against the reactor's destruction
  io::Backend backend_ = io::Backend::automatic;
  std::string start_error_;
  std::atomic<bool> shutdown_{false};
  std::atomic<bool> sleeping_{false};

  // Work posted from other threads.
  std::mutex post_mutex_;
  std::function<void(CoreProducer&)>* body_ = nullptr;
  std::function<void()> body_done_;
  std::atomic<bool> body_pending_{false};

  std::array<std::atomic<SpscByteRing*>, kMaxRingSources> ring_slots_{};

  // Topics, partitions, batches.
  std::vector<std::unique_ptr<CoreTopic>> topics_;  // by topic index; null until used
  CoreTopic* last_topic_ = nullptr;
  std::vector<PartitionQueue*> ready_;  // partitions with queued batches
  Batch* linger_head_ = nullptr;
  Batch* linger_tail_ = nullptr;
  std::vector<std::unique_ptr<Batch>> batch_free_;
  std::vector<Batch*> batch_scratch_;
  std::unique_ptr<BufferPool> pool_;             // made on first use: an idle core holds none
  std::unique_ptr<BufferPool> compressed_pool_;
  std::unique_ptr<protocol::Codec> codec_;
  FastClock clock_;
  Instant next_recalibration_{};
  int64_t wall_offset_ns_ = 0;
  Duration linger_{};
  Duration delivery_timeout_{};
  Duration request_timeout_{};
  Instant next_timeout_check_{};
  uint32_t produced_since_pump_ = 0;
  size_t queued_bytes_ = 0;  // finished batches waiting in partition queues (not in flight)
  size_t queue_limit() const;
  bool ring_blocked_ = false;  // drain_rings left entries behind: buffer.memory is used up

  // Idempotence: this core's own producer id and epoch (so an epoch bump is this core's
  // business alone), and a bump in progress (KIP-360).
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  bool bump_wanted_ = false;
  bool bump_in_flight_ = false;
  bool fatal_ = false;
  std::string fatal_reason_;

  // Metadata, fetched on this core's own connections.
  uint64_t metadata_generation_ = 0;
  std::optional<Instant> metadata_due_;
  bool metadata_in_flight_ = false;
  Duration metadata_backoff_{};
  size_t next_bootstrap_ = 0;
  std::vector<std::string> wanted_topics_;  // names to ask for beside the known ones

  // Connections: node ids from metadata; bootstrap addresses as -1000 - i.
  std::unordered_map<int32_t, std::unique_ptr<BrokerSink>> sinks_;
  std::unordered_map<io::ConnectionId, BrokerSink*> by_connection_;
  std::unordered_map<int32_t, std::unique_ptr<SaslExchange>> sasl_;  // by node, while authenticating
  std::minstd_rand reauth_random_{std::random_device{}()};           // KIP-368 renewal jitter
  Instant next_reauthentication_ = Instant::max();                    // the earliest sink's renewal
  std::vector<std::unique_ptr<InFlightRequest>> request_free_;
  std::vector<InFlightRequest*> closed_scratch_;
  protocol::ProduceRequest request_;
  protocol::ProduceResponse response_;
  std::vector<Batch*> drain_out_;
  std::vector<protocol::RecordHeader> header_scratch_;

  Counters counters_;
  mutable std::mutex stats_mutex_;  // guards latency_ and last_error_ against stats()
  LatencyHistogram latency_;
  std::string last_error_;
};

}  // namespace rawkafka::client::detail
