#pragma once
// One RecordBatch from its first record to its outcome, and the outcome itself. A batch is
// owned by the PartitionQueue of its partition from the moment it is opened; the core's loop
// moves bytes for it but decides nothing about it.

#include <cstdint>
#include <vector>

#include "buffer_pool.hpp"
#include "fast_clock.hpp"
#include "rawkafka/client/producer.hpp"
#include "rawkafka/protocol/record_batch.hpp"

namespace rawkafka::client::detail {

class PartitionQueue;

// Records appended one after another at the same instant (one produce call of many, or one
// clock reading) share an entry: latencies stay exact per record at a fraction of the cost.
struct EnqueueRun {
  int64_t ns = 0;
  uint32_t count = 0;
};

// Notes one more record enqueued at `ns` after those in `runs`.
inline void note_enqueued(std::vector<EnqueueRun>& runs, int64_t ns) {
  if (!runs.empty() && runs.back().ns == ns) {
    ++runs.back().count;
  } else {
    runs.push_back({ns, 1});
  }
}

struct Batch {
  PartitionQueue* queue = nullptr;
  PooledBuffer* buffer = nullptr;
  PooledBuffer* compressed = nullptr;
  protocol::RecordBatchWriter writer;
  protocol::Bytes wire;  // the finished batch (what goes on the wire, retries included)
  // Idempotence: what `wire` carries. `stale`: these changed (renumbered after a hole, or a new
  // epoch) and the batch must be finished again before it is sent.
  int32_t base_sequence = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool stale = false;
  Instant created{};
  Instant deadline{};  // delivery.timeout.ms after creation
  int32_t attempts = 0;  // sends that came back without success
  int16_t last_error = 0;
  // Sent at least once without a definite answer (connection lost, no response within
  // request.timeout.ms): the broker may have appended it.
  bool maybe_written = false;
  std::vector<EnqueueRun> enqueued;  // when its records came, in record order, for latency
  std::vector<uint64_t> tokens;     // per record, only with a delivery callback
  uint64_t payload_bytes = 0;       // key + value bytes of its records
  // Open batches of the core, oldest first (linger order).
  Batch* linger_prev = nullptr;
  Batch* linger_next = nullptr;
  // The partition's queue of finished batches (sequence order).
  Batch* next = nullptr;

  int32_t record_count() const { return writer.record_count(); }
};

// How a batch ends when it does not succeed.
struct BatchFailure {
  int16_t error_code = -1;  // the broker's code, or -1 for a local failure
  LocalError local = LocalError::none;
  DeliveryStatus status = DeliveryStatus::not_persisted;
};

}  // namespace rawkafka::client::detail
