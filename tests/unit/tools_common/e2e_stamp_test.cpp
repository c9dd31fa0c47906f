// The --e2e stamp: 8 bytes, big-endian nanoseconds of the wall clock.
#include <doctest/doctest.h>

#include <array>
#include <chrono>

#include "common/e2e_stamp.hpp"

using namespace rawkafka::tools;

TEST_CASE("the header is named rawkafka.sent_ns") { CHECK(kSentNsHeader == "rawkafka.sent_ns"); }

TEST_CASE("a stamp is 8 bytes big-endian and decodes back") {
  std::array<uint8_t, 8> bytes{};
  encode_sent_ns(0x0102030405060708ull, bytes.data());
  CHECK(bytes == std::array<uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(decode_sent_ns(bytes) == 0x0102030405060708ull);
  encode_sent_ns(UINT64_MAX, bytes.data());
  CHECK(decode_sent_ns(bytes) == UINT64_MAX);
}

TEST_CASE("a header value of any other size is no stamp") {
  std::array<uint8_t, 9> nine{};
  CHECK_FALSE(decode_sent_ns(std::span<const uint8_t>(nine)).has_value());
  CHECK_FALSE(decode_sent_ns(std::span<const uint8_t>(nine.data(), 7)).has_value());
  CHECK_FALSE(decode_sent_ns({}).has_value());
}

TEST_CASE("the stamp is system_clock's time since the epoch") {
  const auto before = std::chrono::system_clock::now();
  const uint64_t ns = sent_ns_now();
  const auto after = std::chrono::system_clock::now();
  auto as_ns = [](std::chrono::system_clock::time_point t) {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
  };
  CHECK(ns >= as_ns(before));
  CHECK(ns <= as_ns(after));
  CHECK(ns > 1'600'000'000ull * 1'000'000'000ull);  // after 2020: the wall clock, not a steady one
}
