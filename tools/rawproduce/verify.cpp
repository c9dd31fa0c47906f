#include "verify.hpp"

#include <bit>
#include <charconv>
#include <cstring>
#include <map>

namespace rawkafka::rawproduce {

size_t format_key(uint64_t i, char* buf) {
  std::memcpy(buf, "key-", 4);
  auto [end, ec] = std::to_chars(buf + 4, buf + 24, i);
  (void)ec;
  return size_t(end - buf);
}

void SequenceSet::merge(const SequenceSet& other) {
  if (other.words_.size() > words_.size()) words_.resize(other.words_.size());
  for (size_t i = 0; i < other.words_.size(); ++i) words_[i] |= other.words_[i];
}

uint64_t SequenceSet::size() const {
  uint64_t n = 0;
  for (uint64_t w : words_) n += uint64_t(std::popcount(w));
  return n;
}

Verifier::Verifier(const PayloadPool& pool, uint64_t generated, unsigned threads, uint64_t keys)
    : pool_(pool),
      generated_(generated),
      threads_(threads ? threads : 1),
      keys_(keys) {}

void Verifier::on_record(const client::ConsumedRecord& record) {
  ++summary_.consumed;
  const protocol::RecordHeader* mark = nullptr;
  for (const auto& h : record.headers) {
    if (h.key == kSequenceHeader) mark = &h;
  }
  if (!mark || !mark->value || mark->value->size() != 8) {
    ++summary_.corrupt;
    return;
  }
  uint64_t seq = 0;
  for (uint8_t b : *mark->value) seq = (seq << 8) | b;
  if (seq >= generated_) {
    ++summary_.corrupt;
    return;
  }
  // The payload (and key) must be exactly what sequence `seq` was sent with.
  const auto expected = pool_.record(seq);
  if (!record.value || record.value->size() != expected.size() ||
      std::memcmp(record.value->data(), expected.data(), expected.size()) != 0) {
    ++summary_.corrupt;
    return;
  }
  if (keys_) {
    char key[24];
    size_t n = format_key(seq % keys_, key);
    if (!record.key || record.key->size() != n || std::memcmp(record.key->data(), key, n) != 0) {
      ++summary_.corrupt;
      return;
    }
  } else if (record.key) {
    ++summary_.corrupt;
    return;
  }
  if (seen_.contains(seq)) {
    ++summary_.duplicates;
  } else {
    seen_.insert(seq);
    ++unique_;
  }
  // Within a partition, one producer thread's records must keep their order.
  const uint64_t stream = (uint64_t(uint32_t(record.partition)) << 20) | (seq % threads_);
  auto [it, inserted] = last_seq_.try_emplace(stream, seq);
  if (!inserted) {
    if (seq <= it->second) {
      if (seq != it->second) ++summary_.out_of_order;
    } else {
      it->second = seq;
    }
  }
}

VerifySummary Verifier::finish(const SequenceSet& acknowledged) const {
  VerifySummary s = summary_;
  s.complete = true;
  s.expected = acknowledged.size();
  const auto& acked = acknowledged.words();
  const auto& seen = seen_.words();
  for (size_t i = 0; i < std::max(acked.size(), seen.size()); ++i) {
    const uint64_t a = i < acked.size() ? acked[i] : 0;
    const uint64_t r = i < seen.size() ? seen[i] : 0;
    s.lost += uint64_t(std::popcount(a & ~r));
    s.unacknowledged_present += uint64_t(std::popcount(r & ~a));
  }
  return s;
}

VerifySummary Verifier::finish_incomplete(uint64_t acknowledged, std::string why) const {
  VerifySummary s = summary_;
  s.complete = false;
  s.expected = acknowledged;
  s.error = std::move(why);
  return s;
}

std::string read_back(const std::vector<io::Endpoint>& bootstrap, client::FetcherOptions options,
                      std::string_view topic, const std::vector<client::PartitionOffsets>& before,
                      std::chrono::milliseconds stall, Verifier& verifier) {
  options.request_timeout = std::min(options.request_timeout, stall);
  std::vector<client::PartitionOffsets> from = before;
  std::map<int32_t, int64_t> next;  // partition -> the offset after the last record read
  while (true) {
    uint64_t records = 0;
    client::Fetcher fetcher(bootstrap, options);
    client::AdminResult r = fetcher.consume_all(
        topic,
        [&](const client::ConsumedRecord& record) {
          verifier.on_record(record);
          next[record.partition] = record.offset + 1;
          ++records;
        },
        stall, nullptr, &from);
    if (r.ok()) return {};
    // Out of time while records were still coming: go on from where this read got to.
    if (r.error != client::AdminError::timed_out || records == 0) {
      return "could not read topic '" + std::string(topic) + "' back: " + r.message;
    }
    for (const auto& [partition, offset] : next) {
      auto it = std::find_if(from.begin(), from.end(),
                             [&](const client::PartitionOffsets& o) { return o.partition == partition; });
      if (it == from.end()) it = from.insert(from.end(), client::PartitionOffsets{partition, 0, 0});
      it->latest = std::max(it->latest, offset);
    }
  }
}

}  // namespace rawkafka::rawproduce
