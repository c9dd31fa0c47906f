// Every codec at several levels gives back exactly what it was given, and respects its own
// size bounds and the caller's limit.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rawkafka/compression/codecs.hpp"
#include "test_data.hpp"

using namespace rawkafka::compression;
using namespace rawkafka::compression::testing;

namespace {

struct Setting {
  CompressionType type;
  int level;
};

std::vector<Setting> all_settings() {
  return {
      {CompressionType::none, kDefaultLevel},   {CompressionType::gzip, kDefaultLevel},
      {CompressionType::gzip, 1},               {CompressionType::gzip, 9},
      {CompressionType::gzip, -1},              {CompressionType::snappy, kDefaultLevel},
      {CompressionType::lz4, kDefaultLevel},    {CompressionType::lz4, 1},
      {CompressionType::lz4, 3},                {CompressionType::lz4, 17},
      {CompressionType::zstd, kDefaultLevel},   {CompressionType::zstd, 1},
      {CompressionType::zstd, 19},              {CompressionType::zstd, 22},
      {CompressionType::zstd, -1},              {CompressionType::zstd, -131072},
  };
}

// The slowest levels (zstd 19+ takes seconds per MiB) get smaller inputs.
bool slow(const Setting& s) { return s.type == CompressionType::zstd && s.level >= 19; }

std::string describe(const Setting& s) {
  return std::string(rawkafka::protocol::to_string(s.type)) + " level " +
         (s.level == kDefaultLevel ? std::string("default") : std::to_string(s.level));
}

std::vector<uint8_t> compress(Codec& codec, std::span<const uint8_t> input) {
  std::vector<uint8_t> buffer(codec.max_compressed_size(input.size()));
  CodecResult result = codec.compress(input, buffer);
  REQUIRE(result.ok());
  REQUIRE(result.size <= buffer.size());
  buffer.resize(result.size);
  return buffer;
}

void check_round_trip(Codec& codec, const std::vector<uint8_t>& input) {
  std::vector<uint8_t> compressed = compress(codec, input);
  std::vector<uint8_t> out;
  CodecResult result = codec.decompress(compressed, out, input.size());
  REQUIRE(result.ok());
  CHECK(result.size == input.size());
  CHECK(out == input);
}

}  // namespace

TEST_CASE("round trip of 1 MiB of JSON log records, every codec and level") {
  const auto logs = json_logs(1 << 20);
  const auto short_logs = json_logs(128 << 10);
  for (const Setting& s : all_settings()) {
    CAPTURE(describe(s));
    auto codec = make_codec(s.type, s.level);
    REQUIRE(codec);
    const auto& input = slow(s) ? short_logs : logs;
    auto compressed = compress(*codec, input);
    if (s.type != CompressionType::none && s.level != -131072) {
      // Log records compress well with every real codec (zstd's lowest level barely tries).
      CHECK(compressed.size() < input.size() / 3);
    }
    std::vector<uint8_t> out;
    REQUIRE(codec->decompress(compressed, out, input.size()).ok());
    CHECK(out == input);
  }
}

TEST_CASE("round trip of random bytes, every codec and level") {
  for (size_t size : {size_t(100), size_t(65536), size_t(65537), size_t(1 << 20)}) {
    const auto bytes = random_bytes(size, size);
    for (const Setting& s : all_settings()) {
      if (slow(s) && size > 65537) continue;
      CAPTURE(describe(s));
      CAPTURE(size);
      auto codec = make_codec(s.type, s.level);
      REQUIRE(codec);
      check_round_trip(*codec, bytes);
    }
  }
}

TEST_CASE("round trip of empty and one-byte inputs") {
  for (const Setting& s : all_settings()) {
    CAPTURE(describe(s));
    auto codec = make_codec(s.type, s.level);
    check_round_trip(*codec, {});
    check_round_trip(*codec, {0x42});
  }
}

TEST_CASE("one codec compresses and decompresses many batches in a row") {
  // Contexts are reset between batches: nothing of one batch leaks into the next.
  for (const Setting& s : all_settings()) {
    if (slow(s)) continue;  // same frames as lower levels; round trips above cover them
    CAPTURE(describe(s));
    auto codec = make_codec(s.type, s.level);
    std::vector<uint8_t> out;
    for (uint64_t round = 0; round < 6; ++round) {
      auto input = round % 2 ? random_bytes(1000 + round * 7919, round)
                             : json_logs(200000 - round * 30011, round + 1);
      auto compressed = compress(*codec, input);
      CodecResult result = codec->decompress(compressed, out, input.size());
      REQUIRE(result.ok());
      CHECK(out == input);
    }
  }
}

