// What the bytes look like: the framing Kafka brokers and the other clients expect, and the
// framings they write that we must read (including the Java client's own output, kept in data/).

#include <doctest/doctest.h>
#include <snappy.h>
#include <zstd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "rawkafka/compression/codecs.hpp"
#include "test_data.hpp"

using namespace rawkafka::compression;
using namespace rawkafka::compression::testing;

namespace {

std::vector<uint8_t> compress(Codec& codec, std::span<const uint8_t> input) {
  std::vector<uint8_t> buffer(codec.max_compressed_size(input.size()));
  CodecResult result = codec.compress(input, buffer);
  REQUIRE(result.ok());
  buffer.resize(result.size);
  return buffer;
}

std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
}

std::vector<uint8_t> read_file(const std::string& name) {
  std::ifstream in(std::string(RAWKAFKA_COMPRESSION_TEST_DATA) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing test data file " << name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::vector<uint8_t> kXerialHeader = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
                                            0,    0,   0,   1,   0,   0,   0,   1};

}  // namespace

TEST_CASE("gzip writes an RFC 1952 member and reads several in a row") {
  auto codec = make_codec(CompressionType::gzip);
  auto a = json_logs(30000, 3);
  auto b = random_bytes(5000);
  auto first = compress(*codec, a);
  CHECK(first[0] == 0x1f);
  CHECK(first[1] == 0x8b);
  CHECK(first[2] == 8);  // deflate
  CHECK(le32(first.data() + first.size() - 4) == a.size());  // ISIZE
  std::vector<uint8_t> out;
  REQUIRE(codec->decompress(concat(first, compress(*codec, b)), out, 1 << 20).ok());
  CHECK(out == concat(a, b));
}

TEST_CASE("lz4 writes one frame of independent 64 KB blocks, as Kafka's Lz4BlockOutputStream") {
  auto codec = make_codec(CompressionType::lz4);
  auto logs = json_logs(300000);
  auto frame = compress(*codec, logs);
  REQUIRE(frame.size() > 7);
  CHECK(le32(frame.data()) == 0x184D2204);  // magic
  // FLG: version 01, block independence, no block checksum, no content size/checksum.
  CHECK(frame[4] == 0x60);
  CHECK(frame[5] == 0x40);  // BD: 64 KB maximum block size
  // Blocks: little-endian size (high bit = stored), then data; a zero size ends the frame.
  size_t at = 7;
  size_t blocks = 0;
  for (;;) {
    REQUIRE(at + 4 <= frame.size());
    uint32_t size = le32(frame.data() + at) & 0x7fffffff;
    at += 4;
    if (size == 0) break;
    CHECK(size <= 65536);
    at += size;
    ++blocks;
  }
  CHECK(at == frame.size());  // no content checksum after the end mark
  CHECK(blocks == (logs.size() + 65535) / 65536);
}

TEST_CASE("lz4 reads several frames in a row") {
  auto codec = make_codec(CompressionType::lz4);
  auto a = json_logs(100000, 4);
  auto b = random_bytes(70000);
  std::vector<uint8_t> out;
  REQUIRE(codec->decompress(concat(compress(*codec, a), compress(*codec, b)), out, 1 << 20).ok());
  CHECK(out == concat(a, b));
}

TEST_CASE("zstd writes a frame with its content size and reads frames without one") {
  auto codec = make_codec(CompressionType::zstd);
  auto logs = json_logs(200000);
  auto frame = compress(*codec, logs);
  CHECK(ZSTD_getFrameContentSize(frame.data(), frame.size()) == logs.size());

  // A streamed frame, as the Java client's ZstdOutputStream and librdkafka write it.
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::vector<uint8_t> streamed(ZSTD_compressBound(logs.size()));
  ZSTD_inBuffer in{logs.data(), logs.size(), 0};
  ZSTD_outBuffer dst{streamed.data(), streamed.size(), 0};
  // Input first, end later: the size is not known when the frame header is written.
  REQUIRE_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &dst, &in, ZSTD_e_continue)));
  ZSTD_inBuffer none{nullptr, 0, 0};
  REQUIRE(ZSTD_compressStream2(cctx, &dst, &none, ZSTD_e_end) == 0);
  ZSTD_freeCCtx(cctx);
  streamed.resize(dst.pos);
  REQUIRE(ZSTD_getFrameContentSize(streamed.data(), streamed.size()) == ZSTD_CONTENTSIZE_UNKNOWN);

  std::vector<uint8_t> out;
  REQUIRE(codec->decompress(streamed, out, logs.size()).ok());
  CHECK(out == logs);
  CHECK(codec->decompress(streamed, out, logs.size() - 1).status == CodecStatus::limit_exceeded);
  // Mixed: a frame with content size, then one without.
  REQUIRE(codec->decompress(concat(frame, streamed), out, 1 << 20).ok());
  CHECK(out == concat(logs, logs));
}

