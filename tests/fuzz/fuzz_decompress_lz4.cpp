// libFuzzer: the lz4 decompressor on arbitrary bytes never crashes, never reads outside the
// input, and never lets the output grow past the limit.

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rawkafka/compression/codecs.hpp"

using namespace rawkafka::compression;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kLimit = 1 << 20;
  static auto codec = make_codec(CompressionType::lz4);
  static std::vector<uint8_t> out;  // reused, as a reader reuses its buffer
  CodecResult result = codec->decompress({data, size}, out, kLimit);
  if (out.size() > kLimit || out.capacity() > kLimit) std::abort();
  if (result.ok() && result.size != out.size()) std::abort();
  if (result.ok()) {
    // Whatever decoded must survive our own compress/decompress round trip.
    static std::vector<uint8_t> packed;
    packed.resize(codec->max_compressed_size(out.size()));
    CodecResult c = codec->compress(out, packed);
    if (!c.ok()) std::abort();
    static std::vector<uint8_t> again;
    CodecResult d = codec->decompress({packed.data(), c.size}, again, kLimit);
    if (!d.ok() || again != out) std::abort();
  }
  return 0;
}
