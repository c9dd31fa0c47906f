#pragma once
// The few Kafka APIs the null sink speaks, just enough for a producer: ApiVersions, Metadata
// (itself as the only broker and leader; every topic asked for exists), InitProducerId (a fixed
// id), CreateTopics (always succeeds) and Produce (counts batches, records and bytes, answers
// success with increasing base offsets; acks=0 gets no answer). Nothing is stored.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "null_sink/sink_stats.hpp"
#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/messages/produce.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::bench {

struct SinkConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 39392;
  int32_t partitions = 8;
  int32_t node_id = 1;
  bool verify_crc = false;  // check each batch's CRC-32C (costs sink CPU)
};

// Next offset of each partition index, shared by every connection and topic.
class PartitionOffsets {
 public:
  explicit PartitionOffsets(int32_t partitions)
      : size_(partitions), next_(std::make_unique<std::atomic<int64_t>[]>(size_t(partitions))) {}
  bool contains(int32_t partition) const { return partition >= 0 && partition < size_; }
  // Reserves `count` offsets; returns the first.
  int64_t advance(int32_t partition, int64_t count) {
    return next_[size_t(partition)].fetch_add(count, std::memory_order_relaxed);
  }

 private:
  int32_t size_;
  std::unique_ptr<std::atomic<int64_t>[]> next_;
};

// One per connection: it reuses its decode structures from request to request.
class KafkaResponder {
 public:
  KafkaResponder(const SinkConfig& config, SinkStats& stats, PartitionOffsets& offsets)
      : config_(config), stats_(stats), offsets_(offsets) {}

  // Handles one request frame (its body, without the size prefix) and appends the response
  // frame, if one is due, to `out`. Returns false when the request cannot be read or is not one
  // the sink speaks; error() then says why and the connection should be closed.
  bool handle(protocol::Bytes frame, protocol::Writer& out);
  const std::string& error() const { return error_; }

 private:
  bool fail(std::string why);
  void api_versions(const protocol::RequestHeader& h, protocol::Writer& out);
  bool metadata(const protocol::RequestHeader& h, protocol::Reader& r, protocol::Writer& out);
  bool init_producer_id(const protocol::RequestHeader& h, protocol::Writer& out);
  bool create_topics(const protocol::RequestHeader& h, protocol::Reader& r, protocol::Writer& out);
  bool produce(const protocol::RequestHeader& h, protocol::Reader& r, protocol::Writer& out);

  const SinkConfig& config_;
  SinkStats& stats_;
  PartitionOffsets& offsets_;
  protocol::ProduceRequest request_;
  protocol::ProduceResponse response_;
  std::string error_;
};

}  // namespace rawkafka::bench
