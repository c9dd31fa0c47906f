#pragma once
// A log-linear latency histogram in microseconds (HdrHistogram-like): exact below 128 µs, then 64
// sub-buckets per power of two (error under 1.6%). Fixed size, no allocation when recording.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace rawkafka::bench {

class LatencyHistogram {
 public:
  void record_ns(int64_t ns) { record_us(ns < 0 ? 0 : uint64_t(ns) / 1000); }
  void record_us(uint64_t us) {
    ++counts_[std::min(index_of(us), kBuckets - 1)];
    ++count_;
    sum_us_ += us;
    max_us_ = std::max(max_us_, us);
  }

  uint64_t count() const { return count_; }
  double mean_ms() const { return count_ ? double(sum_us_) / double(count_) / 1000.0 : 0; }
  double max_ms() const { return double(max_us_) / 1000.0; }
  // The value below which `pct` percent of the samples fall (bucket midpoint, capped at max).
  double percentile_ms(double pct) const {
    if (count_ == 0) return 0;
    uint64_t rank = uint64_t(double(count_) * pct / 100.0 + 0.5);
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return double(std::min(midpoint_of(i), max_us_)) / 1000.0;
    }
    return max_ms();
  }

 private:
  static constexpr size_t kExact = 128;
  static constexpr size_t kSub = 64;
  static constexpr size_t kBuckets = kExact + 40 * kSub;

  static size_t index_of(uint64_t us) {
    if (us < kExact) return size_t(us);
    unsigned shift = unsigned(std::bit_width(us)) - 7;  // us >> shift lies in [64, 128)
    return kExact + (shift - 1) * kSub + size_t((us >> shift) - kSub);
  }
  static uint64_t midpoint_of(size_t index) {
    if (index < kExact) return index;
    unsigned shift = unsigned((index - kExact) / kSub) + 1;
    uint64_t low = uint64_t((index - kExact) % kSub + kSub) << shift;
    return low + (uint64_t(1) << shift) / 2;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_us_ = 0;
  uint64_t max_us_ = 0;
};

}  // namespace rawkafka::bench
