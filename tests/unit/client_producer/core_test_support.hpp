#pragma once
// Batches for driving the producer's state machines with synthetic events: real
// RecordBatchWriters holding `records` small records, no socket, no clock.

#include <deque>
#include <memory>
#include <vector>

#include "batch.hpp"
#include "fast_clock.hpp"

namespace rawkafka::client::detail::testing {

inline Instant at_ms(int64_t ms) { return Instant(std::chrono::milliseconds(ms)); }

class BatchFactory {
 public:
  // A batch of `records` 10-byte records created at `created`, its wire `wire_bytes` long
  // (the bytes a request would carry; the tests only size requests with it).
  Batch* make(int32_t records, Instant created, size_t wire_bytes = 1000,
              std::chrono::milliseconds delivery_timeout = std::chrono::milliseconds(120000)) {
    auto& storage = buffers_.emplace_back(std::make_unique<uint8_t[]>(64 * 1024));
    auto& wire = wires_.emplace_back(wire_bytes, uint8_t(0));
    auto b = std::make_unique<Batch>();
    b->writer.reset({storage.get(), 64 * 1024}, 0);
    static const uint8_t value[10] = {};
    for (int32_t i = 0; i < records; ++i) b->writer.append(0, std::nullopt, protocol::Bytes{value, 10});
    b->wire = protocol::Bytes{wire.data(), wire.size()};
    b->created = created;
    b->deadline = created + delivery_timeout;
    batches_.push_back(std::move(b));
    return batches_.back().get();
  }

 private:
  std::deque<std::unique_ptr<uint8_t[]>> buffers_;
  std::deque<std::vector<uint8_t>> wires_;
  std::vector<std::unique_ptr<Batch>> batches_;
};

}  // namespace rawkafka::client::detail::testing
