#include "partition_queue.hpp"

#include <algorithm>

#include "rawkafka/protocol/errors.hpp"

namespace rawkafka::client::detail {

namespace {

using protocol::ErrorCode;

// Errors after which the partition's leader may have moved: refresh metadata before retrying.
bool is_leadership_error(int16_t code) {
  switch (ErrorCode(code)) {
    case ErrorCode::NOT_LEADER_OR_FOLLOWER:
    case ErrorCode::LEADER_NOT_AVAILABLE:
    case ErrorCode::UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode::FENCED_LEADER_EPOCH:
    case ErrorCode::UNKNOWN_LEADER_EPOCH:
    case ErrorCode::NETWORK_EXCEPTION:
    case ErrorCode::KAFKA_STORAGE_ERROR:
      return true;
    default:
      return false;
  }
}

// Errors after which this producer id (or its permission to write idempotently) is gone for
// good: the Java client's fatal errors for an idempotent producer.
bool is_fatal_for_idempotence(int16_t code) {
  switch (ErrorCode(code)) {
    case ErrorCode::INVALID_PRODUCER_EPOCH:
    case ErrorCode::PRODUCER_FENCED:
    case ErrorCode::CLUSTER_AUTHORIZATION_FAILED:
    case ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case ErrorCode::INVALID_PRODUCER_ID_MAPPING:
      return true;
    default:
      return false;
  }
}

}  // namespace

QueuePolicy QueuePolicy::from(const ProducerConfig& config, bool idempotent) {
  QueuePolicy p;
  p.retries = config.retries;
  p.retry_backoff = std::chrono::milliseconds(config.retry_backoff_ms);
  p.retry_backoff_max = std::chrono::milliseconds(std::max(config.retry_backoff_max_ms, config.retry_backoff_ms));
  p.idempotent = idempotent;
  return p;
}

bool PartitionQueue::set_leader(int32_t leader, int32_t epoch) {
  if (epoch >= 0 && leader_epoch_ >= 0 && epoch < leader_epoch_) return false;
  const bool changed = leader != leader_;
  leader_ = leader;
  if (epoch >= 0) leader_epoch_ = epoch;
  return changed;
}

Batch* PartitionQueue::close_open() {
  Batch* b = open_;
  open_ = nullptr;
  if (b && policy_.idempotent) b->base_sequence = sequence_.assign(b->record_count());
  return b;
}

void PartitionQueue::enqueue(Batch* b) {
  b->queue = this;
  b->next = nullptr;
  if (tail_) {
    tail_->next = b;
  } else {
    head_ = b;
  }
  tail_ = b;
}

void PartitionQueue::on_failed_unsent(Batch* b) {
  // Its sequence numbers will never be written: the batches after it must move down.
  if (b->base_sequence >= 0) resequence_ = true;
}

// A retry goes back in creation order (which is also sequence order): before every batch of
// this partition created after it.
void PartitionQueue::requeue(Batch* b) {
  Batch** at = &head_;
  while (*at && (*at)->created <= b->created) at = &(*at)->next;
  b->next = *at;
  *at = b;
  if (!b->next) tail_ = b;
}

Hold PartitionQueue::ready_to_send(Instant now) {
  if (!head_) return Hold::empty;
  if (now < retry_at_) return Hold::backoff;
  if (retrying_ && in_flight_ > 0) return Hold::in_flight;
  if (resequence_) {
    if (in_flight_ > 0) return Hold::in_flight;  // the batches sent after the hole come back first
    renumber();
    resequence_ = false;
  }
  if (policy_.idempotent) {
    if (in_flight_ >= policy_.max_in_flight) return Hold::in_flight;
    // Until the broker has acknowledged one batch of this partition it may hold no state for
    // our producer id, and would take a later sequence first if an earlier batch bounced
    // (e.g. NOT_LEADER_OR_FOLLOWER on a new topic): one batch at a time.
    if (!confirmed_ && in_flight_ > 0) return Hold::in_flight;
  }
  if (leader_ < 0) return Hold::leader_unknown;
  return Hold::none;
}

Batch* PartitionQueue::take_front() {
  Batch* b = head_;
  if (!b) return nullptr;
  head_ = b->next;
  if (!head_) tail_ = nullptr;
  b->next = nullptr;
  ++in_flight_;
  return b;
}

// After a batch failed for good, the broker still expects the sequence where it began: the
// waiting batches get, in order, sequences from there (finishing is pure, so finishing again
// with a new base sequence rewrites only the header and CRC).
void PartitionQueue::renumber() {
  int32_t seq = expected_sequence_;
  for (Batch* b = head_; b; b = b->next) {
    if (b->base_sequence != seq) {
      b->base_sequence = seq;
      b->stale = true;
    }
    seq = increment_sequence(seq, b->record_count());
  }
  sequence_.set_next(seq);
}

void PartitionQueue::reset_sequences() {
  expected_sequence_ = 0;
  confirmed_ = false;
  resequence_ = false;
  renumber();
  for (Batch* b = head_; b; b = b->next) b->stale = true;  // a new producer epoch too
}

BatchFailure PartitionQueue::failure_for(const Batch& b, int16_t error_code, LocalError local) const {
  BatchFailure f;
  f.error_code = error_code ? error_code : -1;
  f.local = local;
  f.status = b.maybe_written ? DeliveryStatus::possibly_persisted : DeliveryStatus::not_persisted;
  return f;
}

Decision PartitionQueue::give_up(Batch* b, int16_t code, LocalError local) {
  if (b->base_sequence >= 0) resequence_ = true;
  Decision d;
  d.verdict = Verdict::failed;
  d.failure = failure_for(*b, code, local);
  return d;
}

Decision PartitionQueue::retry(Batch* b, int16_t code, Instant now) {
  ++b->attempts;
  b->last_error = code;
  if (b->attempts > policy_.retries) return give_up(b, code, LocalError::retries_exhausted);
  if (now >= b->deadline) return give_up(b, code, LocalError::timed_out);
  retrying_ = true;
  Duration backoff = policy_.retry_backoff * (int64_t(1) << std::min(b->attempts - 1, 10));
  retry_at_ = now + std::min(backoff, policy_.retry_backoff_max);
  requeue(b);
  Decision d;
  d.verdict = Verdict::retry;
  d.refresh_metadata = is_leadership_error(code);
  return d;
}

Decision PartitionQueue::on_response(Batch* b, int16_t code, Instant now) {
  --in_flight_;
  if (code == 0 || code == int16_t(ErrorCode::DUPLICATE_SEQUENCE_NUMBER)) {
    if (in_flight_ == 0) retrying_ = false;
    confirmed_ = true;
    if (b->base_sequence >= 0) expected_sequence_ = increment_sequence(b->base_sequence, b->record_count());
    return {};
  }
  if (policy_.idempotent) {
    if (is_fatal_for_idempotence(code)) {
      Decision d = give_up(b, code, LocalError::fatal_idempotence);
      d.fatal = true;
      return d;
    }
    const bool next_expected = b->base_sequence == expected_sequence_ && !retrying_ && !resequence_;
    if (code == int16_t(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER)) {
      if (!next_expected) {
        // An earlier batch was retried or failed for good: this one's number is not what the
        // broker expects. It goes again, renumbered from the broker's expectation.
        resequence_ = true;
        return retry(b, code, now);
      }
      // It is the batch the broker should take next and still out of order: the broker has
      // lost our sequence state. KIP-360: bump the epoch and retry from sequence 0.
      Decision d = retry(b, code, now);
      d.bump_epoch = true;
      return d;
    }
    if (code == int16_t(ErrorCode::UNKNOWN_PRODUCER_ID)) {
      // The broker no longer knows our producer id (its state expired with the log's
      // retention, log_start_offset past our last write). The next batch can be retried under
      // a new epoch; a later one has lost its place.
      Decision d = next_expected ? retry(b, code, now) : give_up(b, code, LocalError::none);
      d.bump_epoch = true;
      return d;
    }
  }
  if (protocol::is_retriable(code)) return retry(b, code, now);
  return give_up(b, code, LocalError::none);
}

Decision PartitionQueue::on_no_answer(Batch* b, Instant now) {
  --in_flight_;
  b->maybe_written = true;
  Decision d = retry(b, int16_t(ErrorCode::NETWORK_EXCEPTION), now);
  d.refresh_metadata = true;
  return d;
}

Decision PartitionQueue::on_not_sent(Batch* b, const BatchFailure& failure) {
  --in_flight_;
  if (b->base_sequence >= 0) resequence_ = true;
  Decision d;
  d.verdict = Verdict::failed;
  d.failure = failure;
  d.failure.status = b->maybe_written ? DeliveryStatus::possibly_persisted : failure.status;
  return d;
}

void PartitionQueue::take_expired(Instant now, std::vector<Batch*>& out) {
  while (head_ && now >= head_->deadline) {
    Batch* b = head_;
    head_ = b->next;
    if (!head_) tail_ = nullptr;
    b->next = nullptr;
    if (b->base_sequence >= 0) resequence_ = true;
    out.push_back(b);
  }
}

void PartitionQueue::take_queued(std::vector<Batch*>& out) {
  for (Batch* b = head_; b;) {
    Batch* n = b->next;
    b->next = nullptr;
    if (b->base_sequence >= 0) resequence_ = true;
    out.push_back(b);
    b = n;
  }
  head_ = tail_ = nullptr;
}

}  // namespace rawkafka::client::detail
