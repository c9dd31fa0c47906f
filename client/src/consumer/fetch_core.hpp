#pragma once
// One consumer core thread: its reactor, one BrokerChannel per leader it fetches from (each
// with a fetch session, KIP-227), the partitions of its shard, and the loop that keeps one
// Fetch in flight per leader. Responses are handled inside the reactor's callback: the header
// walk moves the positions, the next Fetch goes out, then the records are delivered.
//
// Slow paths run between polls, on the core thread: connecting (ApiVersions, SASL), KIP-368
// renewal, metadata after a leader change (its own AdminClient), ListOffsets for
// auto.offset.reset.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "partition_records.hpp"
#include "rawkafka/client/admin.hpp"
#include "rawkafka/client/broker_channel.hpp"
#include "rawkafka/client/consumer.hpp"
#include "rawkafka/io/tls.hpp"
#include "rawkafka/protocol/messages/fetch.hpp"

namespace rawkafka::client::detail {

using ConsumerClock = std::chrono::steady_clock;

// How the consumer's channels to brokers, and its admin client, are set up from its config.
BrokerChannelOptions channel_options(const ConsumerConfig& config);
AdminOptions admin_options(const ConsumerConfig& config);

struct ConsumerTopic {
  std::string name;
  protocol::Uuid id;
};

// Counters a core adds to as it goes; Consumer::stats() sums them from any thread.
struct CoreCounters {
  std::atomic<uint64_t> records{0}, record_bytes{0}, batch_bytes{0}, batches{0}, fetches{0}, incremental_fetches{0},
      empty_fetches{0},
      fetch_bytes{0}, corrupt_batches{0}, undecodable_batches{0}, leader_changes{0}, offset_resets{0},
      session_resets{0}, reconnects{0}, log_truncations{0};
  std::atomic<int> fetch_version{-1};
  std::atomic<int> backend{-1};  // io::Backend once the reactor exists
};

// What run() shares with every core.
struct ConsumerRun final : RecordBudget {
  const ConsumerConfig& config;
  std::vector<io::Endpoint> bootstrap;
  std::shared_ptr<io::TlsContext> tls;
  std::vector<ConsumerTopic> topics;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> budget{INT64_MAX};
  std::atomic<int64_t> last_record_ns{0};
  std::mutex error_mutex;
  std::string last_error;  // the latest failure a core saw (a broker unreachable, ...)

  explicit ConsumerRun(const ConsumerConfig& c) : config(c) {}
  uint64_t claim(uint64_t wanted) override;
  void refund(uint64_t records) override { budget.fetch_add(int64_t(records), std::memory_order_relaxed); }
  void note_error(const std::string& message);
};

struct CorePartition {
  enum class Status : uint8_t { fetching, needs_leader, needs_reset, done, failed };
  uint32_t topic = 0;  // index into ConsumerRun::topics
  int32_t partition = 0;
  int64_t position = 0;
  int64_t end = INT64_MAX;  // exclusive (stop_at_end: the high watermark at assignment)
  int32_t leader = -1;
  uint8_t connection = 0;  // which of the connections to its leader (connections.per.broker)
  int32_t leader_epoch = -1;
  int32_t last_fetched_epoch = -1;
  Status status = Status::fetching;
  // The fetch session's view: whether the broker's session holds this partition, and at what
  // offset (a partition whose offset did not change stays out of incremental requests).
  bool in_session = false;
  int64_t session_offset = -1;
};

class FetchCore final : BrokerChannel::Listener {
 public:
  FetchCore(unsigned index, ConsumerRun& run, std::vector<CorePartition> partitions,
            std::map<int32_t, io::Endpoint> brokers, CoreCounters& counters);
  ~FetchCore() override;

  // Runs until stop, the budget is spent, or every partition is done or failed. `handler` is
  // this core's. Returns the sentence when the core gave up (no leader reachable for
  // request.timeout.ms while partitions were left), else "".
  std::string run(ConsumerHandler& handler);

 private:
  // One connection to a leader; with connections.per.broker > 1 a leader has several, each
  // with its own fetch session and its share of the partitions.
  struct Leader {
    int32_t node = -1;
    uint8_t connection = 0;
    io::Endpoint endpoint;
    std::unique_ptr<BrokerChannel> channel;
    std::vector<CorePartition*> partitions;
    std::vector<CorePartition*> forgotten;  // to drop from the session with the next request
    int32_t session_id = 0;
    int32_t session_epoch = 0;  // 0: the next fetch opens a session (a full fetch)
    bool in_flight = false;
    int32_t correlation_id = -1;
    int16_t version = 0;
    ConsumerClock::time_point sent_at{};
    ConsumerClock::time_point reconnect_at{};
    std::chrono::milliseconds backoff{0};
    bool close_wanted = false;  // broken inside a callback: closed from the loop
  };
  // A partition's records in the response being handled, read after the next Fetch is out.
  struct PendingRecords {
    CorePartition* partition;
    const protocol::FetchResponse::PartitionData* data;
    int64_t from;
  };

  void on_response(BrokerChannel& channel, int32_t correlation_id, std::span<const uint8_t> frame) override;
  void on_channel_closed(BrokerChannel& channel) override;

  Leader* leader_of(BrokerChannel& channel);
  static int64_t leader_key(int32_t node, uint8_t connection) { return (int64_t(node) << 8) | connection; }
  Leader& leader(int32_t node, uint8_t connection);
  void connect(Leader& l);
  void lost(Leader& l, const std::string& why);
  void reset_session(Leader& l);
  bool send_fetch(Leader& l);
  void handle_response(Leader& l, std::span<const uint8_t> frame);
  void refresh_leaders();
  void reset_offsets();
  void move_to(CorePartition& p, int32_t node);
  // The one way a partition stops for good: marked, the error noted and handed to the handler.
  void fail_partition(CorePartition& p, ConsumeErrorKind kind, std::string message);
  // Every change of a partition's status goes here, so the loop knows what is wanted from the
  // counts instead of walking every partition on each turn.
  void set_status(CorePartition& p, CorePartition::Status status);
  size_t count(CorePartition::Status status) const { return status_counts_[size_t(status)]; }
  bool finished() const;
  void check_timeouts(ConsumerClock::time_point now);

  unsigned index_;
  ConsumerRun& run_;
  CoreCounters& counters_;
  std::vector<CorePartition> partitions_;
  std::array<size_t, 5> status_counts_{};  // partitions in each CorePartition::Status
  std::unordered_map<uint64_t, CorePartition*> by_key_;  // topic << 32 | partition
  std::map<int32_t, io::Endpoint> brokers_;
  std::map<int64_t, std::unique_ptr<Leader>> leaders_;  // by leader_key
  std::unique_ptr<io::Reactor> reactor_;
  std::unique_ptr<AdminClient> admin_;  // metadata after leader changes (its own reactor)
  ConsumerHandler* handler_ = nullptr;
  RecordDelivery delivery_;
  protocol::FetchRequest request_;
  protocol::FetchResponse response_;
  std::vector<PendingRecords> pending_;
  bool budget_spent_ = false;
  ConsumerClock::time_point metadata_due_{};
  ConsumerClock::time_point last_success_{};
  std::string last_error_;
};

}  // namespace rawkafka::client::detail
