#pragma once
// One core of the producer: a pinned thread with its own reactor that owns a disjoint set of
// partitions, their open batches, its buffer pool and its own connection to each leader.
// Records reach it directly (CoreProducer::produce on this thread) or through the SPSC rings
// application threads fill. Nothing here is shared with other cores except through atomics
// (counters, ring positions) and ClusterMetadata.

#include <algorithm>
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
#include <unordered_map>
#include <vector>

#include "batch_policy.hpp"
#include "buffer_pool.hpp"
#include "fast_clock.hpp"
#include "producer_shared.hpp"
#include "rawkafka/client/histogram.hpp"
#include "rawkafka/client/partitioner.hpp"
#include "rawkafka/client/producer.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/codec.hpp"
#include "rawkafka/protocol/messages/produce.hpp"
#include "rawkafka/protocol/record_batch.hpp"
#include "record_entry.hpp"

namespace rawkafka::client::detail {

struct PartitionState;

// One RecordBatch from first record to acknowledgement.
struct Batch {
  PartitionState* partition = nullptr;
  PooledBuffer* buffer = nullptr;
  PooledBuffer* compressed = nullptr;
  protocol::RecordBatchWriter writer;
  protocol::Bytes wire;  // the finished batch (what goes on the wire, retries included)
  int32_t base_sequence = -1;
  int64_t created_ns = 0;
  int64_t deadline_ns = 0;  // delivery.timeout.ms after creation
  int32_t attempts = 0;
  int16_t last_error = 0;
  std::vector<int64_t> enqueue_ns;  // per record, for latency
  std::vector<uint64_t> tokens;     // per record, only with a delivery callback
  uint64_t payload_bytes = 0;       // key + value bytes of its records
  // Open batches, oldest first (linger order).
  Batch* linger_prev = nullptr;
  Batch* linger_next = nullptr;
  // Partition queue link (finished, waiting to be sent).
  Batch* next = nullptr;
};

struct PartitionState {
  uint32_t topic = 0;
  int32_t partition = 0;
  int32_t leader = -1;
  int32_t leader_epoch = -1;
  Batch* open = nullptr;
  Batch* queue_head = nullptr;  // finished batches in send (sequence) order
  Batch* queue_tail = nullptr;
  SequenceCounter sequence;
  int32_t in_flight = 0;
  int64_t retry_at_ns = 0;
  bool retrying = false;  // a batch came back for a retry: send one at a time until it lands
  // Idempotence: the sequence the broker expects next (end of the last acknowledged batch),
  // and whether a batch failed for good, leaving a hole the batches after it must close.
  int32_t expected_sequence = 0;
  bool resequence = false;
  bool confirmed = false;  // the broker has acknowledged a batch of ours for this partition
  bool in_ready_list = false;
};

struct CoreTopic {
  std::string name;
  uint32_t index = 0;
  uint32_t hash = 0;
  protocol::Uuid id;
  int32_t partition_count = -1;
  std::vector<std::unique_ptr<PartitionState>> partitions;  // null where another core owns it
  std::vector<int32_t> owned;
  StickyPartitioner sticky;
  RoundRobinPartitioner round_robin;
};

struct InFlightRequest {
  int32_t correlation_id = 0;
  std::vector<Batch*> batches;
  std::vector<std::span<const uint8_t>> iov;
  std::vector<uint8_t> scratch;
  std::vector<uint8_t> early_response;  // a response that arrived before on_sent
  bool sent = false;
  bool answered = false;
  int64_t sent_ns = 0;
};

struct BrokerConnection {
  enum class State : uint8_t { down, connecting, ready };
  int32_t node = -1;
  State state = State::down;
  io::ConnectionId id = 0;
  int64_t reconnect_at_ns = 0;
  int64_t backoff_ns = 0;
  int32_t next_correlation_id = 1;
  std::vector<InFlightRequest*> in_flight;  // oldest first; responses come in this order
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

  void start();                // launches the thread; returns once its reactor exists
  void stop_and_join();        // after close: ends the loop
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
  void poll() override { pump(0); }
  void poll_for(std::chrono::nanoseconds max_wait) override { pump(std::max<int64_t>(max_wait.count(), 0)); }
  unsigned core_index() const override { return index_; }
  bool stopping() const override { return shared_.stop_requested.load(std::memory_order_relaxed); }
  int32_t partition_count(std::string_view topic) override;

  // Counters any thread may read.
  struct Counters {
    std::atomic<uint64_t> enqueued{0}, acked{0}, failed{0}, bytes_acked{0}, batches_acked{0},
        requests{0}, retries{0};
  };
  const Counters& counters() const { return counters_; }
  void merge_latency(LatencyHistogram& into) const;
  std::string last_error() const;
  io::Backend backend() const { return backend_; }
  // True when every record handed to this core through rings has been taken in.
  bool rings_drained() const;
  std::atomic<bool>& sleeping() { return sleeping_; }

