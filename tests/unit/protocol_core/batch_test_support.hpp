#pragma once
// Helpers shared by the RecordBatch tests: a bitwise CRC-32C written from the definition (an
// independent reference for the library's), and a codec that copies bytes (compressed-batch
// plumbing without a real codec library).

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rawkafka/protocol/codec.hpp"
#include "rawkafka/protocol/record_batch.hpp"

namespace rawkafka::protocol::test {

inline uint32_t reference_crc32c(const uint8_t* data, size_t n, uint32_t crc = 0) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0u);
  }
  return ~crc;
}

inline Bytes as_bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
inline std::string as_string(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// Recomputes a batch's CRC after a test edits it on purpose.
inline void fix_crc(std::vector<uint8_t>& batch) {
  uint32_t crc = reference_crc32c(batch.data() + kAttributesOffset, batch.size() - kAttributesOffset);
  detail::store_be32(batch.data() + kCrcOffset, crc);
}

// "Compresses" by copying, under the compression type it is told to claim.
class CopyCodec final : public Codec {
 public:
  explicit CopyCodec(CompressionType type = CompressionType::lz4) : type_(type) {}
  CompressionType type() const override { return type_; }
  size_t max_compressed_size(size_t input_size) const override { return input_size; }
  CodecResult compress(std::span<const uint8_t> input, std::span<uint8_t> output) override {
    ++compress_calls;
    if (output.size() < input.size()) return {CodecStatus::output_too_small, 0};
    if (!input.empty()) std::memcpy(output.data(), input.data(), input.size());
    return {CodecStatus::ok, input.size()};
  }
  CodecResult decompress(std::span<const uint8_t> input, std::vector<uint8_t>& out, size_t limit) override {
    if (input.size() > limit) return {CodecStatus::limit_exceeded, 0};
    out.assign(input.begin(), input.end());
    return {CodecStatus::ok, out.size()};
  }
  int compress_calls = 0;

 private:
  CompressionType type_;
};

class SingleCodecProvider final : public CodecProvider {
 public:
  explicit SingleCodecProvider(Codec* codec) : codec_(codec) {}
  Codec* codec(CompressionType type) override { return codec_ && codec_->type() == type ? codec_ : nullptr; }

 private:
  Codec* codec_;
};

}  // namespace rawkafka::protocol::test
