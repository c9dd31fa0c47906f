#pragma once
// The producer's decisions for one partition, without a socket or a clock of its own: the open
// batch, the finished batches waiting to be sent (in sequence order), how many are in flight,
// sequence numbers, retries with backoff, delivery.timeout.ms expiry, leader changes, and what
// each broker answer means (KIP-98 idempotence, the KIP-360 epoch bump). The core's loop feeds
// it events — a batch closed, a response, a lost connection, time passing — and carries out
// the decisions it returns.

#include <cstdint>
#include <vector>

#include "batch.hpp"
#include "batch_policy.hpp"
#include "fast_clock.hpp"
#include "rawkafka/client/config.hpp"

namespace rawkafka::client::detail {

struct QueuePolicy {
  int32_t retries = 2147483647;
  Duration retry_backoff = std::chrono::milliseconds(100);
  Duration retry_backoff_max = std::chrono::milliseconds(1000);
  bool idempotent = false;
  int32_t max_in_flight = 5;  // per partition when idempotent (the broker keeps 5 batches' state)

  static QueuePolicy from(const ProducerConfig& config, bool idempotent);
};

enum class Verdict : uint8_t { completed, retry, failed };

// What the queue decided about a batch that came back; the core carries it out.
struct Decision {
  Verdict verdict = Verdict::completed;
  BatchFailure failure;           // when failed
  bool refresh_metadata = false;  // the leader may have moved
  bool bump_epoch = false;        // KIP-360: a new epoch for this core, sequences from 0
  bool fatal = false;             // the idempotent state cannot be recovered: fail everything
};

// Why the front batch may not be sent now.
enum class Hold : uint8_t { none, empty, backoff, in_flight, leader_unknown };

class PartitionQueue {
 public:
  PartitionQueue(uint32_t topic, int32_t partition, const QueuePolicy& policy)
      : policy_(policy), topic_(topic), partition_(partition) {}
  PartitionQueue(const PartitionQueue&) = delete;
  PartitionQueue& operator=(const PartitionQueue&) = delete;

  uint32_t topic() const { return topic_; }
  int32_t partition() const { return partition_; }
  int32_t leader() const { return leader_; }
  int32_t leader_epoch() const { return leader_epoch_; }
  // Metadata (or a response's current_leader) named the leader; true when it changed. A
  // leader epoch older than the one known is ignored (stale metadata).
  bool set_leader(int32_t leader, int32_t epoch);

  // ---- the open batch: the core appends records straight into it ----
  Batch* open() const { return open_; }
  void set_open(Batch* b) {
    b->queue = this;
    open_ = b;
  }
  // The open batch is full or has lingered: it is detached and, when idempotent, numbered.
  // The core finishes it and then enqueue()s it (or on_failed_unsent() if finishing failed).
  Batch* close_open();
  void enqueue(Batch* b);

  // ---- sending ----
  // Whether the front batch may go now. Renumbers the queue first when a hole must be closed
  // (which marks batches stale: the core finishes them again before sending).
  Hold ready_to_send(Instant now);
  Batch* front() const { return head_; }
  // The front batch leaves the queue and is in flight.
  Batch* take_front();
  int32_t in_flight() const { return in_flight_; }
  bool queued() const { return head_ != nullptr; }
  bool idle() const { return !head_ && !open_ && in_flight_ == 0; }
  Instant retry_at() const { return retry_at_; }
  Instant front_deadline() const { return head_ ? head_->deadline : Instant::max(); }

  // ---- outcomes of batches in flight ----
  // The broker answered for the batch.
  Decision on_response(Batch* b, int16_t error_code, Instant now);
  // The request carrying it was written (or may have been) but no answer will come: the
  // connection was lost, or request.timeout.ms passed.
  Decision on_no_answer(Batch* b, Instant now);
  // The request carrying it was never handed to the socket (e.g. it could not be encoded).
  Decision on_not_sent(Batch* b, const BatchFailure& failure);
  // The batch failed before it was ever queued (finishing it failed).
  void on_failed_unsent(Batch* b);

  // Queued batches past delivery.timeout.ms, oldest first, taken out of the queue.
  void take_expired(Instant now, std::vector<Batch*>& out);
  // Every queued batch (not the open one, not those in flight), taken out of the queue.
  void take_queued(std::vector<Batch*>& out);
  // KIP-360, after the core has a new epoch and nothing of this partition is in flight:
  // sequences start again from 0 and every queued batch is renumbered (marked stale).
  void reset_sequences();

  // The failure for a batch that will not be sent again, given why.
  BatchFailure failure_for(const Batch& b, int16_t error_code, LocalError local) const;

  // Introspection for tests.
  int32_t next_sequence() const { return sequence_.next(); }
  int32_t expected_sequence() const { return expected_sequence_; }
  bool confirmed() const { return confirmed_; }

  // The core's list of partitions with queued batches.
  bool in_ready_list = false;

 private:
  Decision retry(Batch* b, int16_t code, Instant now);
  Decision give_up(Batch* b, int16_t code, LocalError local);
  void requeue(Batch* b);
  void renumber();

  QueuePolicy policy_;
  uint32_t topic_;
  int32_t partition_;
  int32_t leader_ = -1;
  int32_t leader_epoch_ = -1;
  Batch* open_ = nullptr;
  Batch* head_ = nullptr;  // finished batches in send (sequence) order
  Batch* tail_ = nullptr;
  int32_t in_flight_ = 0;
  Instant retry_at_{};
  bool retrying_ = false;  // a batch came back for a retry: one at a time until it lands
  // Idempotence: the next sequence to give a closed batch; the sequence the broker expects
  // next (end of the last acknowledged batch); whether a batch failed for good or came back
  // out of order, leaving a hole the batches after it must close; whether the broker has
  // acknowledged a batch of ours since the last epoch began.
  SequenceCounter sequence_;
  int32_t expected_sequence_ = 0;
  bool resequence_ = false;
  bool confirmed_ = false;
};

}  // namespace rawkafka::client::detail
