#pragma once
// Metadata (key 3): brokers, topics, partition leaders. MetadataRequest.json /
// MetadataResponse.json.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

struct MetadataRequest {
  static constexpr ApiTraits traits{ApiKey::metadata, 0, 13, 9};

  struct Topic {
    Uuid topic_id;                    // v10+
    std::optional<std::string> name;  // null only in v10+ (lookup by topic_id)
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  // nullopt = all topics (v1+; v0 has no null and an empty list means all).
  std::optional<std::vector<Topic>> topics;
  bool allow_auto_topic_creation = true;              // v4+
  bool include_cluster_authorized_operations = false;  // v8-v10
  bool include_topic_authorized_operations = false;    // v8+

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const MetadataRequest&, const MetadataRequest&) = default;
};

struct MetadataResponse {
  static constexpr ApiTraits traits = MetadataRequest::traits;

  struct Broker {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;  // v1+
    friend bool operator==(const Broker&, const Broker&) = default;
  };
  struct Partition {
    int16_t error_code = 0;
    int32_t partition_index = 0;
    int32_t leader_id = 0;
    int32_t leader_epoch = -1;  // v7+
    std::vector<int32_t> replica_nodes;
    std::vector<int32_t> isr_nodes;
    std::vector<int32_t> offline_replicas;  // v5+
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    int16_t error_code = 0;
    std::optional<std::string> name;  // nullable in v12+
    Uuid topic_id;                    // v10+
    bool is_internal = false;         // v1+
    std::vector<Partition> partitions;
    int32_t topic_authorized_operations = INT32_MIN;  // v8+
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  int32_t throttle_time_ms = 0;  // v3+
  std::vector<Broker> brokers;
  std::optional<std::string> cluster_id;  // v2+
  int32_t controller_id = -1;             // v1+
  std::vector<Topic> topics;
  int32_t cluster_authorized_operations = INT32_MIN;  // v8-v10
  int16_t error_code = 0;                             // v13+: top-level error (KIP-1102)

  const Broker* find_broker(int32_t node_id) const;

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const MetadataResponse&, const MetadataResponse&) = default;
};

}  // namespace rawkafka::protocol
