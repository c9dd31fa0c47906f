#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "batch_test_support.hpp"
#include "rawkafka/protocol/crc32c.hpp"

using namespace rawkafka::protocol;
using rawkafka::protocol::test::reference_crc32c;

namespace {

using CrcFn = uint32_t (*)(const uint8_t*, size_t, uint32_t);

std::vector<std::pair<const char*, CrcFn>> implementations() {
  std::vector<std::pair<const char*, CrcFn>> fns{{"dispatch", &crc32c}, {"software", &crc32c_software}};
  if (crc32c_hardware_available()) fns.emplace_back("hardware", &crc32c_hardware);
  return fns;
}

uint32_t of(CrcFn fn, std::string_view s) { return fn(reinterpret_cast<const uint8_t*>(s.data()), s.size(), 0); }

}  // namespace

TEST_CASE("crc32c gives the Castagnoli check value for \"123456789\"") {
  for (const auto& impl : implementations()) {
    const char* name = impl.first;
    const CrcFn fn = impl.second;
    CAPTURE(name);
    CHECK(of(fn, "123456789") == 0xE3069283u);
    CHECK(of(fn, "") == 0u);
  }
}

TEST_CASE("crc32c matches the RFC 3720 (iSCSI) test vectors") {
  std::array<uint8_t, 32> zeros{}, ones{}, ascending{}, descending{};
  ones.fill(0xff);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = uint8_t(i);
    descending[i] = uint8_t(31 - i);
  }
  for (const auto& impl : implementations()) {
    const char* name = impl.first;
    const CrcFn fn = impl.second;
    CAPTURE(name);
    CHECK(fn(zeros.data(), 32, 0) == 0x8A9136AAu);
    CHECK(fn(ones.data(), 32, 0) == 0x62A8AB43u);
    CHECK(fn(ascending.data(), 32, 0) == 0x46DD794Eu);
    CHECK(fn(descending.data(), 32, 0) == 0x113FDB5Cu);
  }
}

TEST_CASE("crc32c chains: crc32c(b, crc32c(a)) == crc32c(a ++ b)") {
  std::mt19937_64 rng(7);
  std::vector<uint8_t> data(100000);
  for (auto& b : data) b = uint8_t(rng());
  for (const auto& impl : implementations()) {
    const char* name = impl.first;
    const CrcFn fn = impl.second;
    CAPTURE(name);
    const uint32_t whole = fn(data.data(), data.size(), 0);
    for (size_t split : {size_t(0), size_t(1), size_t(7), size_t(768), size_t(24575), size_t(50000), data.size()}) {
      CAPTURE(split);
      CHECK(fn(data.data() + split, data.size() - split, fn(data.data(), split, 0)) == whole);
    }
  }
}

TEST_CASE("crc32c paths agree with a bitwise reference on random lengths and alignments") {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> data(3 * 8192 * 3 + 4096);
  for (auto& b : data) b = uint8_t(rng());
  // Lengths around the 3-way block thresholds (3*256, 3*8192) and many random ones.
  std::vector<size_t> lengths{0, 1, 7, 8, 9, 31, 32, 33, 767, 768, 769, 1535, 1536, 24575, 24576, 24577, 49152 + 800};
  for (int i = 0; i < 300; ++i) lengths.push_back(size_t(rng() % (data.size() - 16)));
  for (size_t len : lengths) {
    const size_t offset = size_t(rng() % 16);
    const uint32_t seed = (rng() & 1) ? uint32_t(rng()) : 0u;
    CAPTURE(len);
    CAPTURE(offset);
    const uint32_t want = reference_crc32c(data.data() + offset, len, seed);
    for (const auto& impl : implementations()) {
    const char* name = impl.first;
    const CrcFn fn = impl.second;
      CAPTURE(name);
      CHECK(fn(data.data() + offset, len, seed) == want);
    }
  }
}

TEST_CASE("crc32c reports whether the SSE4.2 path is in use") {
#if defined(__x86_64__)
  MESSAGE("SSE4.2 CRC32C available: " << crc32c_hardware_available());
#endif
  CHECK(crc32c_hardware_available() == crc32c_hardware_available());  // stable answer
  std::array<uint8_t, 3> abc{'a', 'b', 'c'};
  CHECK(crc32c_hardware(abc.data(), 3) == crc32c_software(abc.data(), 3));
}
