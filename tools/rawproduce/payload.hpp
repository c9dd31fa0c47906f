#pragma once
// The records rawproduce sends, prepared before timing into a fixed pool that the run cycles
// through, so memory does not grow with --num-records and generation costs nothing while timed.

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace rawkafka::rawproduce {

// A payload file that cannot serve: what() is "<path>: <why>", e.g. "/tmp: is a directory, not
// a file" (the caller names the flag: it is bad usage, not a failed run).
class PayloadFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PayloadPool {
 public:
  // JSON log records like the seeds' log workload, about 125 bytes each:
  // {"Timestamp":"2025-04-27T06:03:34.123456Z","Level":"INFO","Message":"...","ResourceID":"resource-3"}
  // Deterministic for a given seed.
  static PayloadPool json_logs(size_t count = 65536, uint64_t seed = 1);
  // `count` records of `record_size` random upper-case letters (as perf-test's random payload),
  // taken as consecutive windows of one buffer (so the pool stays small for large records and
  // is read as a stream).
  static PayloadPool random(uint32_t record_size, size_t count = 65536, uint64_t seed = 1);
  // The records of `contents` separated by `delimiter` (empty records dropped), as perf-test's
  // --payload-file. Throws std::runtime_error when there is none.
  static PayloadPool from_text(const std::string& contents, const std::string& delimiter);
  // Reads a file and splits it as from_text. Throws PayloadFileError when the path is missing,
  // is a directory, cannot be read, or holds no records.
  static PayloadPool from_file(const std::string& path, const std::string& delimiter);

  size_t size() const { return offsets_.size(); }
  // Record i of the pool, cycling: i may be any number.
  std::span<const uint8_t> record(uint64_t i) const {
    const size_t k = size_t(i % offsets_.size());
    return {data_.data() + offsets_[k], lengths_[k]};
  }
  // Record k of the pool, k < size(): no division, for the produce loop (see PayloadCursor).
  std::span<const uint8_t> record_at(size_t k) const { return {data_.data() + offsets_[k], lengths_[k]}; }
  double average_size() const;
  size_t memory_bytes() const { return data_.size() + offsets_.size() * (sizeof(size_t) + sizeof(uint32_t)); }

 private:
  std::vector<uint8_t> data_;
  std::vector<size_t> offsets_;
  std::vector<uint32_t> lengths_;
};

// Walks a pool's records i, i + step, i + 2 step, ... (cycling) without a division per record.
class PayloadCursor {
 public:
  PayloadCursor(const PayloadPool& pool, uint64_t first, uint64_t step)
      : pool_(&pool), k_(size_t(first % pool.size())), step_(size_t(step % pool.size())) {}
  std::span<const uint8_t> record() const { return pool_->record_at(k_); }
  void advance() {
    k_ += step_;
    if (k_ >= pool_->size()) k_ -= pool_->size();
  }

 private:
  const PayloadPool* pool_;
  size_t k_;
  size_t step_;
};

}  // namespace rawkafka::rawproduce
