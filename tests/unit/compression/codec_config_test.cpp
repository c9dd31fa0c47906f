// compression.type names, compression.<codec>.level ranges (as the Java client validates them),
// and CodecSet.

#include <doctest/doctest.h>

#include "rawkafka/compression/codecs.hpp"

using namespace rawkafka::compression;

TEST_CASE("parse_compression_type accepts Kafka's compression.type names") {
  CompressionType type = CompressionType::none;
  CHECK(parse_compression_type("gzip", type));
  CHECK(type == CompressionType::gzip);
  CHECK(parse_compression_type("snappy", type));
  CHECK(type == CompressionType::snappy);
  CHECK(parse_compression_type("lz4", type));
  CHECK(type == CompressionType::lz4);
  CHECK(parse_compression_type("zstd", type));
  CHECK(type == CompressionType::zstd);
  CHECK(parse_compression_type("none", type));
  CHECK(type == CompressionType::none);
}

TEST_CASE("parse_compression_type rejects other names and leaves the type untouched") {
  CompressionType type = CompressionType::lz4;
  for (const char* name : {"", "GZIP", "Zstd", "producer", "uncompressed", "lz4 ", "brotli"}) {
    CAPTURE(name);
    CHECK_FALSE(parse_compression_type(name, type));
    CHECK(type == CompressionType::lz4);
  }
}

TEST_CASE("gzip levels are 1 to 9, plus -1 for the default, which is 6") {
  for (int level = 1; level <= 9; ++level) CHECK(is_valid_level(CompressionType::gzip, level));
  CHECK(is_valid_level(CompressionType::gzip, -1));
  CHECK(is_valid_level(CompressionType::gzip, kDefaultLevel));
  CHECK_FALSE(is_valid_level(CompressionType::gzip, 0));
  CHECK_FALSE(is_valid_level(CompressionType::gzip, 10));
  CHECK_FALSE(is_valid_level(CompressionType::gzip, -2));
  CHECK(effective_level(CompressionType::gzip, kDefaultLevel) == 6);
  CHECK(effective_level(CompressionType::gzip, -1) == 6);
  CHECK(effective_level(CompressionType::gzip, 3) == 3);
}

TEST_CASE("lz4 levels are 1 to 17 with default 9") {
  CHECK(is_valid_level(CompressionType::lz4, 1));
  CHECK(is_valid_level(CompressionType::lz4, 17));
  CHECK_FALSE(is_valid_level(CompressionType::lz4, 0));
  CHECK_FALSE(is_valid_level(CompressionType::lz4, 18));
  CHECK_FALSE(is_valid_level(CompressionType::lz4, -1));
  CHECK(effective_level(CompressionType::lz4, kDefaultLevel) == 9);
}

TEST_CASE("zstd levels run from -131072 to 22 with default 3") {
  CHECK(level_range(CompressionType::zstd).min == -131072);
  CHECK(is_valid_level(CompressionType::zstd, -131072));
  CHECK(is_valid_level(CompressionType::zstd, -5));
  CHECK(is_valid_level(CompressionType::zstd, 0));
  CHECK(is_valid_level(CompressionType::zstd, 22));
  CHECK_FALSE(is_valid_level(CompressionType::zstd, 23));
  CHECK_FALSE(is_valid_level(CompressionType::zstd, -131073));
  CHECK(effective_level(CompressionType::zstd, kDefaultLevel) == 3);
}

TEST_CASE("none and snappy take no level") {
  CHECK(is_valid_level(CompressionType::none, kDefaultLevel));
  CHECK(is_valid_level(CompressionType::snappy, kDefaultLevel));
  CHECK_FALSE(is_valid_level(CompressionType::snappy, 1));
  CHECK_FALSE(level_range(CompressionType::snappy).has_levels);
  CHECK(level_error(CompressionType::snappy, 3) ==
        "snappy takes no compression level: leave the level unset");
}

TEST_CASE("level_error says what is wrong and what is allowed") {
  CHECK(level_error(CompressionType::gzip, 6).empty());
  CHECK(level_error(CompressionType::gzip, 12) ==
        "compression level 12 is out of range for gzip: use 1 to 9, or -1 for the default (6)");
  CHECK(level_error(CompressionType::lz4, 18) ==
        "compression level 18 is out of range for lz4: use 1 to 17 (default 9)");
  CHECK(level_error(CompressionType::zstd, 23) ==
        "compression level 23 is out of range for zstd: use -131072 to 22 (default 3)");
  CHECK(level_error(CompressionType(7), kDefaultLevel) == "compression type 7 is unknown");
}

TEST_CASE("make_codec refuses an invalid level or type") {
  CHECK(make_codec(CompressionType::gzip, 10) == nullptr);
  CHECK(make_codec(CompressionType::lz4, 0) == nullptr);
  CHECK(make_codec(CompressionType::snappy, 1) == nullptr);
  CHECK(make_codec(CompressionType(5)) == nullptr);
  auto codec = make_codec(CompressionType::zstd, -7);
  REQUIRE(codec != nullptr);
  CHECK(codec->type() == CompressionType::zstd);
}

TEST_CASE("CodecSet makes each codec once and hands back the same one") {
  CodecSet set;
  for (int id = 0; id <= 4; ++id) {
    auto type = CompressionType(id);
    CAPTURE(id);
    Codec* first = set.codec(type);
    REQUIRE(first != nullptr);
    CHECK(first->type() == type);
    CHECK(set.codec(type) == first);
  }
  CHECK(set.codec(CompressionType(5)) == nullptr);
  CHECK(set.codec(CompressionType(-1)) == nullptr);
}
