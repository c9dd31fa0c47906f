#include "verify.hpp"

#include <charconv>
#include <cstring>

namespace rawkafka::rawproduce {

size_t format_key(uint64_t i, char* buf) {
  std::memcpy(buf, "key-", 4);
  auto [end, ec] = std::to_chars(buf + 4, buf + 24, i);
  (void)ec;
  return size_t(end - buf);
}

Verifier::Verifier(const PayloadPool& pool, uint64_t generated, unsigned threads, uint64_t keys)
    : pool_(pool),
      generated_(generated),
      threads_(threads ? threads : 1),
      keys_(keys),
      seen_((generated + 63) / 64, 0) {}

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
  uint64_t& word = seen_[seq / 64];
  const uint64_t bit = uint64_t(1) << (seq % 64);
  if (word & bit) {
    ++summary_.duplicates;
  } else {
    word |= bit;
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

VerifySummary Verifier::finish(uint64_t acknowledged) const {
  VerifySummary s = summary_;
  s.expected = acknowledged;
  s.lost = acknowledged > unique_ ? acknowledged - unique_ : 0;
  return s;
}

}  // namespace rawkafka::rawproduce
