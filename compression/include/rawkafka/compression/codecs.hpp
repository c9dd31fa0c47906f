#pragma once
// Kafka's compression codecs (none, gzip, snappy, lz4, zstd) behind protocol::Codec.
//
// Each codec writes what the Java client and librdkafka write, and reads what they write:
//  - gzip:   RFC 1952 (one or more members);
//  - snappy: writes raw snappy (as librdkafka); reads raw snappy and the xerial-framed stream
//            (magic 0x82 "SNAPPY" 0x00, two int32 versions, then [int32 BE length][raw block]...)
//            that the Java client writes;
//  - lz4:    the LZ4 frame format, independent 64 KB blocks, header checksum, no content checksum;
//  - zstd:   standard zstd frames (with or without content size; several frames in a row).
//
// A Codec keeps its library context (z_stream, LZ4F contexts, ZSTD_CCtx/DCtx) and reuses it, so
// steady state allocates nothing per batch — except where the library allocates on its own:
// libsnappy's compressor (its working memory, once per call) and liblz4's optimal parser at
// levels 10 and up (a table per 64 KB block). One Codec per thread; none is thread-safe.
//
// decompress(input, out, limit) never lets `out` grow past `limit` (capacity included, when it
// has to reallocate): a stream that would is limit_exceeded, a malformed or truncated one is
// corrupt; on any error `out` is left empty. Reusing the same `out` across batches avoids both
// allocation and re-zeroing. compress() needs max_compressed_size() of room for snappy and,
// block by block, for lz4; gzip and zstd use what they are given.

#include <array>
#include <climits>
#include <memory>
#include <string>
#include <string_view>

#include "rawkafka/protocol/codec.hpp"

namespace rawkafka::compression {

using protocol::Codec;
using protocol::CodecResult;
using protocol::CodecStatus;
using protocol::CompressionType;

// Asks for the codec's default level (Java's compression.<codec>.level default).
inline constexpr int kDefaultLevel = INT_MIN;

// The levels Java's compression.gzip.level / compression.lz4.level / compression.zstd.level accept.
struct LevelRange {
  int min = 0;
  int max = 0;
  int default_level = 0;  // what kDefaultLevel means
  bool has_levels = false;  // none and snappy take no level
};
// gzip 1..9 (and -1, zlib's default, which is 6); lz4 1..17 (default 9); zstd -131072..22 (default 3).
LevelRange level_range(CompressionType type);

// True when `level` (or kDefaultLevel) is acceptable for `type`. none/snappy accept only kDefaultLevel.
bool is_valid_level(CompressionType type, int level);

// Empty when the level is valid, otherwise a sentence saying what is wrong and what is allowed,
// e.g. "compression level 12 is out of range for gzip: use 1 to 9, or -1 for the default (6)".
std::string level_error(CompressionType type, int level);

// The level the codec will actually use: resolves kDefaultLevel (and gzip's -1) to a number.
int effective_level(CompressionType type, int level);

// Kafka's compression.type names: "none", "gzip", "snappy", "lz4", "zstd" (lower case, exact).
// Returns false, leaving `type` untouched, for any other name.
bool parse_compression_type(std::string_view name, CompressionType& type);

// A new codec of `type` at `level`; nullptr when the type is unknown or the level is invalid
// (see level_error()). Allocates its library context up front.
std::unique_ptr<Codec> make_codec(CompressionType type, int level = kDefaultLevel);

// A CodecProvider for RecordBatchReader: creates each codec (at its default level) on first use
// and keeps it. Belongs to one thread; not thread-safe by design.
class CodecSet final : public protocol::CodecProvider {
 public:
  CodecSet();
  ~CodecSet() override;
  CodecSet(const CodecSet&) = delete;
  CodecSet& operator=(const CodecSet&) = delete;

  // nullptr for a type outside none..zstd.
  Codec* codec(CompressionType type) override;

 private:
  std::array<std::unique_ptr<Codec>, 5> codecs_;
};

}  // namespace rawkafka::compression
