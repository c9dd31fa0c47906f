#pragma once
// Topic administration over the wire: CreateTopics and Metadata, synchronous, on a private
// reactor owned by the calling thread. For tools and tests, not hot paths.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rawkafka/client/security.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::client {

enum class AdminError : uint8_t {
  none,
  topic_already_exists,  // CreateTopics: TOPIC_ALREADY_EXISTS (not a failure for "ensure")
  unknown_topic,         // Metadata: UNKNOWN_TOPIC_OR_PARTITION
  unreachable,           // no bootstrap broker answered
  timed_out,             // e.g. partitions still without leaders at the deadline
  broker_error,          // any other error code the broker returned (see error_code/message)
};

struct AdminResult {
  AdminError error = AdminError::none;
  int16_t error_code = 0;  // the broker's error code, 0 when none
  std::string message;     // a sentence naming the topic/address and what went wrong
  bool ok() const { return error == AdminError::none; }
  explicit operator bool() const { return ok(); }
};

struct BrokerAddress {
  int32_t node_id = -1;
  io::Endpoint endpoint;
};

struct PartitionDescription {
  int32_t partition = 0;
  int32_t leader = -1;  // node id, -1 when there is none
  int32_t leader_epoch = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int16_t error_code = 0;
};

struct TopicDescription {
  std::string name;
  protocol::Uuid topic_id;                       // zero when the broker's Metadata is < v10
  std::vector<PartitionDescription> partitions;  // sorted by partition index
  std::vector<BrokerAddress> brokers;            // every broker in the metadata
  int32_t controller_id = -1;

  // nullptr when the node id is not among brokers.
  const BrokerAddress* broker(int32_t node_id) const;
  bool all_partitions_have_leaders() const;
};

struct AdminOptions {
  std::string client_id = "rawkafka";
  io::Backend backend = io::Backend::automatic;
  std::chrono::milliseconds request_timeout{30000};
  SecurityConfig security;  // security.protocol and SASL, as the producer's
};

class BrokerChannel;

// One connection (to the first bootstrap broker that answers) reused across admin calls.
// Owns a reactor for the calling thread; use it on that thread only.
class AdminClient {
 public:
  AdminClient(const std::vector<io::Endpoint>& bootstrap, const AdminOptions& options = {});
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // See the free functions below.
  AdminResult create(std::string_view name, int32_t partitions, int16_t replication_factor,
                     std::chrono::milliseconds timeout);
  AdminResult describe(std::string_view name, TopicDescription& out, std::chrono::milliseconds timeout);
  AdminResult wait_for_leaders(std::string_view name, int32_t min_partitions,
                               std::chrono::milliseconds timeout, TopicDescription* out = nullptr);

  // The connected channel (connecting first if needed); nullptr with `result` set on failure.
  BrokerChannel* channel(std::chrono::milliseconds timeout, AdminResult& result);
  io::Reactor* reactor() { return reactor_.get(); }

 private:
  AdminResult ensure_connected(std::chrono::milliseconds timeout);

  std::vector<io::Endpoint> bootstrap_;
  AdminOptions options_;
  std::unique_ptr<io::Reactor> reactor_;
  std::unique_ptr<BrokerChannel> channel_;
};

// Creates `name` with `partitions` partitions and `replication_factor` replicas (via the
// first bootstrap broker that answers; Kafka forwards to the controller), then waits until
// every partition has a leader. TOPIC_ALREADY_EXISTS comes back as
// AdminError::topic_already_exists (the existing topic is not waited on or changed).
AdminResult create_topic(const std::vector<io::Endpoint>& bootstrap, std::string_view name,
                         int32_t partitions, int16_t replication_factor,
                         std::chrono::milliseconds timeout, const AdminOptions& options = {});

// Describes `name` via Metadata (without creating it). A topic the cluster does not have is
// AdminError::unknown_topic with "topic 'x' does not exist".
AdminResult describe_topic(const std::vector<io::Endpoint>& bootstrap, std::string_view name,
                           TopicDescription& out, std::chrono::milliseconds timeout,
                           const AdminOptions& options = {});

// Polls Metadata until every partition of `name` has a leader (and it has at least
// `min_partitions`), or the timeout passes (AdminError::timed_out).
AdminResult wait_for_leaders(const std::vector<io::Endpoint>& bootstrap, std::string_view name,
                             int32_t min_partitions, std::chrono::milliseconds timeout,
                             const AdminOptions& options = {}, TopicDescription* out = nullptr);

}  // namespace rawkafka::client
