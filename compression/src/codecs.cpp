// The factory, level rules and CodecSet; each codec lives in its own <name>_codec.cpp.

#include "rawkafka/compression/codecs.hpp"

#include <zstd.h>

#include "codec_support.hpp"

namespace rawkafka::compression {

namespace {
// Java's GzipCompression/Lz4Compression/ZstdCompression ranges (KIP-390).
constexpr int kGzipMinLevel = 1;
constexpr int kGzipMaxLevel = 9;
constexpr int kGzipJavaDefault = -1;  // java.util.zip.Deflater.DEFAULT_COMPRESSION
constexpr int kGzipDefaultLevel = 6;  // what zlib does for -1
constexpr int kLz4MinLevel = 1;
constexpr int kLz4MaxLevel = 17;
constexpr int kLz4DefaultLevel = 9;
constexpr int kZstdMaxLevel = 22;
constexpr int kZstdDefaultLevel = 3;  // ZSTD_CLEVEL_DEFAULT

bool known_type(CompressionType type) {
  auto id = static_cast<int>(type);
  return id >= 0 && id <= 4;
}
}  // namespace

LevelRange level_range(CompressionType type) {
  switch (type) {
    case CompressionType::gzip: return {kGzipMinLevel, kGzipMaxLevel, kGzipDefaultLevel, true};
    case CompressionType::lz4: return {kLz4MinLevel, kLz4MaxLevel, kLz4DefaultLevel, true};
    case CompressionType::zstd: return {ZSTD_minCLevel(), kZstdMaxLevel, kZstdDefaultLevel, true};
    case CompressionType::none:
    case CompressionType::snappy: break;
  }
  return {};
}

bool is_valid_level(CompressionType type, int level) {
  if (!known_type(type)) return false;
  if (level == kDefaultLevel) return true;
  LevelRange range = level_range(type);
  if (!range.has_levels) return false;
  if (type == CompressionType::gzip && level == kGzipJavaDefault) return true;
  return level >= range.min && level <= range.max;
}

std::string level_error(CompressionType type, int level) {
  if (is_valid_level(type, level)) return {};
  std::string name(protocol::to_string(type));
  if (!known_type(type)) return "compression type " + std::to_string(int(type)) + " is unknown";
  LevelRange range = level_range(type);
  if (!range.has_levels) {
    return name + " takes no compression level: leave the level unset";
  }
  std::string sentence = "compression level " + std::to_string(level) + " is out of range for " +
                         name + ": use " + std::to_string(range.min) + " to " +
                         std::to_string(range.max);
  if (type == CompressionType::gzip) {
    sentence += ", or -1 for the default (" + std::to_string(range.default_level) + ")";
  } else {
    sentence += " (default " + std::to_string(range.default_level) + ")";
  }
  return sentence;
}

int effective_level(CompressionType type, int level) {
  LevelRange range = level_range(type);
  if (!range.has_levels) return 0;
  if (level == kDefaultLevel) return range.default_level;
  if (type == CompressionType::gzip && level == kGzipJavaDefault) return kGzipDefaultLevel;
  return level;
}

bool parse_compression_type(std::string_view name, CompressionType& type) {
  static constexpr CompressionType kTypes[] = {CompressionType::none, CompressionType::gzip,
                                               CompressionType::snappy, CompressionType::lz4,
                                               CompressionType::zstd};
  for (CompressionType candidate : kTypes) {
    if (name == protocol::to_string(candidate)) {
      type = candidate;
      return true;
    }
  }
  return false;
}

std::unique_ptr<Codec> make_codec(CompressionType type, int level) {
  if (!is_valid_level(type, level)) return nullptr;
  int resolved = effective_level(type, level);
  switch (type) {
    case CompressionType::none: return detail::make_none_codec();
    case CompressionType::gzip: return detail::make_gzip_codec(resolved);
    case CompressionType::snappy: return detail::make_snappy_codec();
    case CompressionType::lz4: return detail::make_lz4_codec(resolved);
    case CompressionType::zstd: return detail::make_zstd_codec(resolved);
  }
  return nullptr;
}

CodecSet::CodecSet() = default;
CodecSet::~CodecSet() = default;

Codec* CodecSet::codec(CompressionType type) {
  if (!known_type(type)) return nullptr;
  auto& slot = codecs_[static_cast<size_t>(type)];
  if (!slot) slot = make_codec(type);
  return slot.get();
}

}  // namespace rawkafka::compression
