// LatencyHistogram against exact percentiles of sorted random data.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "rawkafka/client/histogram.hpp"

using rawkafka::client::LatencyHistogram;

namespace {
// Nearest rank: the smallest value with at least p% of the values at or below it.
uint64_t exact_percentile(const std::vector<uint64_t>& sorted, double p) {
  size_t rank = size_t(std::ceil(p / 100.0 * double(sorted.size())));
  if (rank < 1) rank = 1;
  return sorted[rank - 1];
}

void check_close(uint64_t got, uint64_t want) {
  // Buckets are at most 1/128 of their value wide and we report the middle: within 0.4%.
  double tolerance = std::max(1.0, double(want) * 0.0040);
  CHECK(std::fabs(double(got) - double(want)) <= tolerance);
}
}  // namespace

TEST_CASE("bucket boundaries are contiguous and tight") {
  for (size_t i = 0; i + 1 < LatencyHistogram::kBucketCount; ++i) {
    REQUIRE(LatencyHistogram::bucket_highest(i) + 1 == LatencyHistogram::bucket_lowest(i + 1));
    uint64_t lo = LatencyHistogram::bucket_lowest(i);
    REQUIRE(LatencyHistogram::bucket_of(lo) == i);
    REQUIRE(LatencyHistogram::bucket_of(LatencyHistogram::bucket_highest(i)) == i);
    if (lo >= LatencyHistogram::kLinearLimit) {
      double width = double(LatencyHistogram::bucket_highest(i) - lo + 1);
      REQUIRE(width / double(lo) <= 1.0 / 128.0);
    }
  }
  CHECK(LatencyHistogram::bucket_of(UINT64_MAX) == LatencyHistogram::kBucketCount - 1);
}

TEST_CASE("small values are exact") {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.record(v);
  CHECK(h.count() == 100);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100);
  CHECK(h.percentile(50) == 50);
  CHECK(h.percentile(95) == 95);
  CHECK(h.percentile(99) == 99);
  CHECK(h.percentile(99.9) == 100);
  CHECK(h.mean() == doctest::Approx(50.5));
}

TEST_CASE("percentiles of random latencies match sorted data within bucket precision") {
  std::mt19937_64 rng(2024);
  // Log-normal around 2 ms with a long tail: what a produce latency looks like.
  std::lognormal_distribution<double> dist(std::log(2e6), 1.0);
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200000; ++i) {
    uint64_t v = uint64_t(dist(rng)) + 1;
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {1.0, 10.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.99}) {
    CAPTURE(p);
    check_close(h.percentile(p), exact_percentile(values, p));
  }
  CHECK(h.max() == values.back());
  CHECK(h.min() == values.front());
  double sum = 0;
  for (uint64_t v : values) sum += double(v);
  CHECK(h.mean() == doctest::Approx(sum / double(values.size())).epsilon(1e-9));
  auto s = h.snapshot();
  CHECK(s.count == values.size());
  check_close(s.p50_ns, exact_percentile(values, 50));
  check_close(s.p999_ns, exact_percentile(values, 99.9));
  CHECK(s.max_ms() == doctest::Approx(double(values.back()) / 1e6));
}

TEST_CASE("merge equals recording everything in one histogram") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> dist(1, 5'000'000'000ull);  // up to 5 s
  LatencyHistogram a, b, all;
  std::vector<uint64_t> values;
  for (int i = 0; i < 50000; ++i) {
    uint64_t v = dist(rng);
    (i % 3 ? a : b).record(v);
    all.record(v);
    values.push_back(v);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.sum() == all.sum());
  CHECK(a.max() == all.max());
  CHECK(a.min() == all.min());
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 95.0, 99.0, 99.9}) {
    CHECK(a.percentile(p) == all.percentile(p));
    check_close(a.percentile(p), exact_percentile(values, p));
  }
}

TEST_CASE("values beyond the range are clamped but max stays exact; empty is zero") {
  LatencyHistogram h;
  CHECK(h.percentile(50) == 0);
  CHECK(h.snapshot().count == 0);
  h.record(uint64_t(1) << 50);
  CHECK(h.max() == uint64_t(1) << 50);
  CHECK(h.percentile(50) == uint64_t(1) << 50);  // clamped to [min, max]
  h.reset();
  CHECK(h.count() == 0);
  CHECK(h.max() == 0);
}

TEST_CASE("recording a value n times at once equals recording it n times") {
  LatencyHistogram once, many;
  for (uint64_t v : {5ull, 300ull, 123456ull, 9999999ull}) {
    for (int i = 0; i < 7; ++i) once.record(v);
    many.record(v, 7);
  }
  many.record(42, 0);  // nothing
  CHECK(many.count() == once.count());
  CHECK(many.sum() == once.sum());
  CHECK(many.min() == once.min());
  CHECK(many.max() == once.max());
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) CHECK(many.percentile(p) == once.percentile(p));
}
