// libFuzzer: the zstd decompressor on arbitrary bytes (see decompress_target.hpp).

#include "decompress_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return rawkafka::fuzz::fuzz_decompress(rawkafka::protocol::CompressionType::zstd, data, size);
}
