// "none": the batch's records are stored as they are; compress/decompress are copies.

#include <cstring>

#include "codec_support.hpp"

namespace rawkafka::compression::detail {
namespace {

class NoneCodec final : public Codec {
 public:
  CompressionType type() const override { return CompressionType::none; }
  size_t max_compressed_size(size_t input_size) const override { return input_size; }

  CodecResult compress(std::span<const uint8_t> input, std::span<uint8_t> output) override {
    if (output.size() < input.size()) return failed(CodecStatus::output_too_small);
    if (!input.empty()) std::memcpy(output.data(), input.data(), input.size());
    return written(input.size());
  }

  CodecResult decompress(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                         size_t limit) override {
    if (input.size() > limit) {
      out.clear();
      return failed(CodecStatus::limit_exceeded);
    }
    grow_output(out, input.size());
    if (!input.empty()) std::memcpy(out.data(), input.data(), input.size());
    return written(input.size());
  }
};

}  // namespace

std::unique_ptr<Codec> make_none_codec() { return std::make_unique<NoneCodec>(); }

}  // namespace rawkafka::compression::detail
