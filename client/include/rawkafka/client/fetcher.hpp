#pragma once
// A simple, synchronous consumer for checking what was produced: for each partition of a
// topic, ListOffsets (earliest, latest) then Fetch from the partition's leader until the
// latest offset seen at the start, decoding batches with protocol's readers and decompressing
// through compression's CodecSet. One callback per record, in offset order per partition.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rawkafka/client/admin.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/record_batch.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::client {

// One consumed record; the views are valid only during the callback.
struct ConsumedRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<protocol::Bytes> key;
  std::optional<protocol::Bytes> value;
  std::span<const protocol::RecordHeader> headers;
};

struct PartitionOffsets {
  int32_t partition = 0;
  int64_t earliest = 0;
  int64_t latest = 0;  // the high watermark: next offset to be written
};

struct FetcherOptions {
  std::string client_id = "rawkafka";
  io::Backend backend = io::Backend::automatic;
  std::chrono::milliseconds request_timeout{30000};
  int32_t max_wait_ms = 500;                 // FetchRequest.max_wait_ms
  int32_t max_bytes = 64 << 20;              // FetchRequest.max_bytes
  int32_t partition_max_bytes = 8 << 20;     // per partition, per fetch
  SecurityConfig security;                   // security.protocol and SASL, as the producer's
};

struct FetchSummary {
  uint64_t records = 0;
  uint64_t batches = 0;
  std::vector<PartitionOffsets> offsets;  // what was read, per partition
};

class Fetcher {
 public:
  explicit Fetcher(std::vector<io::Endpoint> bootstrap, FetcherOptions options = {});

  // Earliest and latest offsets of every partition of `topic`.
  AdminResult list_offsets(std::string_view topic, std::vector<PartitionOffsets>& out);

  // Reads every record of every partition from the earliest offset up to the latest offset
  // listed at the start, calling on_record for each (control records of transactions are
  // skipped). Stops with AdminError::timed_out if `timeout` passes first; a batch that fails
  // its CRC or does not decode is AdminError::broker_error with the reason.
  // With `start_after`, a partition listed there is read from its `latest` offset instead
  // (e.g. the end offsets taken by list_offsets() before producing: read only what came since).
  AdminResult consume_all(std::string_view topic,
                          const std::function<void(const ConsumedRecord&)>& on_record,
                          std::chrono::milliseconds timeout, FetchSummary* summary = nullptr,
                          const std::vector<PartitionOffsets>* start_after = nullptr);

 private:
  std::vector<io::Endpoint> bootstrap_;
  FetcherOptions options_;
};

}  // namespace rawkafka::client
