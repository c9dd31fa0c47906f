#pragma once
// Totals the null sink keeps across all its connections (relaxed atomics, touched once per
// request, never per record).

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace rawkafka::bench {

struct SinkStats {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> produce_requests{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> record_bytes{0};   // RecordBatch bytes (the Records fields)
  std::atomic<uint64_t> frame_bytes{0};    // every request frame, size prefix included
  std::atomic<uint64_t> bad_batches{0};    // truncated, or (with --verify-crc) a CRC mismatch
  std::atomic<int64_t> first_produce_ns{0};
  std::atomic<int64_t> last_produce_ns{0};

  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  void on_produce(uint64_t n_batches, uint64_t n_records, uint64_t n_bytes, uint64_t n_bad) {
    int64_t now = now_ns();
    int64_t zero = 0;
    first_produce_ns.compare_exchange_strong(zero, now, std::memory_order_relaxed);
    last_produce_ns.store(now, std::memory_order_relaxed);
    produce_requests.fetch_add(1, std::memory_order_relaxed);
    batches.fetch_add(n_batches, std::memory_order_relaxed);
    records.fetch_add(n_records, std::memory_order_relaxed);
    record_bytes.fetch_add(n_bytes, std::memory_order_relaxed);
    if (n_bad) bad_batches.fetch_add(n_bad, std::memory_order_relaxed);
  }

  // One JSON object; the rates cover first to last Produce request seen.
  std::string to_json() const {
    auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    double span_s = double(last_produce_ns.load() - first_produce_ns.load()) / 1e9;
    double rps = span_s > 0 ? double(get(records)) / span_s : 0;
    double bps = span_s > 0 ? double(get(frame_bytes)) / span_s : 0;
    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    double cpu_s = double(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                   double(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
    char out[768];
    std::snprintf(out, sizeof out,
                  "{\"connections\": %llu, \"requests\": %llu, \"produce_requests\": %llu, "
                  "\"batches\": %llu, \"records\": %llu, \"record_bytes\": %llu, "
                  "\"frame_bytes\": %llu, \"bad_batches\": %llu, \"produce_span_s\": %.6f, "
                  "\"records_per_sec\": %.1f, \"wire_bytes_per_sec\": %.0f, \"sink_cpu_s\": %.3f}",
                  (unsigned long long)get(connections), (unsigned long long)get(requests),
                  (unsigned long long)get(produce_requests), (unsigned long long)get(batches),
                  (unsigned long long)get(records), (unsigned long long)get(record_bytes),
                  (unsigned long long)get(frame_bytes), (unsigned long long)get(bad_batches),
                  span_s, rps, bps, cpu_s);
    return out;
  }
};

}  // namespace rawkafka::bench
