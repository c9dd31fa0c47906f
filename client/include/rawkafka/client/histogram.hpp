#pragma once
// A fixed-memory latency histogram with log-linear buckets (HdrHistogram-style): exact below
// 256 ns, then 128 buckets per power of two, so a recorded value lands in a bucket whose width
// is at most 1/128 of the value (reported values are within ~0.4% of the truth). Covers 1 ns to
// 2^42 ns (about 73 minutes); larger values are clamped into the last bucket (max() stays exact).
//
// record() is a few instructions and never allocates; one histogram per core, merged for
// reports. ~38 KB per histogram: keep it on the heap or in a long-lived object.

#include <array>
#include <cstddef>
#include <cstdint>

namespace rawkafka::client {

// A summary of latencies, in nanoseconds. Percentiles use the nearest-rank definition: the
// p-th percentile is the smallest recorded value v such that at least p% of values are <= v
// (to bucket precision, and clamped to [min, max]).
struct LatencySnapshot {
  uint64_t count = 0;
  double avg_ns = 0;
  uint64_t min_ns = 0;
  uint64_t max_ns = 0;
  uint64_t p50_ns = 0;
  uint64_t p95_ns = 0;
  uint64_t p99_ns = 0;
  uint64_t p999_ns = 0;

  static constexpr double to_ms(double ns) { return ns / 1e6; }
  double avg_ms() const { return to_ms(avg_ns); }
  double max_ms() const { return to_ms(double(max_ns)); }
};

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;                            // 128 buckets per octave
  static constexpr uint64_t kLinearLimit = uint64_t(2) << kSubBucketBits;  // exact below 256
  static constexpr int kMaxExponent = 42;                             // values < 2^42 ns
  static constexpr uint64_t kMaxTrackable = (uint64_t(1) << kMaxExponent) - 1;
  static constexpr size_t kBucketCount =
      kLinearLimit + size_t(kMaxExponent - kSubBucketBits - 1) * (size_t(1) << kSubBucketBits);

  LatencyHistogram() { reset(); }

  void record(uint64_t value_ns) {
    ++counts_[bucket_of(value_ns)];
    ++count_;
    sum_ += value_ns;
    if (value_ns > max_) max_ = value_ns;
    if (value_ns < min_) min_ = value_ns;
  }
  // `times` records of one value at once (records acknowledged together that waited alike).
  void record(uint64_t value_ns, uint64_t times) {
    if (times == 0) return;
    counts_[bucket_of(value_ns)] += times;
    count_ += times;
    sum_ += value_ns * times;
    if (value_ns > max_) max_ = value_ns;
    if (value_ns < min_) min_ = value_ns;
  }
  // Adds every value of `other` into this one.
  void merge(const LatencyHistogram& other);
  void reset();

  uint64_t count() const { return count_; }
  uint64_t max() const { return count_ ? max_ : 0; }
  uint64_t min() const { return count_ ? min_ : 0; }
  // Sum of recorded values (exact, wraps only past ~584 years of total latency).
  uint64_t sum() const { return sum_; }
  double mean() const { return count_ ? double(sum_) / double(count_) : 0.0; }
  // Nearest-rank percentile, p in [0, 100]; 0 when empty.
  uint64_t percentile(double p) const;
  LatencySnapshot snapshot() const;

  // Bucket arithmetic (public for tests).
  static size_t bucket_of(uint64_t v) {
    if (v < kLinearLimit) return size_t(v);
    if (v > kMaxTrackable) v = kMaxTrackable;
    int msb = 63 - __builtin_clzll(v);           // >= kSubBucketBits + 1
    int shift = msb - kSubBucketBits;            // >= 1
    uint64_t sub = (v >> shift) - (uint64_t(1) << kSubBucketBits);  // 0..127
    return size_t(kLinearLimit + uint64_t(shift - 1) * (uint64_t(1) << kSubBucketBits) + sub);
  }
  static uint64_t bucket_lowest(size_t index);
  static uint64_t bucket_highest(size_t index);

 private:
  std::array<uint64_t, kBucketCount> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace rawkafka::client
