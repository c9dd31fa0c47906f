// zstd: standard zstd frames. We write one frame with its content size (ZSTD_compress2);
// we read any sequence of frames, with or without content size (the Java client's
// ZstdOutputStream and librdkafka's streaming compressor leave it out).

#include <zstd.h>
#include <zstd_errors.h>

#include <new>

#include "codec_support.hpp"

namespace rawkafka::compression::detail {
namespace {

// Frame_Content_Size of a zstd frame at `p` (RFC 8878, 3.1.1.1), read straight from the header:
// a hint for the fast path that costs less than the library's full header parse on small
// batches. ZSTD_CONTENTSIZE_UNKNOWN when absent or not a zstd frame. Not trusted: the decoder
// checks the frame against it.
unsigned long long declared_content_size(const uint8_t* p, size_t n) {
  auto le = [p](size_t at, size_t bytes) {
    unsigned long long v = 0;
    for (size_t i = 0; i < bytes; ++i) v |= (unsigned long long)p[at + i] << (8 * i);
    return v;
  };
  if (n < 6 || le(0, 4) != ZSTD_MAGICNUMBER) return ZSTD_CONTENTSIZE_UNKNOWN;
  const uint8_t descriptor = p[4];
  const unsigned fcs_flag = descriptor >> 6;
  const bool single_segment = (descriptor & 0x20) != 0;
  const unsigned dict_flag = descriptor & 3;
  const size_t at = 5 + (single_segment ? 0 : 1) + (dict_flag == 3 ? 4 : dict_flag);
  const size_t bytes = fcs_flag == 0 ? (single_segment ? 1 : 0) : size_t(1) << fcs_flag;
  if (bytes == 0 || at + bytes > n) return ZSTD_CONTENTSIZE_UNKNOWN;
  return le(at, bytes) + (bytes == 2 ? 256 : 0);
}

// Sums the content sizes of all frames in `input`. Returns false when one frame does not
// declare it (sets `unknown`) or the frames are malformed.
bool total_content_size(std::span<const uint8_t> input, unsigned long long& total, bool& unknown) {
  total = 0;
  unknown = false;
  const uint8_t* p = input.data();
  size_t left = input.size();
  while (left > 0) {
    unsigned long long size = ZSTD_getFrameContentSize(p, left);
    if (size == ZSTD_CONTENTSIZE_ERROR) return false;
    if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
      unknown = true;
      return false;
    }
    size_t frame = ZSTD_findFrameCompressedSize(p, left);
    if (ZSTD_isError(frame)) return false;
    if (size > ~0ULL - total) return false;
    total += size;
    p += frame;
    left -= frame;
  }
  return true;
}

class ZstdCodec final : public Codec {
 public:
  explicit ZstdCodec(int level) : cctx_(ZSTD_createCCtx()), dctx_(ZSTD_createDCtx()) {
    if (!cctx_ || !dctx_) {
      ZSTD_freeCCtx(cctx_);
      ZSTD_freeDCtx(dctx_);
      throw std::bad_alloc();
    }
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 0);  // as the Java client's default
  }
  ~ZstdCodec() override {
    ZSTD_freeCCtx(cctx_);
    ZSTD_freeDCtx(dctx_);
  }
  ZstdCodec(const ZstdCodec&) = delete;
  ZstdCodec& operator=(const ZstdCodec&) = delete;

  CompressionType type() const override { return CompressionType::zstd; }
  size_t max_compressed_size(size_t input_size) const override {
    return ZSTD_compressBound(input_size);
  }

  CodecResult compress(std::span<const uint8_t> input, std::span<uint8_t> output) override {
    size_t n = ZSTD_compress2(cctx_, output.data(), output.size(), input.data(), input.size());
    if (ZSTD_isError(n)) {
      return failed(ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall
                        ? CodecStatus::output_too_small
                        : CodecStatus::corrupt);
    }
    return written(n);
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
    // The usual case, one frame that declares its size: decode it straight into place. The
    // library checks the output against the declared size; a second frame with content would
    // not fit and sends us down the general path.
    unsigned long long first = declared_content_size(input.data(), input.size());
    if (first != ZSTD_CONTENTSIZE_UNKNOWN && first <= limit) {
      grow_output(out, size_t(first));
      size_t n = ZSTD_decompressDCtx(dctx_, out.data(), out.size(), input.data(), input.size());
      if (!ZSTD_isError(n) && n == first) return written(n);
      if (!ZSTD_isError(n) || ZSTD_getErrorCode(n) != ZSTD_error_dstSize_tooSmall) {
        return failed(CodecStatus::corrupt);
      }
    }
    unsigned long long total = 0;
    bool unknown = false;
    if (total_content_size(input, total, unknown)) {
      // Every frame says how big it is: one exact, one-shot decode (no window buffer).
      if (total > limit) return failed(CodecStatus::limit_exceeded);
      grow_output(out, size_t(total));
      size_t n = ZSTD_decompressDCtx(dctx_, out.data(), out.size(), input.data(), input.size());
      if (ZSTD_isError(n) || n != total) return failed(CodecStatus::corrupt);
      return written(n);
    }
    if (!unknown) return failed(CodecStatus::corrupt);
    return decompress_streaming(input, out, limit);
  }

  // For frames without a content size: stream into a growing output, never past `limit`.
  // zstd keeps a window buffer in dctx_ (reused; capped by ZSTD_d_windowLogMax, 128 MB).
  CodecResult decompress_streaming(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                                   size_t limit) {
    ZSTD_DCtx_reset(dctx_, ZSTD_reset_session_only);  // a previous call may have stopped mid-frame
    ensure_output_size(out, first_output_size(out, input.size(), 0, limit), limit);
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    size_t produced = 0;
    size_t expect = 1;  // 0 once a frame is fully decoded and flushed
    uint8_t probe = 0;  // at the limit: any byte landing here means the data is too big
    while (in.pos < in.size || expect != 0) {
      bool at_limit = produced == out.size();
      if (at_limit && out.size() < limit) {
        grow_output(out, next_output_size(out.size(), limit));
        at_limit = false;
      }
      ZSTD_outBuffer dst{at_limit ? &probe : out.data() + produced,
                         at_limit ? 1 : out.size() - produced, 0};
      size_t before = in.pos;
      expect = ZSTD_decompressStream(dctx_, &dst, &in);
      if (ZSTD_isError(expect)) return failed(CodecStatus::corrupt);
      if (at_limit && dst.pos > 0) return failed(CodecStatus::limit_exceeded);
      produced += dst.pos;
      // There was room to write, so no progress means the input ended mid-frame.
      if (in.pos == before && dst.pos == 0) return failed(CodecStatus::corrupt);
    }
    out.resize(produced);
    return written(produced);
  }

  ZSTD_CCtx* cctx_;
  ZSTD_DCtx* dctx_;
};

}  // namespace

std::unique_ptr<Codec> make_zstd_codec(int level) { return std::make_unique<ZstdCodec>(level); }

}  // namespace rawkafka::compression::detail
