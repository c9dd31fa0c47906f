#pragma once
// CreateTopics (key 19). CreateTopicsRequest.json / CreateTopicsResponse.json.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

struct CreateTopicsRequest {
  static constexpr ApiTraits traits{ApiKey::create_topics, 2, 7, 5};

  struct CreatableReplicaAssignment {
    int32_t partition_index = 0;
    std::vector<int32_t> broker_ids;
    friend bool operator==(const CreatableReplicaAssignment&, const CreatableReplicaAssignment&) = default;
  };
  struct CreatableTopicConfig {
    std::string name;
    std::optional<std::string> value;
    friend bool operator==(const CreatableTopicConfig&, const CreatableTopicConfig&) = default;
  };
  struct CreatableTopic {
    std::string name;
    int32_t num_partitions = -1;     // -1: broker default (or from assignments)
    int16_t replication_factor = -1;  // -1: broker default
    std::vector<CreatableReplicaAssignment> assignments;
    std::vector<CreatableTopicConfig> configs;
    friend bool operator==(const CreatableTopic&, const CreatableTopic&) = default;
  };

  std::vector<CreatableTopic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;  // v1+

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const CreateTopicsRequest&, const CreateTopicsRequest&) = default;
};

struct CreateTopicsResponse {
  static constexpr ApiTraits traits = CreateTopicsRequest::traits;

  struct CreatableTopicConfigs {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    int8_t config_source = -1;
    bool is_sensitive = false;
    friend bool operator==(const CreatableTopicConfigs&, const CreatableTopicConfigs&) = default;
  };
  struct CreatableTopicResult {
    std::string name;
    Uuid topic_id;  // v7+
    int16_t error_code = 0;
    std::optional<std::string> error_message;  // v1+
    int16_t topic_config_error_code = 0;       // v5+, tag 0
    int32_t num_partitions = -1;               // v5+
    int16_t replication_factor = -1;           // v5+
    std::optional<std::vector<CreatableTopicConfigs>> configs;  // v5+, nullable
    friend bool operator==(const CreatableTopicResult&, const CreatableTopicResult&) = default;
  };

  int32_t throttle_time_ms = 0;  // v2+
  std::vector<CreatableTopicResult> topics;

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const CreateTopicsResponse&, const CreateTopicsResponse&) = default;
};

}  // namespace rawkafka::protocol
