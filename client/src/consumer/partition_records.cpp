#include "partition_records.hpp"

#include <algorithm>
#include <string>

namespace rawkafka::client::detail {

namespace {

// RecordBatch v2 header fields the walk needs (protocol's layout: baseOffset, batchLength,
// partitionLeaderEpoch, magic, ..., lastOffsetDelta at 23).
constexpr size_t kLogOverhead = 12;  // baseOffset + batchLength
constexpr size_t kEpochOffset = 12;
constexpr size_t kMagicOffset = 16;
constexpr size_t kLastOffsetDeltaOffset = 23;
constexpr size_t kHeaderSize = 61;

// A control batch's key: version (int16) then type (int16): 0 abort, 1 commit.
bool is_abort_marker(const protocol::RecordView& record) {
  return record.key && record.key->size() >= 4 && protocol::detail::load_be16(record.key->data() + 2) == 0;
}

}  // namespace

BatchScan scan_batches(protocol::Bytes records, int64_t position) {
  BatchScan scan;
  scan.next_offset = position;
  size_t at = 0;
  while (records.size() - at >= kLogOverhead) {
    const uint8_t* p = records.data() + at;
    const int64_t base = int64_t(protocol::detail::load_be64(p));
    const int32_t length = int32_t(protocol::detail::load_be32(p + 8));
    if (records.size() - at > kMagicOffset) {
      const int8_t magic = int8_t(p[kMagicOffset]);
      if (magic != protocol::kRecordBatchMagic) {
        // A truncated tail can look like anything; only a whole batch's magic counts.
        if (length > 0 && size_t(length) + kLogOverhead <= records.size() - at) {
          scan.stuck = magic == 0 || magic == 1 ? "a legacy message set (magic v0/v1), which is not supported"
                                                : "an unknown magic byte";
        }
        return scan;
      }
    }
    if (length < int32_t(kHeaderSize - kLogOverhead)) {
      scan.stuck = "a batch length shorter than the batch header";
      return scan;
    }
    if (size_t(length) + kLogOverhead > records.size() - at) return scan;  // cut short: fetch again
    const int32_t last_delta = int32_t(protocol::detail::load_be32(p + kLastOffsetDeltaOffset));
    const int64_t last = int64_t(uint64_t(base) + uint64_t(std::max(last_delta, 0)));
    if (last >= scan.next_offset) {
      scan.next_offset = last + 1;
      scan.last_epoch = int32_t(protocol::detail::load_be32(p + kEpochOffset));
    }
    at += size_t(length) + kLogOverhead;
  }
  return scan;
}

void RecordDelivery::report(ConsumerHandler& handler, ConsumeErrorKind kind, std::string_view topic,
                            int32_t partition, int64_t offset, const char* what, const char* reason) {
  ConsumeError e;
  e.kind = kind;
  e.topic = topic;
  e.partition = partition;
  e.offset = offset;
  e.message = std::string(what) + " at offset " + std::to_string(offset) + " of " + std::string(topic) + "-" +
              std::to_string(partition) + " was skipped: " + (reason ? reason : "unreadable");
  handler.on_error(e);
}

DeliveryCounts RecordDelivery::deliver(
    std::string_view topic, int32_t partition, protocol::Bytes records, int64_t from, int64_t to,
    const std::optional<std::vector<protocol::FetchResponse::AbortedTransaction>>& aborted, RecordBudget* budget,
    ConsumerHandler& handler) {
  DeliveryCounts counts;
  const bool committed_only = isolation_ == IsolationLevel::read_committed;
  if (committed_only) aborted_producers_.clear();
  size_t next_aborted = 0;  // the aborted list is in first_offset order (FetchResponse.json)

  size_t at = 0;
  int64_t last_delivered = from - 1;
  protocol::RecordBatchView batch;
  while (at < records.size()) {
    protocol::ReadResult parsed = batch.parse(records.subspan(at), check_crcs_);
    if (parsed.status == protocol::ReadStatus::truncated) break;
    if (!parsed.ok()) {
      // The header walk (scan_batches) already moved the position past a batch whose length is
      // readable; report it once, here, and go on after it.
      const uint8_t* p = records.data() + at;
      if (records.size() - at < kLogOverhead) break;
      const int64_t base = int64_t(protocol::detail::load_be64(p));
      const int32_t length = int32_t(protocol::detail::load_be32(p + 8));
      if (length < int32_t(kHeaderSize - kLogOverhead) || size_t(length) + kLogOverhead > records.size() - at) break;
      ++counts.corrupt;
      report(handler, ConsumeErrorKind::corrupt_batch, topic, partition, base, "a corrupt batch", parsed.reason);
      at += size_t(length) + kLogOverhead;
      continue;
    }
    at += batch.size();
    if (batch.last_offset() < from) continue;
    if (batch.base_offset() >= to) break;

    if (committed_only) {
      while (aborted && next_aborted < aborted->size() && (*aborted)[next_aborted].first_offset <= batch.last_offset()) {
        aborted_producers_.push_back((*aborted)[next_aborted].producer_id);
        ++next_aborted;
      }
    }
    auto in_aborted = [&] {
      return std::find(aborted_producers_.begin(), aborted_producers_.end(), batch.producer_id()) !=
             aborted_producers_.end();
    };
    if (batch.is_control()) {
      // The end of a transaction: an abort marker closes the skipped range of its producer.
      if (committed_only && in_aborted()) {
        protocol::RecordBatchReader control;
        protocol::RecordView marker;
        if (control.open(batch, &codecs_, scratch_).ok() && control.next(marker) && is_abort_marker(marker)) {
          aborted_producers_.erase(std::find(aborted_producers_.begin(), aborted_producers_.end(), batch.producer_id()));
        }
      }
      continue;
    }
    if (committed_only && batch.is_transactional() && in_aborted()) continue;

    // Records of this batch inside [from, to); exact for the ends only when records are read.
    const int64_t first = std::max(batch.base_offset(), from);
    const int64_t last = std::min(batch.last_offset(), to - 1);
    uint64_t wanted = uint64_t(last - first + 1);
    if (batch.base_offset() >= from && batch.last_offset() < to) wanted = uint64_t(std::max(batch.record_count(), 0));
    uint64_t allowed = budget ? budget->claim(wanted) : wanted;
    if (allowed == 0) {
      counts.budget_spent = true;
      break;
    }

    BatchInfo info;
    info.topic = topic;
    info.partition = partition;
    info.base_offset = batch.base_offset();
    info.last_offset = batch.last_offset();
    info.record_count = int32_t(allowed);
    info.base_timestamp = batch.base_timestamp();
    info.max_timestamp = batch.max_timestamp();
    info.leader_epoch = batch.partition_leader_epoch();
    info.compression = batch.compression();
    info.transactional = batch.is_transactional();
    info.bytes = uint32_t(batch.size());

    if (delivery_ == Delivery::batches) {
      handler.on_batch(info);
      ++counts.batches;
      counts.batch_bytes += batch.size();
      counts.records += allowed;
      if (allowed < wanted) {
        counts.budget_spent = true;
        break;
      }
      continue;
    }

    protocol::RecordBatchReader reader;
    if (protocol::ReadResult opened = reader.open(batch, &codecs_, scratch_); !opened.ok()) {
      ++counts.undecodable;
      report(handler, ConsumeErrorKind::undecodable_batch, topic, partition, batch.base_offset(),
             "a batch that does not decompress", opened.reason);
      if (budget) budget->refund(allowed);
      continue;
    }
    handler.on_batch(info);
    ++counts.batches;
    counts.batch_bytes += batch.size();
    protocol::RecordView rec;
    uint64_t delivered = 0;
    bool backwards = false;
    // Offsets already handed out (batches that overlap) are passed over like those before the
    // position; inside one batch, offsets that go back or repeat make the batch corrupt:
    // handing them out would break the order a consumer relies on.
    const int64_t skip_below = std::max(from, last_delivered + 1);
    int64_t previous = INT64_MIN;
    while (delivered < allowed && reader.next(rec)) {
      if (rec.offset <= previous) {
        backwards = true;
        break;
      }
      previous = rec.offset;
      if (rec.offset < skip_below) continue;
      if (rec.offset >= to) break;
      last_delivered = rec.offset;
      handler.on_record(PartitionRecord{topic, partition, rec});
      counts.record_bytes += (rec.key ? rec.key->size() : 0) + (rec.value ? rec.value->size() : 0);
      ++delivered;
    }
    counts.records += delivered;
    if (budget && delivered < allowed) budget->refund(allowed - delivered);
    if (!reader.result().ok() || backwards) {
      ++counts.undecodable;
      report(handler, ConsumeErrorKind::undecodable_batch, topic, partition, batch.base_offset(),
             "a batch whose records do not decode", backwards ? "record offsets go backwards" : reader.result().reason);
    }
    if (allowed < wanted) {
      counts.budget_spent = true;
      break;
    }
  }
  return counts;
}

}  // namespace rawkafka::client::detail
