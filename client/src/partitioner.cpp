#include "rawkafka/client/partitioner.hpp"

#include <chrono>
#include <cstring>

namespace rawkafka::client {

int32_t murmur2(protocol::Bytes data) {
  // Java's Utils.murmur2: MurmurHash2 (Austin Appleby), seed 0x9747b28c, blocks read
  // little-endian, arithmetic on 32-bit ints with Java's wrap-around and unsigned shifts.
  constexpr uint32_t m = 0x5bd1e995u;
  constexpr int r = 24;
  const size_t length = data.size();
  uint32_t h = 0x9747b28cu ^ uint32_t(length);
  const uint8_t* p = data.data();
  const size_t blocks = length / 4;
  for (size_t i = 0; i < blocks; ++i, p += 4) {
    uint32_t k = uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
                 (uint32_t(p[3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (length & 3) {
    case 3:
      h ^= uint32_t(p[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t(p[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= uint32_t(p[0]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return int32_t(h);
}

namespace {
uint64_t clock_seed(const void* self) {
  auto now = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  uint64_t addr = 0;
  std::memcpy(&addr, &self, sizeof(self) < sizeof(addr) ? sizeof(self) : sizeof(addr));
  uint64_t s = now ^ (addr * 0x9e3779b97f4a7c15ull);
  return s ? s : 1;
}
}  // namespace

StickyPartitioner::StickyPartitioner(uint64_t seed) : random_(seed ? seed : clock_seed(this)) {}

void StickyPartitioner::set_partition_count(int32_t num_partitions) {
  candidates_.clear();
  for (int32_t p = 0; p < num_partitions; ++p) candidates_.push_back(p);
  current_ = -1;
}

void StickyPartitioner::set_partitions(std::span<const int32_t> partitions) {
  candidates_.assign(partitions.begin(), partitions.end());
  current_ = -1;
}

void StickyPartitioner::pick(int32_t avoid) {
  const size_t n = candidates_.size();
  if (n == 0) {
    current_ = -1;
    return;
  }
  if (n == 1) {
    current_ = candidates_[0];
    return;
  }
  // Java's BuiltInPartitioner picks at random; when a current partition exists, choose
  // among the other n-1 so that the move is a real one.
  uint32_t i = random_.below(uint32_t(n));
  if (candidates_[i] == avoid) {
    i = uint32_t((i + 1 + random_.below(uint32_t(n - 1))) % n);
  }
  current_ = candidates_[i];
}

void RoundRobinPartitioner::set_partition_count(int32_t num_partitions) {
  candidates_.clear();
  for (int32_t p = 0; p < num_partitions; ++p) candidates_.push_back(p);
  next_ = 0;
}

void RoundRobinPartitioner::set_partitions(std::span<const int32_t> partitions) {
  candidates_.assign(partitions.begin(), partitions.end());
  next_ = 0;
}

}  // namespace rawkafka::client
