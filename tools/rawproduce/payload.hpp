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
  // taken as overlapping windows of one buffer so the pool stays small for large records.
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
  double average_size() const;
  size_t memory_bytes() const { return data_.size() + offsets_.size() * (sizeof(size_t) + sizeof(uint32_t)); }

 private:
  std::vector<uint8_t> data_;
  std::vector<size_t> offsets_;
  std::vector<uint32_t> lengths_;
};

}  // namespace rawkafka::rawproduce
