#pragma once
// Per-core pool of batch buffers with a byte budget (the core's share of buffer.memory).
// Buffers of the standard size (batch.size, or the compression buffer size) are kept and
// reused; larger ones (a record bigger than batch.size) are freed when released. Memory held
// never exceeds the budget plus what is parked on the free list, and the free list only holds
// buffers that were once in use under the budget, so it never grows with run length.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace rawkafka::client::detail {

struct PooledBuffer {
  std::unique_ptr<uint8_t[]> storage;
  size_t capacity = 0;
  std::span<uint8_t> span() { return {storage.get(), capacity}; }
  uint8_t* data() { return storage.get(); }
};

class BufferPool {
 public:
  // `standard_size`: the size kept on the free list; `budget`: the most bytes in use at once.
  BufferPool(size_t standard_size, size_t budget) : standard_size_(standard_size), budget_(budget) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A buffer of at least `size` bytes, or nullptr when that would pass the budget. A request
  // larger than the whole budget is granted when nothing else is in use, so one huge record
  // can still go through alone.
  PooledBuffer* acquire(size_t size) {
    const size_t cap = size <= standard_size_ ? standard_size_ : size;
    if (in_use_ + cap > budget_ && !(in_use_ == 0 && cap > budget_)) return nullptr;
    in_use_ += cap;
    ++acquired_;
    if (cap == standard_size_ && !free_.empty()) {
      PooledBuffer* b = free_.back().release();
      free_.pop_back();
      return b;
    }
    ++allocations_;
    auto* b = new PooledBuffer;
    b->storage.reset(new uint8_t[cap]);
    b->capacity = cap;
    return b;
  }

  void release(PooledBuffer* b) {
    if (!b) return;
    in_use_ -= b->capacity;
    if (b->capacity == standard_size_) {
      free_.emplace_back(b);
    } else {
      delete b;
    }
  }

  bool would_fit(size_t size) const {
    const size_t cap = size <= standard_size_ ? standard_size_ : size;
    return in_use_ + cap <= budget_ || in_use_ == 0;
  }
  size_t standard_size() const { return standard_size_; }
  size_t budget() const { return budget_; }
  size_t in_use() const { return in_use_; }
  size_t free_count() const { return free_.size(); }
  uint64_t allocations() const { return allocations_; }  // fresh buffers ever made
  uint64_t acquisitions() const { return acquired_; }

 private:
  size_t standard_size_;
  size_t budget_;
  size_t in_use_ = 0;
  uint64_t allocations_ = 0;
  uint64_t acquired_ = 0;
  std::vector<std::unique_ptr<PooledBuffer>> free_;
};

}  // namespace rawkafka::client::detail
