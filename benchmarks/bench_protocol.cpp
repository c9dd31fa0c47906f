// Microbenchmarks of the protocol hot core: RecordBatch v2 encoding into a preallocated
// buffer (CRC included), CRC-32C on both paths, and reading a batch back.
//
//   ./build/benchmarks/bench_protocol --benchmark_filter='RecordBatch|Crc32c'

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "rawkafka/protocol/crc32c.hpp"
#include "rawkafka/protocol/record_batch.hpp"

using namespace rawkafka::protocol;

namespace {

constexpr size_t kBatchBuffer = size_t(1) << 20;

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = uint8_t(rng());
  return v;
}

// Fills a 1 MiB batch with records of `value_size` bytes (keyless, or with an 8-byte key),
// then finishes it uncompressed (header patch + CRC-32C over the whole batch).
void write_batches(benchmark::State& state, bool keyed) {
  const size_t value_size = size_t(state.range(0));
  std::vector<uint8_t> buffer(kBatchBuffer);
  const std::vector<uint8_t> value = random_bytes(value_size, 1);
  const std::vector<uint8_t> key = random_bytes(8, 2);
  const std::optional<Bytes> k = keyed ? std::optional<Bytes>(Bytes(key)) : std::nullopt;
  const Bytes v(value);
  RecordBatchWriter w;
  int64_t records = 0;
  const int64_t base = 1700000000000;
  for (auto _ : state) {
    w.reset(buffer, base);
    int64_t ts = base;
    while (w.append(ts, k, v)) ts += (w.record_count() & 63) == 0;  // ~a millisecond tick every 64 records
    FinishResult r = w.finish();
    benchmark::DoNotOptimize(r.batch.data());
    records += w.record_count();
  }
  state.SetItemsProcessed(records);
  state.SetBytesProcessed(records * int64_t(value_size));
  state.counters["records_per_batch"] = double(w.record_count());
}

void BM_RecordBatchWrite(benchmark::State& state) { write_batches(state, false); }
void BM_RecordBatchWriteKeyed(benchmark::State& state) { write_batches(state, true); }
BENCHMARK(BM_RecordBatchWrite)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_RecordBatchWriteKeyed)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

// Parses a finished 1 MiB batch (CRC check included) and walks every record.
void BM_RecordBatchRead(benchmark::State& state) {
  const size_t value_size = size_t(state.range(0));
  std::vector<uint8_t> buffer(kBatchBuffer);
  const std::vector<uint8_t> value = random_bytes(value_size, 3);
  RecordBatchWriter w;
  w.reset(buffer, 0);
  while (w.append(0, std::nullopt, Bytes(value))) {
  }
  const FinishResult batch = w.finish();
  std::vector<uint8_t> scratch;
  int64_t records = 0;
  for (auto _ : state) {
    RecordBatchView view;
    if (!view.parse(batch.batch).ok()) state.SkipWithError("parse failed");
    RecordBatchReader reader;
    reader.open(view, nullptr, scratch);
    RecordView rec;
    while (reader.next(rec)) benchmark::DoNotOptimize(rec.value->data());
    records += view.record_count();
  }
  state.SetItemsProcessed(records);
  state.SetBytesProcessed(records * int64_t(value_size));
}
BENCHMARK(BM_RecordBatchRead)->Arg(100)->Arg(1000);

void crc_bench(benchmark::State& state, uint32_t (*fn)(const uint8_t*, size_t, uint32_t)) {
  const std::vector<uint8_t> data = random_bytes(size_t(state.range(0)), 4);
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = fn(data.data(), data.size(), crc);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
}

void BM_Crc32c(benchmark::State& state) {
  if (!crc32c_hardware_available()) state.SkipWithError("no SSE4.2 on this CPU");
  crc_bench(state, [](const uint8_t* p, size_t n, uint32_t c) { return crc32c(p, n, c); });
}
void BM_Crc32cSoftware(benchmark::State& state) {
  crc_bench(state, [](const uint8_t* p, size_t n, uint32_t c) { return crc32c_software(p, n, c); });
}
BENCHMARK(BM_Crc32c)->Arg(64)->Arg(1024)->Arg(65536)->Arg(1 << 20);
BENCHMARK(BM_Crc32cSoftware)->Arg(64)->Arg(1024)->Arg(65536)->Arg(1 << 20);

}  // namespace
