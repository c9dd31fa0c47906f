#pragma once
// The body shared by the fuzz_decompress_* targets: one codec's decompressor on arbitrary bytes
// never crashes, never reads outside the input, and never lets the output grow past the limit;
// whatever decodes survives our own compress/decompress round trip.

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rawkafka/compression/codecs.hpp"

namespace rawkafka::fuzz {

inline int fuzz_decompress(protocol::CompressionType type, const uint8_t* data, size_t size) {
  constexpr size_t kLimit = 1 << 20;
  static auto codec = compression::make_codec(type);
  static std::vector<uint8_t> out;  // reused, as a reader reuses its buffer
  protocol::CodecResult result = codec->decompress({data, size}, out, kLimit);
  if (out.size() > kLimit || out.capacity() > kLimit) std::abort();
  if (result.ok() && result.size != out.size()) std::abort();
  if (result.ok()) {
    static std::vector<uint8_t> packed;
    packed.resize(codec->max_compressed_size(out.size()));
    protocol::CodecResult c = codec->compress(out, packed);
    if (!c.ok()) std::abort();
    static std::vector<uint8_t> again;
    protocol::CodecResult d = codec->decompress({packed.data(), c.size}, again, kLimit);
    if (!d.ok() || again != out) std::abort();
  }
  return 0;
}

}  // namespace rawkafka::fuzz
