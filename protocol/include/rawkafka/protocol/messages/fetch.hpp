#pragma once
// Fetch (key 1). FetchRequest.json / FetchResponse.json. v4 is Kafka 4's floor; v12+ is
// flexible; v13+ names topics by topic_id (KIP-516); v15+ moves replica_id into the
// replica_state tag (KIP-903).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/messages/common.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

struct FetchRequest {
  static constexpr ApiTraits traits{ApiKey::fetch, 4, 18, 12};

  struct ReplicaState {  // brokers only; consumers leave the defaults
    int32_t replica_id = -1;
    int64_t replica_epoch = -1;
    friend bool operator==(const ReplicaState&, const ReplicaState&) = default;
  };
  struct FetchPartition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;  // v9+
    int64_t fetch_offset = 0;
    int32_t last_fetched_epoch = -1;  // v12+
    int64_t log_start_offset = -1;    // v5+ (followers only)
    int32_t partition_max_bytes = 0;
    Uuid replica_directory_id;                 // v17+, tag 0 (followers only)
    int64_t high_watermark = INT64_MAX;        // v18+, tag 1 (followers only)
    friend bool operator==(const FetchPartition&, const FetchPartition&) = default;
  };
  struct FetchTopic {
    std::string topic;  // v4-v12
    Uuid topic_id;      // v13+
    std::vector<FetchPartition> partitions;
    friend bool operator==(const FetchTopic&, const FetchTopic&) = default;
  };
  struct ForgottenTopic {
    std::string topic;  // v7-v12
    Uuid topic_id;      // v13+
    std::vector<int32_t> partitions;
    friend bool operator==(const ForgottenTopic&, const ForgottenTopic&) = default;
  };

  std::optional<std::string> cluster_id;  // v12+, tag 0
  int32_t replica_id = -1;                // v4-v14
  ReplicaState replica_state;             // v15+, tag 1
  int32_t max_wait_ms = 500;
  int32_t min_bytes = 1;
  int32_t max_bytes = 0x7fffffff;
  int8_t isolation_level = 0;  // 0 read_uncommitted, 1 read_committed
  int32_t session_id = 0;      // v7+ (KIP-227)
  int32_t session_epoch = -1;  // v7+; -1 = no session
  std::vector<FetchTopic> topics;
  std::vector<ForgottenTopic> forgotten_topics_data;  // v7+
  std::string rack_id;                                // v11+

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const FetchRequest&, const FetchRequest&) = default;
};

struct FetchResponse {
  static constexpr ApiTraits traits = FetchRequest::traits;

  using NodeEndpoint = protocol::NodeEndpoint;
  using LeaderIdAndEpoch = protocol::LeaderIdAndEpoch;

  struct EpochEndOffset {
    int32_t epoch = -1;
    int64_t end_offset = -1;
    friend bool operator==(const EpochEndOffset&, const EpochEndOffset&) = default;
  };
  struct SnapshotId {
    int64_t end_offset = -1;
    int32_t epoch = -1;
    friend bool operator==(const SnapshotId&, const SnapshotId&) = default;
  };
  struct AbortedTransaction {
    int64_t producer_id = 0;
    int64_t first_offset = 0;
    friend bool operator==(const AbortedTransaction&, const AbortedTransaction&) = default;
  };
  struct PartitionData {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    int64_t high_watermark = 0;
    int64_t last_stable_offset = -1;
    int64_t log_start_offset = -1;  // v5+
    EpochEndOffset diverging_epoch;  // v12+, tag 0
    LeaderIdAndEpoch current_leader;  // v12+, tag 1
    SnapshotId snapshot_id;           // v12+, tag 2
    std::optional<std::vector<AbortedTransaction>> aborted_transactions;
    int32_t preferred_read_replica = -1;  // v11+
    // RecordBatches as sent; the last one may be partial. A view into the frame after
    // decode(): the frame must outlive this struct.
    std::optional<Bytes> records;
    friend bool operator==(const PartitionData& a, const PartitionData& b) {
      return a.partition_index == b.partition_index && a.error_code == b.error_code &&
             a.high_watermark == b.high_watermark && a.last_stable_offset == b.last_stable_offset &&
             a.log_start_offset == b.log_start_offset && a.diverging_epoch == b.diverging_epoch &&
             a.current_leader == b.current_leader && a.snapshot_id == b.snapshot_id &&
             a.aborted_transactions == b.aborted_transactions &&
             a.preferred_read_replica == b.preferred_read_replica &&
             same_bytes(a.records, b.records);
    }
  };
  struct FetchableTopicResponse {
    std::string topic;  // v4-v12
    Uuid topic_id;      // v13+
    std::vector<PartitionData> partitions;
    friend bool operator==(const FetchableTopicResponse&, const FetchableTopicResponse&) = default;
  };

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;  // v7+ (fetch sessions)
  int32_t session_id = 0;  // v7+
  std::vector<FetchableTopicResponse> responses;
  std::vector<NodeEndpoint> node_endpoints;  // v16+, tag 0

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const FetchResponse&, const FetchResponse&) = default;
};

}  // namespace rawkafka::protocol