TEST_CASE("a reused output vector larger than the limit is cut down, not trusted") {
  const auto logs = json_logs(100000);
  for (const Setting& s : all_settings()) {
    if (slow(s)) continue;  // same frames as lower levels; round trips above cover them
    CAPTURE(describe(s));
    auto codec = make_codec(s.type, s.level);
    auto compressed = compress(*codec, logs);
    std::vector<uint8_t> out(logs.size() * 2, 0x55);
    CodecResult result = codec->decompress(compressed, out, logs.size() - 1);
    CHECK(result.status == CodecStatus::limit_exceeded);
    CHECK(out.size() < logs.size());
    REQUIRE(codec->decompress(compressed, out, logs.size()).ok());
    CHECK(out == logs);
  }
}

TEST_CASE("decompress replaces what the output vector held") {
  for (const Setting& s : all_settings()) {
    CAPTURE(describe(s));
    auto codec = make_codec(s.type, s.level);
    auto input = json_logs(5000);
    auto compressed = compress(*codec, input);
    std::vector<uint8_t> out(300000, 0xee);
    REQUIRE(codec->decompress(compressed, out, 1 << 20).ok());
    CHECK(out == input);
  }
}

TEST_CASE("a limit equal to the decompressed size is enough; one byte less is not") {
  const auto logs = json_logs(300000);
  for (const Setting& s : all_settings()) {
    if (slow(s)) continue;  // same frames as lower levels; round trips above cover them
    CAPTURE(describe(s));
    auto codec = make_codec(s.type, s.level);
    auto compressed = compress(*codec, logs);
    std::vector<uint8_t> out;
    CHECK(codec->decompress(compressed, out, logs.size()).ok());
    CHECK(out == logs);
    std::vector<uint8_t> small;
    CodecResult result = codec->decompress(compressed, small, logs.size() - 1);
    CHECK(result.status == CodecStatus::limit_exceeded);
    CHECK(small.size() < logs.size());
  }
}

TEST_CASE("a decompression bomb stops at the limit without growing the output past it") {
  const std::vector<uint8_t> zeros(16 << 20, 0);  // 16 MiB of zeros shrink to a few KB
  constexpr size_t kLimit = 1 << 20;
  for (const Setting& s : all_settings()) {
    if (slow(s)) continue;  // same frames as lower levels; round trips above cover them
    if (s.type == CompressionType::none) continue;
    CAPTURE(describe(s));
    auto codec = make_codec(s.type, s.level);
    auto bomb = compress(*codec, zeros);
    CHECK(bomb.size() < zeros.size() / 20);  // snappy tops out near 21:1
    std::vector<uint8_t> out;
    CodecResult result = codec->decompress(bomb, out, kLimit);
    CHECK(result.status == CodecStatus::limit_exceeded);
    CHECK(out.capacity() <= kLimit);
    CHECK(out.size() <= kLimit);
  }
}

TEST_CASE("compress reports output_too_small instead of writing past the output") {
  const auto logs = json_logs(200000);
  for (const Setting& s : all_settings()) {
    if (slow(s)) continue;  // same frames as lower levels; round trips above cover them
    CAPTURE(describe(s));
    auto codec = make_codec(s.type, s.level);
    auto compressed = compress(*codec, logs);
    // Room for half of the real result: must fail, and must not touch the byte after the span.
    std::vector<uint8_t> buffer(compressed.size() / 2 + 1, 0xab);
    CodecResult result = codec->compress(logs, std::span<uint8_t>(buffer).first(buffer.size() - 1));
    CHECK(result.status == CodecStatus::output_too_small);
    CHECK(buffer.back() == 0xab);
    // The codec still works afterwards.
    check_round_trip(*codec, logs);
  }
}

TEST_CASE("max_compressed_size bounds the output for incompressible input") {
  for (const Setting& s : all_settings()) {
    CAPTURE(describe(s));
    auto codec = make_codec(s.type, s.level);
    for (size_t size : {size_t(0), size_t(1), size_t(1000), size_t(300000)}) {
      auto bytes = random_bytes(size, size + 11);
      std::vector<uint8_t> buffer(codec->max_compressed_size(size));
      CHECK(codec->compress(bytes, buffer).ok());
    }
  }
}
