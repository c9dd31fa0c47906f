#include "rawkafka/client/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace rawkafka::client {

void LatencyHistogram::reset() {
  counts_.fill(0);
  count_ = 0;
  sum_ = 0;
  max_ = 0;
  min_ = UINT64_MAX;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

uint64_t LatencyHistogram::bucket_lowest(size_t index) {
  if (index < kLinearLimit) return index;
  const size_t per_octave = size_t(1) << kSubBucketBits;
  const size_t octave = (index - kLinearLimit) / per_octave;  // shift - 1
  const uint64_t sub = (index - kLinearLimit) % per_octave;
  const int shift = int(octave) + 1;
  return (per_octave + sub) << shift;
}

uint64_t LatencyHistogram::bucket_highest(size_t index) {
  if (index < kLinearLimit) return index;
  const size_t octave = (index - kLinearLimit) >> kSubBucketBits;
  const int shift = int(octave) + 1;
  return bucket_lowest(index) + (uint64_t(1) << shift) - 1;
}

uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  if (p <= 0) return min_;
  if (p >= 100) return max_;
  // Nearest rank: the smallest value with at least ceil(p% of count) values at or below it.
  uint64_t rank = uint64_t(std::ceil(p / 100.0 * double(count_)));
  if (rank < 1) rank = 1;
  if (rank > count_) rank = count_;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The middle of the bucket halves the worst-case error; clamp to what was seen.
      uint64_t lo = bucket_lowest(i);
      uint64_t v = lo + (bucket_highest(i) - lo) / 2;
      return std::clamp(v, min_, max_);
    }
  }
  return max_;
}

LatencySnapshot LatencyHistogram::snapshot() const {
  LatencySnapshot s;
  s.count = count_;
  if (count_ == 0) return s;
  s.avg_ns = mean();
  s.min_ns = min_;
  s.max_ns = max_;
  s.p50_ns = percentile(50);
  s.p95_ns = percentile(95);
  s.p99_ns = percentile(99);
  s.p999_ns = percentile(99.9);
  return s;
}

}  // namespace rawkafka::client
