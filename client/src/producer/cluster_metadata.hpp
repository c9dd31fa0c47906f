#pragma once
// What the producer knows of the cluster — brokers, topics, partition leaders — shared by the
// core threads and the application threads behind one mutex. Readers notice changes through
// generation() (a plain atomic load) and copy what they need, so the hot path never locks.
//
// The core threads fetch metadata as requests on their own connections and apply() the
// answer; the blocking refresh() (its own reactor and BrokerChannel on the calling thread) is
// for bootstrap and for application threads (Producer::produce/partition_count on a new topic).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rawkafka/client/broker_channel.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/messages/metadata.hpp"

namespace rawkafka::client::detail {

struct PartitionLeader {
  int32_t leader = -1;
  int32_t leader_epoch = -1;
  int16_t error = 0;
};

struct TopicMetadata {
  std::string name;
  uint32_t index = 0;  // stable small id, the producer's handle for the topic
  protocol::Uuid id;
  int32_t partition_count = -1;  // -1: not (yet) in the cluster's metadata
  int16_t error = 0;             // the last topic-level error the broker reported
  std::vector<PartitionLeader> partitions;
};

// A connected channel with the reactor it runs on (the reactor must outlive the channel).
struct ConnectedChannel {
  std::unique_ptr<io::Reactor> reactor;
  std::unique_ptr<BrokerChannel> channel;
};

class ClusterMetadata {
 public:
  // Throws ConfigError when security.protocol asks for TLS and a certificate or key cannot be
  // read.
  explicit ClusterMetadata(const ProducerConfig& config);

  // A reactor for the producer's connections: the configured backend, in TLS when
  // security.protocol asks for it (one TLS context shared by every reactor).
  std::unique_ptr<io::Reactor> make_reactor(const io::ReactorOptions& options) const;
  // The TLS context (null without TLS): what the last handshake negotiated.
  const std::shared_ptr<io::TlsContext>& tls() const { return tls_; }

  // Connects to the first broker that answers: known brokers first, then bootstrap.servers.
  // On failure returns an empty channel and sets `error` to a sentence naming every address
  // tried and why it failed.
  ConnectedChannel connect_any(std::chrono::milliseconds timeout, std::string& error);

  // Fetches metadata for every known topic plus `topic` (may be empty) and applies it.
  // Returns an empty string on success, else the reason.
  // allow_auto_create: let a broker with auto.create.topics.enable create `topic` (as the
  // Java producer does); off for mere questions such as partition_count().
  std::string refresh(std::string_view topic, std::chrono::milliseconds timeout,
                      bool allow_auto_create = true);
  // As refresh(), on a channel the caller already holds.
  std::string refresh_on(BrokerChannel& channel, std::string_view topic,
                         std::chrono::milliseconds timeout, bool allow_auto_create = true);

  // The topic's index, registering the name if it is new (partition_count -1 until fetched).
  uint32_t topic_index(std::string_view name);
  // Partition count, fetching metadata (blocking, retrying with retry.backoff.ms) until the
  // topic appears or `wait` passes; -1 then.
  int32_t wait_for_topic(std::string_view name, std::chrono::milliseconds wait);

  // Copies of the current state.
  bool topic(uint32_t index, TopicMetadata& out) const;
  int32_t partition_count(uint32_t index) const;
  std::optional<io::Endpoint> broker(int32_t node_id) const;
  size_t topic_count() const;
  std::vector<std::string> topic_names() const;
  std::vector<int32_t> broker_ids() const;
  const std::vector<io::Endpoint>& bootstrap() const { return bootstrap_; }

  // Changes each time new metadata is applied.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  int64_t last_refresh_ns() const { return last_refresh_ns_.load(std::memory_order_relaxed); }

  void apply(const protocol::MetadataResponse& response);

 private:
  const ProducerConfig& config_;
  std::shared_ptr<io::TlsContext> tls_;
  std::vector<io::Endpoint> bootstrap_;
  mutable std::mutex mutex_;
  std::mutex fetch_mutex_;  // one fetch at a time
  std::unordered_map<std::string, uint32_t> by_name_;
  std::vector<std::unique_ptr<TopicMetadata>> topics_;
  std::map<int32_t, io::Endpoint> brokers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> last_refresh_ns_{0};
};

int64_t monotonic_ns();

}  // namespace rawkafka::client::detail
