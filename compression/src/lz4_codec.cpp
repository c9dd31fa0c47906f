// lz4: the LZ4 frame format as Kafka's Lz4BlockOutputStream writes it: independent 64 KB blocks,
// header checksum, no content size, no block or content checksum. Reads any LZ4 frame
// (several in a row too, as librdkafka does).
//
// Levels follow Java's compression.lz4.level: the default (9) means lz4's fast compressor, any
// other level the HC compressor at that level (liblz4 treats HC levels 1-2 as the fast one).

#include <lz4frame.h>

#include <cstring>
#include <new>

#include "codec_support.hpp"

namespace rawkafka::compression::detail {
namespace {

constexpr int kJavaDefaultLevel = 9;
constexpr size_t kBlockSize = 64 * 1024;

class Lz4Codec final : public Codec {
 public:
  explicit Lz4Codec(int level) {
    if (LZ4F_isError(LZ4F_createCompressionContext(&cctx_, LZ4F_VERSION))) throw std::bad_alloc();
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx_, LZ4F_VERSION))) {
      LZ4F_freeCompressionContext(cctx_);
      throw std::bad_alloc();
    }
    std::memset(&prefs_, 0, sizeof prefs_);
    prefs_.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs_.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs_.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    prefs_.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
    prefs_.frameInfo.frameType = LZ4F_frame;
    prefs_.frameInfo.contentSize = 0;  // Java never writes it
    prefs_.compressionLevel = level == kJavaDefaultLevel ? 0 : level;
    prefs_.autoFlush = 1;  // compress straight from the input, no staging copy
  }
  ~Lz4Codec() override {
    LZ4F_freeCompressionContext(cctx_);
    LZ4F_freeDecompressionContext(dctx_);
  }
  Lz4Codec(const Lz4Codec&) = delete;
  Lz4Codec& operator=(const Lz4Codec&) = delete;

  CompressionType type() const override { return CompressionType::lz4; }
  size_t max_compressed_size(size_t input_size) const override {
    return LZ4F_compressFrameBound(input_size, &prefs_);
  }

  CodecResult compress(std::span<const uint8_t> input, std::span<uint8_t> output) override {
    uint8_t* dst = output.data();
    size_t left = output.size();
    if (left < LZ4F_HEADER_SIZE_MAX) return failed(CodecStatus::output_too_small);
    size_t n = LZ4F_compressBegin(cctx_, dst, left, &prefs_);
    if (LZ4F_isError(n)) return failed(CodecStatus::output_too_small);
    dst += n;
    left -= n;
    // Whole input at once when the bound fits; block by block otherwise, so a tight output
    // fails cleanly (LZ4F needs compressBound() of room for each update).
    size_t step = output.size() >= max_compressed_size(input.size()) ? input.size() : kBlockSize;
    for (size_t at = 0; at < input.size(); at += step) {
      size_t size = input.size() - at < step ? input.size() - at : step;
      if (left < LZ4F_compressBound(size, &prefs_)) return failed(CodecStatus::output_too_small);
      n = LZ4F_compressUpdate(cctx_, dst, left, input.data() + at, size, nullptr);
      if (LZ4F_isError(n)) return failed(CodecStatus::output_too_small);
      dst += n;
      left -= n;
    }
    if (left < LZ4F_compressBound(0, &prefs_)) return failed(CodecStatus::output_too_small);
    n = LZ4F_compressEnd(cctx_, dst, left, nullptr);
    if (LZ4F_isError(n)) return failed(CodecStatus::output_too_small);
    left -= n;
    return written(output.size() - left);
  }

  CodecResult decompress(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                         size_t limit) override {
    CodecResult result = decompress_frames(input, out, limit);
    if (!result.ok()) out.clear();
    return result;
  }

 private:
  CodecResult decompress_frames(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                                size_t limit) {
    if (input.empty()) return failed(CodecStatus::corrupt);
    LZ4F_resetDecompressionContext(dctx_);  // a previous call may have stopped mid-frame
    ensure_output_size(out, first_output_size(out, input.size(), 0, limit), limit);

    const uint8_t* in = input.data();
    size_t in_left = input.size();
    size_t produced = 0;
    size_t expect = 1;  // LZ4F's hint of the input it still needs; 0 once a frame is complete
    uint8_t probe = 0;  // at the limit: any byte landing here means the data is too big
    while (in_left > 0 || expect != 0) {
      bool at_limit = produced == out.size();
      if (at_limit && out.size() < limit) {
        grow_output(out, next_output_size(out.size(), limit));
        at_limit = false;
      }
      size_t made = at_limit ? 1 : out.size() - produced;
      size_t consumed = in_left;
      expect = LZ4F_decompress(dctx_, at_limit ? &probe : out.data() + produced, &made, in,
                               &consumed, nullptr);
      if (LZ4F_isError(expect)) return failed(CodecStatus::corrupt);
      if (at_limit && made > 0) return failed(CodecStatus::limit_exceeded);
      in += consumed;
      in_left -= consumed;
      produced += made;
      // There was room to write, so no progress means the input ended mid-frame.
      if (consumed == 0 && made == 0) return failed(CodecStatus::corrupt);
    }
    out.resize(produced);
    return written(produced);
  }

  LZ4F_cctx* cctx_ = nullptr;
  LZ4F_dctx* dctx_ = nullptr;
  LZ4F_preferences_t prefs_;
};

}  // namespace

std::unique_ptr<Codec> make_lz4_codec(int level) { return std::make_unique<Lz4Codec>(level); }

}  // namespace rawkafka::compression::detail
