#pragma once
// The compression hook RecordBatchWriter/Reader call. protocol/ only declares it; compression/
// implements it for each codec, so protocol/ stays free of codec libraries.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace rawkafka::protocol {

// RecordBatch attributes bits 0-2.
enum class CompressionType : int8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

std::string_view to_string(CompressionType type);

enum class CodecStatus : uint8_t {
  ok,
  output_too_small,  // compress: the output span cannot hold the result
  corrupt,           // decompress: input is not a valid stream of this codec
  limit_exceeded,    // decompress: output would exceed the caller's limit
  unsupported,       // no codec for this type
};

struct CodecResult {
  CodecStatus status = CodecStatus::ok;
  size_t size = 0;  // bytes written on success
  bool ok() const { return status == CodecStatus::ok; }
};

// One instance per thread: implementations keep their library contexts (zstd CCtx/DCtx,
// LZ4F contexts, zlib streams) and reuse them, so steady state allocates nothing.
class Codec {
 public:
  virtual ~Codec() = default;
  virtual CompressionType type() const = 0;
  // An upper bound on compress()'s output for `input_size` bytes.
  virtual size_t max_compressed_size(size_t input_size) const = 0;
  // Compresses input into output; input and output must not overlap.
  virtual CodecResult compress(std::span<const uint8_t> input, std::span<uint8_t> output) = 0;
  // Decompresses input, replacing out's contents; never lets out grow past `limit` bytes.
  virtual CodecResult decompress(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                                 size_t limit) = 0;
};

// Finds the codec for a batch's compression type; returns nullptr when none is available.
// RecordBatchReader takes one of these so it can read batches of any codec.
class CodecProvider {
 public:
  virtual ~CodecProvider() = default;
  virtual Codec* codec(CompressionType type) = 0;
};

}  // namespace rawkafka::protocol