 private:
  // ---- loop ----
  void run();
  void pump(int64_t max_wait_ns);
  void drain_rings();
  void close_lingering(int64_t now);
  void send_ready(int64_t now);
  void check_timeouts(int64_t now);
  void maybe_refresh_metadata(int64_t now);
  void reload_metadata();
  void abort_everything(const char* reason);

  // ---- records ----
  CoreTopic* topic_by_name(std::string_view name, bool wait);
  CoreTopic* topic_by_index(uint32_t index);
  void load_topic(CoreTopic& t);
  int32_t choose_partition(CoreTopic& t, const std::optional<protocol::Bytes>& key);
  ProduceStatus append(CoreTopic& t, int32_t partition, int64_t timestamp_ms,
                       const std::optional<protocol::Bytes>& key,
                       const std::optional<protocol::Bytes>& value,
                       std::span<const protocol::RecordHeader> headers, uint64_t token,
                       int64_t enqueue_ns);
  ProduceStatus forward(const OutgoingRecord& r, CoreTopic& t, int32_t partition, unsigned owner,
                        uint64_t token, int64_t enqueue_ns, int64_t timestamp_ms);
  Batch* open_batch(PartitionState& p, size_t first_record_size, int64_t timestamp_ms);
  void close_batch(Batch* b);
  protocol::FinishResult finish_batch(Batch* b);
  void renumber_queue(PartitionState& p);
  void enqueue_ready(PartitionState& p, Batch* b, bool retry);
  void fail_record_now(CoreTopic& t, int32_t partition, int16_t code, std::string_view reason,
                       uint64_t token, int64_t enqueue_ns, uint64_t payload_bytes);

  // ---- outcomes ----
  void complete_batch(Batch* b, int64_t base_offset, int64_t now);
  void fail_batch(Batch* b, int16_t code, std::string_view reason, int64_t now);
  void retry_batch(Batch* b, int16_t code, int64_t now);
  void release_batch(Batch* b);
  void handle_response(BrokerConnection& c, InFlightRequest& req, std::span<const uint8_t> frame);
  void finish_request(BrokerConnection& c, InFlightRequest* req);

  // ---- connections ----
  BrokerConnection* connection_for(int32_t node, int64_t now);
  void send_request(BrokerConnection& c, std::span<Batch* const> batches, int64_t now);
  void on_connected(io::ConnectionId id) override;
  void on_frame(io::ConnectionId id, std::span<const uint8_t> frame) override;
  void on_sent(io::ConnectionId id, uint64_t token) override;
  void on_closed(io::ConnectionId id, const io::IoError& error) override;

  InFlightRequest* new_request();
  void free_request(InFlightRequest* r);
  Batch* new_batch_object();
  void set_last_error(std::string_view error);
  int64_t wall_ms(int64_t now_ns) const { return (now_ns + wall_offset_ns_) / 1000000; }

  ProducerShared& shared_;
  const ProducerConfig& config_;
  const unsigned index_;
  const unsigned cores_;
  std::thread thread_;
  std::unique_ptr<io::Reactor> reactor_;
  io::Backend backend_ = io::Backend::automatic;
  std::string start_error_;
  std::atomic<bool> running_{false};
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
  uint64_t metadata_generation_ = 0;
  int64_t metadata_refresh_due_ns_ = 0;  // 0: none wanted
  int64_t metadata_backoff_ns_ = 0;      // grows while refreshes fail
  std::vector<PartitionState*> ready_;   // partitions with finished batches
  Batch* linger_head_ = nullptr;
  Batch* linger_tail_ = nullptr;
  std::vector<std::unique_ptr<Batch>> batch_free_;
  BufferPool pool_;
  std::unique_ptr<BufferPool> compressed_pool_;
  std::unique_ptr<protocol::Codec> codec_;
  FastClock clock_;
  int64_t next_recalibration_ns_ = 0;
  int64_t wall_offset_ns_ = 0;
  int64_t linger_ns_ = 0;
  int64_t next_timeout_check_ns_ = 0;
  uint32_t produced_since_pump_ = 0;
  bool pool_exhausted_ = false;  // stop taking ring entries until memory frees up

  // Connections.
  std::unordered_map<int32_t, std::unique_ptr<BrokerConnection>> brokers_;
  std::unordered_map<io::ConnectionId, BrokerConnection*> by_connection_;
  std::vector<std::unique_ptr<InFlightRequest>> request_free_;
  protocol::ProduceRequest request_;
  protocol::ProduceResponse response_;
  std::vector<ReadyBatchInfo> plan_input_;
  std::vector<Batch*> plan_batches_;
  std::vector<size_t> plan_out_;
  std::vector<Batch*> send_list_;
  std::vector<protocol::RecordHeader> header_scratch_;

  Counters counters_;
  mutable std::mutex stats_mutex_;  // guards latency_ and last_error_ against stats()
  LatencyHistogram latency_;
  std::string last_error_;
};

}  // namespace rawkafka::client::detail