TEST_CASE("zstd reads every width of the frame content size field") {
  // Frame_Content_Size takes 1, 2 (value - 256), 4 or 8 bytes depending on the size.
  auto codec = make_codec(CompressionType::zstd);
  for (size_t size : {size_t(0), size_t(1), size_t(255), size_t(256), size_t(257), size_t(65791),
                      size_t(65792), size_t(70000), size_t(3) << 20}) {
    CAPTURE(size);
    auto input = json_logs(size, size);
    auto frame = compress(*codec, input);
    REQUIRE(ZSTD_getFrameContentSize(frame.data(), frame.size()) == size);
    std::vector<uint8_t> out;
    REQUIRE(codec->decompress(frame, out, size).ok());
    CHECK(out == input);
    if (size > 0) CHECK(codec->decompress(frame, out, size - 1).status == CodecStatus::limit_exceeded);
  }
}

TEST_CASE("snappy writes raw snappy, not the xerial framing") {
  auto codec = make_codec(CompressionType::snappy);
  auto logs = json_logs(100000);
  auto block = compress(*codec, logs);
  CHECK(block[0] != 0x82);
  size_t length = 0;
  REQUIRE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(block.data()),
                                        block.size(), &length));
  CHECK(length == logs.size());
}

TEST_CASE("snappy reads the xerial framing: chunks, an empty stream, concatenated streams") {
  auto codec = make_codec(CompressionType::snappy);
  auto logs = json_logs(100000);
  std::vector<uint8_t> framed = kXerialHeader;
  for (size_t at = 0; at < logs.size(); at += 32768) {
    size_t n = std::min<size_t>(32768, logs.size() - at);
    std::string block;
    snappy::Compress(reinterpret_cast<const char*>(logs.data() + at), n, &block);
    put_be32(framed, uint32_t(block.size()));
    framed.insert(framed.end(), block.begin(), block.end());
  }
  std::vector<uint8_t> out;
  REQUIRE(codec->decompress(framed, out, logs.size()).ok());
  CHECK(out == logs);
  CHECK(codec->decompress(framed, out, logs.size() - 1).status == CodecStatus::limit_exceeded);

  REQUIRE(codec->decompress(kXerialHeader, out, 100).ok());
  CHECK(out.empty());

  REQUIRE(codec->decompress(concat(framed, framed), out, 1 << 20).ok());
  CHECK(out == concat(logs, logs));
}

// data/java_*.bin: json_logs(70000, 7) compressed by the Apache Kafka 4.4.0 Java client's
// own codecs (org.apache.kafka.common.compress.*, snappy-java 1.1.10.7, lz4-java 1.11.2,
// zstd-jni 1.5.7-17) through tests/oracle/compression/KafkaCodecOracle.java.
TEST_CASE("what the Java client writes decodes to the original records") {
  const auto expected = json_logs(70000, 7);
  struct Sample {
    const char* file;
    CompressionType type;
  };
  for (Sample s : {Sample{"java_gzip.bin", CompressionType::gzip},
                   Sample{"java_snappy.bin", CompressionType::snappy},
                   Sample{"java_lz4.bin", CompressionType::lz4},
                   Sample{"java_lz4_level12.bin", CompressionType::lz4},
                   Sample{"java_zstd.bin", CompressionType::zstd},
                   Sample{"java_zstd_level19.bin", CompressionType::zstd}}) {
    CAPTURE(s.file);
    auto data = read_file(s.file);
    CodecSet codecs;
    std::vector<uint8_t> out;
    REQUIRE(codecs.codec(s.type)->decompress(data, out, expected.size()).ok());
    CHECK(out == expected);
    CHECK(codecs.codec(s.type)->decompress(data, out, expected.size() - 1).status ==
          CodecStatus::limit_exceeded);
  }
}

TEST_CASE("the Java client's snappy output is the xerial framing with 32 KB chunks") {
  auto data = read_file("java_snappy.bin");
  REQUIRE(data.size() > 16);
  CHECK(std::vector<uint8_t>(data.begin(), data.begin() + 8) ==
        std::vector<uint8_t>(kXerialHeader.begin(), kXerialHeader.begin() + 8));
}
