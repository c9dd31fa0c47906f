#pragma once
// Two of the producer's decisions as pure functions, so they can be tested without sockets:
// when an open batch is ready, and how sequence numbers advance. (What a Produce request
// carries is BrokerSink's fair drain; what an answer means is PartitionQueue's.)

#include <cstddef>
#include <cstdint>

namespace rawkafka::client::detail {

// ---- batch readiness -------------------------------------------------------------------

struct ReadinessInput {
  size_t batch_bytes = 0;       // encoded so far (header included)
  size_t batch_capacity = 0;    // the batch buffer's size (batch.size, or larger for a big record)
  size_t next_record_hint = 0;  // smallest record that could still be added (0: unknown)
  int64_t created_ns = 0;
  int64_t now_ns = 0;
  int64_t linger_ns = 0;
  bool flushing = false;        // flush()/close() in progress: linger does not apply
};

// A batch is sent when full (no room for another record like the last), when linger.ms has
// passed since it was opened, or when a flush asks for everything now.
inline bool batch_ready(const ReadinessInput& in) {
  if (in.flushing) return true;
  if (in.batch_bytes >= in.batch_capacity) return true;
  if (in.next_record_hint && in.batch_capacity - in.batch_bytes < in.next_record_hint) return true;
  return in.now_ns - in.created_ns >= in.linger_ns;
}

// ---- idempotent sequence numbers ---------------------------------------------------------

// Kafka sequence numbers are int32 and wrap to 0 after INT32_MAX (DefaultRecordBatch
// incrementSequence).
inline int32_t increment_sequence(int32_t sequence, int32_t increment) {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

// Per-partition producer state: the next sequence to give a batch when it is first finished.
class SequenceCounter {
 public:
  // Reserves record_count sequence numbers and returns the first.
  int32_t assign(int32_t record_count) {
    int32_t base = next_;
    next_ = increment_sequence(next_, record_count);
    return base;
  }
  int32_t next() const { return next_; }
  void set_next(int32_t next) { next_ = next; }
  void reset() { next_ = 0; }

 private:
  int32_t next_ = 0;
};

}  // namespace rawkafka::client::detail
