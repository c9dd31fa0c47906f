// snappy: writes one raw snappy block (what librdkafka writes and every reader accepts).
// Reads raw snappy and the xerial-framed stream of the Java client's SnappyOutputStream:
//   magic 0x82 "SNAPPY" 0x00, int32 BE version, int32 BE compatible version,
//   then chunks of [int32 BE compressed length][raw snappy block], possibly followed by
//   another magic header (concatenated streams, as SnappyInputStream accepts).

#include <snappy.h>

#include <cstring>

#include "codec_support.hpp"

namespace rawkafka::compression::detail {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;  // magic + version + compatible version

uint32_t load_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

bool starts_with_xerial_magic(std::span<const uint8_t> data) {
  return data.size() >= kXerialHeaderSize &&
         std::memcmp(data.data(), kXerialMagic, sizeof kXerialMagic) == 0;
}

class SnappyCodec final : public Codec {
 public:
  CompressionType type() const override { return CompressionType::snappy; }
  size_t max_compressed_size(size_t input_size) const override {
    return snappy::MaxCompressedLength(input_size);
  }

  CodecResult compress(std::span<const uint8_t> input, std::span<uint8_t> output) override {
    // RawCompress writes unchecked: it needs the whole bound up front.
    if (output.size() < snappy::MaxCompressedLength(input.size())) {
      return failed(CodecStatus::output_too_small);
    }
    size_t size = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(),
                        reinterpret_cast<char*>(output.data()), &size);
    return written(size);
  }

  CodecResult decompress(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                         size_t limit) override {
    CodecResult result = starts_with_xerial_magic(input) ? decompress_xerial(input, out, limit)
                                                         : decompress_raw(input, out, limit);
    if (!result.ok()) out.clear();
    return result;
  }

 private:
  // Declared lengths are checked against `limit` before any byte is allocated for them.
  static CodecResult decompress_raw(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                                    size_t limit) {
    size_t length = 0;
    const char* src = reinterpret_cast<const char*>(input.data());
    if (!snappy::GetUncompressedLength(src, input.size(), &length)) {
      return failed(CodecStatus::corrupt);
    }
    if (length > limit) return failed(CodecStatus::limit_exceeded);
    grow_output(out, length);
    if (!snappy::RawUncompress(src, input.size(), reinterpret_cast<char*>(out.data()))) {
      return failed(CodecStatus::corrupt);
    }
    return written(length);
  }

  // Walks the chunks twice: first to validate the framing and add up the declared lengths
  // (so `out` is sized once, exactly, and never past `limit`), then to decode into place.
  static CodecResult decompress_xerial(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                                       size_t limit) {
    size_t total = 0;
    CodecStatus status = for_each_chunk(input, [&](const char* block, size_t block_size) {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(block, block_size, &length)) return CodecStatus::corrupt;
      if (length > limit - total) return CodecStatus::limit_exceeded;
      total += length;
      return CodecStatus::ok;
    });
    if (status != CodecStatus::ok) return failed(status);
    grow_output(out, total);
    size_t at = 0;
    status = for_each_chunk(input, [&](const char* block, size_t block_size) {
      size_t length = 0;
      snappy::GetUncompressedLength(block, block_size, &length);
      if (!snappy::RawUncompress(block, block_size, reinterpret_cast<char*>(out.data() + at))) {
        return CodecStatus::corrupt;
      }
      at += length;
      return CodecStatus::ok;
    });
    if (status != CodecStatus::ok) return failed(status);
    return written(total);
  }

  // Calls visit(block, size) for each chunk; stops at the first status other than ok.
  template <typename Visit>
  static CodecStatus for_each_chunk(std::span<const uint8_t> input, Visit visit) {
    const uint8_t* p = input.data();
    const uint8_t* end = p + input.size();
    while (p != end) {
      if (size_t(end - p) >= kXerialHeaderSize &&
          std::memcmp(p, kXerialMagic, sizeof kXerialMagic) == 0) {
        p += kXerialHeaderSize;  // a (further) stream header; its versions are not checked
        continue;
      }
      if (end - p < 4) return CodecStatus::corrupt;
      uint32_t block_size = load_be32(p);
      p += 4;
      if (block_size > size_t(end - p)) return CodecStatus::corrupt;
      CodecStatus status = visit(reinterpret_cast<const char*>(p), size_t(block_size));
      if (status != CodecStatus::ok) return status;
      p += block_size;
    }
    return CodecStatus::ok;
  }
};

}  // namespace

std::unique_ptr<Codec> make_snappy_codec() { return std::make_unique<SnappyCodec>(); }

}  // namespace rawkafka::compression::detail
