#pragma once
// Produce (key 0): one RecordBatch per partition. ProduceRequest.json / ProduceResponse.json.
// v3 is our floor (Kafka 4 rejects v0-v2); v7+ allows zstd; v9+ is flexible;
// v13+ names topics by topic_id instead of name (KIP-516).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/messages/common.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

struct ProduceRequest {
  static constexpr ApiTraits traits{ApiKey::produce, 3, 13, 9};

  struct PartitionData {
    int32_t index = 0;
    // The encoded RecordBatch(es), not copied: a view that must outlive encode() — and, after
    // decode(), a view into the frame, which must outlive this struct.
    std::optional<Bytes> records;
    friend bool operator==(const PartitionData& a, const PartitionData& b) {
      return a.index == b.index && same_bytes(a.records, b.records);
    }
  };
  struct TopicData {
    std::string name;  // v3-v12
    Uuid topic_id;     // v13+
    std::vector<PartitionData> partition_data;
    friend bool operator==(const TopicData&, const TopicData&) = default;
  };

  std::optional<std::string> transactional_id;
  int16_t acks = -1;  // 0 none, 1 leader, -1 all in-sync replicas
  int32_t timeout_ms = 30000;
  std::vector<TopicData> topic_data;

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);

  // Exact number of body bytes encode() writes at `version`.
  size_t encoded_size(int16_t version) const;

  // Zero-copy encoding: writes everything except the record bytes into `scratch` (a
  // fixed-capacity Writer; it must not reallocate) and appends to `out`, in order, the spans
  // that together form the body — pieces of `scratch` interleaved with the records' own
  // spans. The concatenation equals what encode() writes, byte for byte. Returns false (and
  // leaves `out` unusable) if `scratch` overflows or, being growable, reallocates. The spans
  // stay valid while `scratch`'s buffer and the records live. To send a whole frame: call
  // begin_request() on `scratch` first, push its bytes as the first span, call this, then
  // end_frame(scratch, at, record_bytes) where record_bytes is the sum of the records' sizes.
  bool encode_gather(Writer& scratch, std::vector<std::span<const uint8_t>>& out,
                     int16_t version) const;

  friend bool operator==(const ProduceRequest&, const ProduceRequest&) = default;
};

struct ProduceResponse {
  static constexpr ApiTraits traits = ProduceRequest::traits;

  using NodeEndpoint = protocol::NodeEndpoint;
  using LeaderIdAndEpoch = protocol::LeaderIdAndEpoch;

  struct BatchIndexAndErrorMessage {
    int32_t batch_index = 0;
    std::optional<std::string> batch_index_error_message;
    friend bool operator==(const BatchIndexAndErrorMessage&, const BatchIndexAndErrorMessage&) = default;
  };
  struct PartitionResponse {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = 0;
    int64_t log_append_time_ms = -1;  // -1 unless the topic uses LogAppendTime
    int64_t log_start_offset = -1;    // v5+
    std::vector<BatchIndexAndErrorMessage> record_errors;  // v8+
    std::optional<std::string> error_message;              // v8+
    LeaderIdAndEpoch current_leader;                       // v10+, tag 0
    friend bool operator==(const PartitionResponse&, const PartitionResponse&) = default;
  };
  struct TopicResponse {
    std::string name;  // v3-v12
    Uuid topic_id;     // v13+
    std::vector<PartitionResponse> partition_responses;
    friend bool operator==(const TopicResponse&, const TopicResponse&) = default;
  };

  std::vector<TopicResponse> responses;
  int32_t throttle_time_ms = 0;
  std::vector<NodeEndpoint> node_endpoints;  // v10+, tag 0

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const ProduceResponse&, const ProduceResponse&) = default;
};

}  // namespace rawkafka::protocol
