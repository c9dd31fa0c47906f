// gzip: RFC 1952 members, as java.util.zip.GZIPOutputStream writes and GZIPInputStream reads.
// One z_stream each way, made once and reset per batch (deflateReset/inflateReset).

#include <zlib.h>

#include <climits>
#include <new>

#include "codec_support.hpp"

namespace rawkafka::compression::detail {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KB window, gzip wrapper (not zlib's)
constexpr int kMemLevel = 8;              // zlib's default, as Java's Deflater
constexpr uInt kMaxChunk = UINT_MAX;      // avail_in/avail_out are 32-bit

uInt chunk(size_t n) { return n > kMaxChunk ? kMaxChunk : uInt(n); }

class GzipCodec final : public Codec {
 public:
  explicit GzipCodec(int level) {
    if (deflateInit2(&deflate_, level, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::bad_alloc();
    }
    if (inflateInit2(&inflate_, kGzipWindowBits) != Z_OK) {
      deflateEnd(&deflate_);
      throw std::bad_alloc();
    }
  }
  ~GzipCodec() override {
    deflateEnd(&deflate_);
    inflateEnd(&inflate_);
  }
  GzipCodec(const GzipCodec&) = delete;
  GzipCodec& operator=(const GzipCodec&) = delete;

  CompressionType type() const override { return CompressionType::gzip; }

  size_t max_compressed_size(size_t input_size) const override {
    // compressBound() is zlib's bound for these settings (window 15, memLevel 8) with the
    // 6-byte zlib wrapper; the gzip wrapper (no name, comment or extra field) takes 18.
    // deflateBound() would not do: it drops the wrapper once a stream has finished.
    return compressBound(uLong(input_size)) - 6 + 18;
  }

  CodecResult compress(std::span<const uint8_t> input, std::span<uint8_t> output) override {
    if (deflateReset(&deflate_) != Z_OK) return failed(CodecStatus::corrupt);
    deflate_.next_in = const_cast<Bytef*>(input.data());
    deflate_.next_out = output.data();
    size_t in_left = input.size();
    size_t out_left = output.size();
    for (;;) {
      deflate_.avail_in = chunk(in_left);
      deflate_.avail_out = chunk(out_left);
      uInt offered_in = deflate_.avail_in;
      uInt offered_out = deflate_.avail_out;
      int flush = deflate_.avail_in == in_left ? Z_FINISH : Z_NO_FLUSH;
      int rc = deflate(&deflate_, flush);
      in_left -= offered_in - deflate_.avail_in;
      out_left -= offered_out - deflate_.avail_out;
      if (rc == Z_STREAM_END) return written(output.size() - out_left);
      if (rc != Z_OK && rc != Z_BUF_ERROR) return failed(CodecStatus::corrupt);
      bool progress = deflate_.avail_in != offered_in || deflate_.avail_out != offered_out;
      if (out_left == 0 || !progress) return failed(CodecStatus::output_too_small);
    }
  }

  CodecResult decompress(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                         size_t limit) override {
    CodecResult result = inflate_all(input, out, limit);
    if (!result.ok()) out.clear();
    return result;
  }

 private:
  CodecResult inflate_all(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                          size_t limit) {
    if (input.empty()) return failed(CodecStatus::corrupt);  // a gzip stream has a header
    if (inflateReset(&inflate_) != Z_OK) return failed(CodecStatus::corrupt);
    // ISIZE, the last member's length mod 2^32, is only a hint: never trusted past `limit`.
    size_t hint = 0;
    if (input.size() >= 18) hint = load_le32(input.data() + input.size() - 4);
    ensure_output_size(out, first_output_size(out, input.size(), hint, limit), limit);

    const uint8_t* in = input.data();
    size_t in_left = input.size();
    size_t produced = 0;
    uint8_t probe = 0;  // at the limit: any byte landing here means the data is too big
    for (;;) {
      bool at_limit = produced == out.size();
      if (at_limit && out.size() < limit) {
        grow_output(out, next_output_size(out.size(), limit));
        at_limit = false;
      }
      uint8_t* dst = at_limit ? &probe : out.data() + produced;
      size_t dst_size = at_limit ? 1 : out.size() - produced;
      inflate_.next_in = const_cast<Bytef*>(in);
      inflate_.avail_in = chunk(in_left);
      inflate_.next_out = dst;
      inflate_.avail_out = chunk(dst_size);
      uInt offered_in = inflate_.avail_in;
      uInt offered_out = inflate_.avail_out;
      int rc = inflate(&inflate_, Z_NO_FLUSH);
      size_t consumed = offered_in - inflate_.avail_in;
      size_t made = offered_out - inflate_.avail_out;
      in += consumed;
      in_left -= consumed;
      if (at_limit && made > 0) return failed(CodecStatus::limit_exceeded);
      produced += made;
      if (rc == Z_STREAM_END) {
        if (in_left == 0) break;
        // Another member follows (GZIPInputStream reads concatenated members too).
        if (inflateReset(&inflate_) != Z_OK) return failed(CodecStatus::corrupt);
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) return failed(CodecStatus::corrupt);  // Z_DATA_ERROR...
      // There was room to write, so no progress means the input ended mid-stream.
      if (consumed == 0 && made == 0) return failed(CodecStatus::corrupt);
    }
    out.resize(produced);
    return written(produced);
  }

  static uint32_t load_le32(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  }

  z_stream deflate_{};
  z_stream inflate_{};
};

}  // namespace

std::unique_ptr<Codec> make_gzip_codec(int level) { return std::make_unique<GzipCodec>(level); }

}  // namespace rawkafka::compression::detail
