#include "rawkafka/protocol/codec.hpp"

namespace rawkafka::protocol {

std::string_view to_string(CompressionType type) {
  switch (type) {
    case CompressionType::none: return "none";
    case CompressionType::gzip: return "gzip";
    case CompressionType::snappy: return "snappy";
    case CompressionType::lz4: return "lz4";
    case CompressionType::zstd: return "zstd";
  }
  return "unknown";
}

}  // namespace rawkafka::protocol
