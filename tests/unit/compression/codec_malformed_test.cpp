// Corrupt, truncated and foreign input gives an error value, never a crash or a read outside
// the input (the ASan build runs these).

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rawkafka/compression/codecs.hpp"
#include "test_data.hpp"

using namespace rawkafka::compression;
using namespace rawkafka::compression::testing;

namespace {

const CompressionType kCompressed[] = {CompressionType::gzip, CompressionType::snappy,
                                       CompressionType::lz4, CompressionType::zstd};

std::vector<uint8_t> compress(Codec& codec, std::span<const uint8_t> input) {
  std::vector<uint8_t> buffer(codec.max_compressed_size(input.size()));
  CodecResult result = codec.compress(input, buffer);
  REQUIRE(result.ok());
  buffer.resize(result.size);
  return buffer;
}

// Decompresses a copy held in a vector of exactly its size, so ASan sees any overread.
CodecResult decompress_exact(Codec& codec, std::span<const uint8_t> input,
                             std::vector<uint8_t>& out, size_t limit) {
  std::vector<uint8_t> copy(input.begin(), input.end());
  return codec.decompress(copy, out, limit);
}

}  // namespace

TEST_CASE("every truncation of a stream is an error") {
  const auto logs = json_logs(150000);
  for (CompressionType type : kCompressed) {
    CAPTURE(rawkafka::protocol::to_string(type));
    auto codec = make_codec(type);
    auto compressed = compress(*codec, logs);
    std::vector<uint8_t> out;
    size_t step = compressed.size() > 4000 ? 7 : 1;
    for (size_t keep = 0; keep < compressed.size(); keep += step) {
      CAPTURE(keep);
      CodecResult result =
          decompress_exact(*codec, std::span(compressed).first(keep), out, logs.size());
      CHECK_FALSE(result.ok());
      CHECK(out.size() <= logs.size());
    }
    // And the codec recovers for the next, whole, stream.
    REQUIRE(codec->decompress(compressed, out, logs.size()).ok());
    CHECK(out == logs);
  }
}

TEST_CASE("random bytes are rejected") {
  for (CompressionType type : kCompressed) {
    CAPTURE(rawkafka::protocol::to_string(type));
    auto codec = make_codec(type);
    std::vector<uint8_t> out;
    for (uint64_t seed = 1; seed <= 50; ++seed) {
      auto noise = random_bytes(10 + seed * 37, seed);
      CodecResult result = decompress_exact(*codec, noise, out, 1 << 20);
      // corrupt, or (snappy, whose first bytes are a length) limit_exceeded
      CHECK_FALSE(result.ok());
    }
  }
}

TEST_CASE("empty input is not a valid stream of any real codec") {
  for (CompressionType type : kCompressed) {
    CAPTURE(rawkafka::protocol::to_string(type));
    std::vector<uint8_t> out;
    CHECK(make_codec(type)->decompress({}, out, 100).status == CodecStatus::corrupt);
  }
}

TEST_CASE("bytes after the last frame are an error") {
  const auto logs = json_logs(20000);
  for (CompressionType type : {CompressionType::gzip, CompressionType::lz4, CompressionType::zstd}) {
    CAPTURE(rawkafka::protocol::to_string(type));
    auto codec = make_codec(type);
    auto compressed = compress(*codec, logs);
    compressed.push_back(0x00);
    compressed.push_back(0x17);
    std::vector<uint8_t> out;
    CHECK(codec->decompress(compressed, out, 1 << 20).status == CodecStatus::corrupt);
  }
}

TEST_CASE("bit flips never crash and never exceed the limit") {
  const auto logs = json_logs(40000);
  constexpr size_t kLimit = 50000;
  for (CompressionType type : kCompressed) {
    CAPTURE(rawkafka::protocol::to_string(type));
    auto codec = make_codec(type);
    const auto compressed = compress(*codec, logs);
    Rng rng(99);
    std::vector<uint8_t> out;
    int detected = 0;
    for (int i = 0; i < 400; ++i) {
      auto damaged = compressed;
      size_t at = rng.next() % damaged.size();
      damaged[at] ^= uint8_t(1u << (rng.next() % 8));
      CodecResult result = decompress_exact(*codec, damaged, out, kLimit);
      CHECK(out.size() <= kLimit);
      if (!result.ok()) ++detected;
    }
    // Without content checksums not every flip is detectable, but most break the stream.
    CHECK(detected > 0);
  }
}

TEST_CASE("gzip detects a flipped byte in the compressed data through its CRC-32") {
  auto codec = make_codec(CompressionType::gzip);
  const auto logs = json_logs(40000);
  auto compressed = compress(*codec, logs);
  std::vector<uint8_t> out;
  for (size_t at = 10; at + 8 < compressed.size(); at += 97) {  // skip the 10-byte header
    auto damaged = compressed;
    damaged[at] ^= 0x10;
    CAPTURE(at);
    CHECK_FALSE(codec->decompress(damaged, out, 1 << 20).ok());
  }
}

TEST_CASE("snappy does not trust a declared length beyond the limit") {
  // A raw snappy block claiming 2^32-1 bytes (varint ff ff ff ff 0f) with nothing after it.
  const std::vector<uint8_t> liar = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
  auto codec = make_codec(CompressionType::snappy);
  std::vector<uint8_t> out;
  CHECK(codec->decompress(liar, out, 1 << 20).status == CodecStatus::limit_exceeded);
  CHECK(out.capacity() == 0);
  // The same lie inside a xerial frame.
  std::vector<uint8_t> framed = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1,
                                 0,    0,   0,   6};
  framed.insert(framed.end(), liar.begin(), liar.end());
  CHECK(codec->decompress(framed, out, 1 << 20).status == CodecStatus::limit_exceeded);
  CHECK(out.capacity() == 0);
}

TEST_CASE("xerial snappy with a chunk length past the end is corrupt") {
  std::vector<uint8_t> framed = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1,
                                 0x7f, 0xff, 0xff, 0xff, 0x01, 0x00};
  std::vector<uint8_t> out;
  CHECK(make_codec(CompressionType::snappy)->decompress(framed, out, 1 << 20).status ==
        CodecStatus::corrupt);
}
