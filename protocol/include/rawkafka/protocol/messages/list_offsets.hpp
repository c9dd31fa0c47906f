#pragma once
// ListOffsets (key 2): offsets by timestamp (-1 latest, -2 earliest, ...).
// ListOffsetsRequest.json / ListOffsetsResponse.json.

#include <cstdint>
#include <string>
#include <vector>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

struct ListOffsetsRequest {
  static constexpr ApiTraits traits{ApiKey::list_offsets, 1, 11, 6};

  static constexpr int64_t latest_timestamp = -1;
  static constexpr int64_t earliest_timestamp = -2;
  static constexpr int64_t max_timestamp = -3;  // v7+

  struct ListOffsetsPartition {
    int32_t partition_index = 0;
    int32_t current_leader_epoch = -1;  // v4+
    int64_t timestamp = 0;
    friend bool operator==(const ListOffsetsPartition&, const ListOffsetsPartition&) = default;
  };
  struct ListOffsetsTopic {
    std::string name;
    std::vector<ListOffsetsPartition> partitions;
    friend bool operator==(const ListOffsetsTopic&, const ListOffsetsTopic&) = default;
  };

  int32_t replica_id = -1;
  int8_t isolation_level = 0;  // v2+: 0 read_uncommitted, 1 read_committed
  std::vector<ListOffsetsTopic> topics;
  int32_t timeout_ms = 30000;  // v10+

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const ListOffsetsRequest&, const ListOffsetsRequest&) = default;
};

struct ListOffsetsResponse {
  static constexpr ApiTraits traits = ListOffsetsRequest::traits;

  struct ListOffsetsPartitionResponse {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    int64_t timestamp = -1;
    int64_t offset = -1;
    int32_t leader_epoch = -1;  // v4+
    friend bool operator==(const ListOffsetsPartitionResponse&, const ListOffsetsPartitionResponse&) = default;
  };
  struct ListOffsetsTopicResponse {
    std::string name;
    std::vector<ListOffsetsPartitionResponse> partitions;
    friend bool operator==(const ListOffsetsTopicResponse&, const ListOffsetsTopicResponse&) = default;
  };

  int32_t throttle_time_ms = 0;  // v2+
  std::vector<ListOffsetsTopicResponse> topics;

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const ListOffsetsResponse&, const ListOffsetsResponse&) = default;
};

}  // namespace rawkafka::protocol
