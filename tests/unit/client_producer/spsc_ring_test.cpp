// SpscByteRing: entries come out whole, in order, across wrap-around, with one writer thread
// and one reader thread.

#include <doctest/doctest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "spsc_ring.hpp"

using rawkafka::client::detail::SpscByteRing;

namespace {
// Entry i: 8-byte index followed by (i * 37 % 300) bytes of (i + k) & 0xff.
size_t entry_size(uint64_t i) { return 8 + size_t(i * 37 % 300); }
void fill(uint8_t* p, uint64_t i) {
  std::memcpy(p, &i, 8);
  for (size_t k = 8; k < entry_size(i); ++k) p[k] = uint8_t(i + k);
}
bool check(std::span<const uint8_t> e, uint64_t i) {
  if (e.size() != entry_size(i)) return false;
  uint64_t got;
  std::memcpy(&got, e.data(), 8);
  if (got != i) return false;
  for (size_t k = 8; k < e.size(); ++k) {
    if (e[k] != uint8_t(i + k)) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("an empty ring has nothing to read") {
  SpscByteRing ring(1024);
  CHECK(ring.front().empty());
  CHECK(ring.empty_for_consumer());
}

TEST_CASE("another thread sees the ring drained only once the consumer has released what it took") {
  SpscByteRing ring(1024);
  CHECK(ring.drained());
  uint8_t* p = ring.try_reserve(16);
  REQUIRE(p);
  std::memset(p, 7, 16);
  ring.commit(16);
  CHECK_FALSE(ring.drained());
  std::span<const uint8_t> e = ring.front();
  REQUIRE(e.size() == 16);
  ring.pop(e.size());
  CHECK(ring.empty_for_consumer());
  CHECK_FALSE(ring.drained());
  ring.release();
  CHECK(ring.drained());
}

TEST_CASE("capacity rounds up to a power of two and limits one entry to half of it") {
  SpscByteRing ring(1000);
  CHECK(ring.capacity() == 1024);
  CHECK(ring.try_reserve(ring.max_entry_size() + 1) == nullptr);
  CHECK(ring.try_reserve(ring.max_entry_size()) != nullptr);
}

TEST_CASE("a full ring refuses until the reader releases space") {
  SpscByteRing ring(256);
  int written = 0;
  while (uint8_t* p = ring.try_reserve(40)) {
    std::memset(p, written, 40);
    ring.commit(40);
    ++written;
  }
  CHECK(written == 256 / 48);  // 4-byte header + 40, padded to 48
  auto e = ring.front();
  REQUIRE(e.size() == 40);
  CHECK(e[0] == 0);
  ring.pop(e.size());
  CHECK(ring.try_reserve(40) == nullptr);  // not released yet
  ring.release();
  CHECK(ring.try_reserve(40) != nullptr);
}

TEST_CASE("entries wrap around the end of the buffer and stay contiguous") {
  SpscByteRing ring(1024);  // entries up to 307 bytes; at most 508 fit
  for (uint64_t i = 0; i < 10000; ++i) {
    uint8_t* p = ring.try_reserve(entry_size(i % 200));
    REQUIRE(p);
    fill(p, i % 200);
    ring.commit(entry_size(i % 200));
    auto e = ring.front();
    REQUIRE(check(e, i % 200));
    ring.pop(e.size());
    ring.release();
  }
}

TEST_CASE("one writer thread and one reader thread: every entry arrives once, in order, intact") {
  SpscByteRing ring(4096);
  constexpr uint64_t kCount = 300000;
  std::thread writer([&] {
    for (uint64_t i = 0; i < kCount; ++i) {
      uint8_t* p;
      while (!(p = ring.try_reserve(entry_size(i)))) std::this_thread::yield();
      fill(p, i);
      ring.commit(entry_size(i));
    }
  });
  uint64_t next = 0;
  bool all_ok = true;
  while (next < kCount) {
    auto e = ring.front();
    if (e.empty()) {
      std::this_thread::yield();
      continue;
    }
    all_ok = all_ok && check(e, next);
    ring.pop(e.size());
    if (next % 7 == 0) ring.release();  // releases in runs, as the core does
    ++next;
  }
  ring.release();
  writer.join();
  CHECK(all_ok);
  CHECK(next == kCount);
  CHECK(ring.front().empty());
}
