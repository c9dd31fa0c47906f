#pragma once
// The producer's decisions as pure functions, so they can be tested without sockets:
// when an open batch is ready, how sequence numbers advance, and which ready batches one
// Produce request to a broker carries.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

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

// ---- request grouping --------------------------------------------------------------------

// One partition with a ready batch, as the planner sees it.
struct ReadyBatchInfo {
  int32_t broker = -1;   // leader node id
  size_t batch_bytes = 0;
  size_t topic_key = 0;  // batches of the same topic share a key (topic name counted once)
  size_t topic_overhead = 0;  // bytes the topic adds to a request the first time it appears
};

struct RequestPlanLimits {
  size_t max_request_size = 1048576;  // max.request.size
  size_t request_overhead = 0;        // frame + header + fixed request fields
  size_t partition_overhead = 0;      // per partition: index + records length (+ tags)
  unsigned max_in_flight = 5;         // max.in.flight.requests.per.connection
};

// Picks, for `broker`, the batches (indexes into `ready`, in order) the next request carries.
// A batch that alone exceeds the limit still goes alone (the broker then answers
// MESSAGE_TOO_LARGE / RECORD_LIST_TOO_LARGE for it, which is reported per record).
// Returns empty when `in_flight` has reached the limit or nothing is ready for the broker.
inline void plan_request(std::span<const ReadyBatchInfo> ready, int32_t broker, unsigned in_flight,
                         const RequestPlanLimits& limits, std::vector<size_t>& out) {
  out.clear();
  if (in_flight >= limits.max_in_flight) return;
  size_t total = limits.request_overhead;
  for (size_t i = 0; i < ready.size(); ++i) {
    const ReadyBatchInfo& b = ready[i];
    if (b.broker != broker) continue;
    bool topic_new = true;
    for (size_t j : out) {
      if (ready[j].topic_key == b.topic_key) {
        topic_new = false;
        break;
      }
    }
    size_t add = b.batch_bytes + limits.partition_overhead + (topic_new ? b.topic_overhead : 0);
    if (!out.empty() && total + add > limits.max_request_size) continue;
    total += add;
    out.push_back(i);
    if (total >= limits.max_request_size) break;
  }
}

}  // namespace rawkafka::client::detail
