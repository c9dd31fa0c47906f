#pragma once
// A single-producer single-consumer ring of variable-length byte entries. One application
// thread writes, one core thread reads; the only shared state is the two positions.
//
// Entries are [u32 length][bytes], 8-byte aligned. An entry that does not fit before the end
// of the buffer is preceded by a wrap marker and placed at the start, so every entry is
// contiguous. Positions only grow (masked on use); each side caches the other's position and
// reloads it only when it seems full/empty, so steady state touches the shared line rarely.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace rawkafka::client::detail {

class SpscByteRing {
 public:
  // capacity is rounded up to a power of two (at least 64 bytes).
  explicit SpscByteRing(size_t capacity) {
    size_t c = 64;
    while (c < capacity) c <<= 1;
    capacity_ = c;
    mask_ = c - 1;
    // Left uninitialised: the kernel maps pages as entries first reach them, so a ring that
    // carries little holds little memory.
    data_.reset(new uint8_t[c]);
  }
  SpscByteRing(const SpscByteRing&) = delete;
  SpscByteRing& operator=(const SpscByteRing&) = delete;

  size_t capacity() const { return capacity_; }
  // The largest payload try_reserve() can ever accept.
  size_t max_entry_size() const { return capacity_ / 2 - kHeader; }

  // ---- producer side ----
  // A contiguous area of n bytes for the next entry, or nullptr when the ring is full now.
  uint8_t* try_reserve(size_t n) {
    const size_t need = entry_span(n);
    if (n > max_entry_size()) return nullptr;
    size_t idx = write_pos_ & mask_;
    size_t tail_room = capacity_ - idx;
    size_t total = need <= tail_room ? need : tail_room + need;
    if (capacity_ - (write_pos_ - cached_read_) < total) {
      cached_read_ = read_pos_.load(std::memory_order_acquire);
      if (capacity_ - (write_pos_ - cached_read_) < total) return nullptr;
    }
    if (need > tail_room) {
      store_u32(data_.get() + idx, kWrapMarker);
      write_pos_ += tail_room;
      idx = 0;
    }
    pending_ = need;
    return data_.get() + idx + kHeader;
  }
  // Publishes the entry reserved last with its final size (n <= the reserved size).
  void commit(size_t n) {
    size_t idx = write_pos_ & mask_;
    store_u32(data_.get() + idx, uint32_t(n));
    write_pos_ += entry_span(n) <= pending_ ? entry_span(n) : pending_;
    pending_ = 0;
    published_write_.store(write_pos_, std::memory_order_release);
  }

  // ---- consumer side ----
  // The next entry, or an empty span when none is published.
  std::span<const uint8_t> front() {
    for (;;) {
      if (read_local_ == cached_write_) {
        cached_write_ = published_write_.load(std::memory_order_acquire);
        if (read_local_ == cached_write_) return {};
      }
      size_t idx = read_local_ & mask_;
      uint32_t len = load_u32(data_.get() + idx);
      if (len == kWrapMarker) {
        read_local_ += capacity_ - idx;
        continue;
      }
      return {data_.get() + idx + kHeader, len};
    }
  }
  // Drops the entry front() returned. Space is handed back to the producer by release().
  void pop(size_t n) { read_local_ += entry_span(n); }
  // Makes popped space reusable by the producer (call after a run of pops).
  void release() { read_pos_.store(read_local_, std::memory_order_release); }

  bool empty_for_consumer() {
    return read_local_ == published_write_.load(std::memory_order_acquire);
  }

  // ---- any thread ----
  // Everything published has been taken and released by the consumer.
  bool drained() const {
    return read_pos_.load(std::memory_order_acquire) == published_write_.load(std::memory_order_acquire);
  }

 private:
  static constexpr size_t kHeader = 4;
  static constexpr uint32_t kWrapMarker = 0xffffffffu;
  static size_t entry_span(size_t n) { return (kHeader + n + 7) & ~size_t(7); }
  static void store_u32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
  static uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }

  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_ = 0;
  size_t mask_ = 0;
  // Producer-owned.
  alignas(64) size_t write_pos_ = 0;
  size_t cached_read_ = 0;
  size_t pending_ = 0;
  alignas(64) std::atomic<size_t> published_write_{0};
  // Consumer-owned.
  alignas(64) size_t read_local_ = 0;
  size_t cached_write_ = 0;
  alignas(64) std::atomic<size_t> read_pos_{0};
};

}  // namespace rawkafka::client::detail
