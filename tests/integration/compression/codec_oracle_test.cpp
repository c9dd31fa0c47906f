// Our codecs against independent implementations, both directions, without a broker:
//  - the Apache Kafka Java client's own codecs (org.apache.kafka.common.compress: JDK gzip,
//    xerial snappy-java, Kafka's Lz4BlockOutputStream over lz4-java, zstd-jni), driven by
//    tests/oracle/compression/KafkaCodecOracle.java, compiled here with javac against the jars
//    scripts/kafka-local downloaded (the `kafka` fixture guarantees they are there);
//  - the gzip (GNU), lz4 and zstd command-line tools.

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "integration.hpp"
#include "rawkafka/compression/codecs.hpp"

using namespace rawkafka::compression;
namespace rt = rawkafka::testing;

namespace {

std::vector<uint8_t> json_logs(size_t size, unsigned seed) {
  static const char* const kLevels[] = {"INFO", "WARNING", "ERROR", "DEBUG"};
  std::vector<uint8_t> out;
  char buf[256];
  for (size_t i = 0; out.size() < size; ++i) {
    int n = std::snprintf(buf, sizeof buf,
                          "{\"Timestamp\": \"2025-04-20T16:%02zu:%02zu.%06zu\", \"Level\": \"%s\", "
                          "\"Message\": \"Test log message %zu\", \"ResourceID\": \"resource-%zu\"}",
                          i / 60 % 60, i % 60, (i * 7919 + seed) % 1000000, kLevels[(i + seed) % 4], i,
                          i % 10);
    out.insert(out.end(), buf, buf + n);
  }
  out.resize(size);
  return out;
}

std::vector<uint8_t> random_bytes(size_t size, uint64_t seed) {
  std::vector<uint8_t> out(size);
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (auto& b : out) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    b = uint8_t((x * 0x2545f4914f6cdd1dULL) >> 56);
  }
  return out;
}

struct Input {
  std::string name;
  std::vector<uint8_t> data;
};

std::vector<Input> inputs() {
  return {{"json_1m", json_logs(1 << 20, 1)},
          {"json_300k", json_logs(300000, 2)},
          {"random_200k", random_bytes(200000, 3)},
          {"random_100", random_bytes(100, 4)},
          {"one_byte", {0x42}},
          {"empty", {}}};
}

std::string scratch_dir() {
  std::string dir = rt::binary_dir() + "/compression-oracle";
  rt::run_command("mkdir -p " + rt::shell_quote(dir));
  return dir;
}

void write_file(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
  REQUIRE(out.good());
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> compress(Codec& codec, const std::vector<uint8_t>& input) {
  std::vector<uint8_t> out(codec.max_compressed_size(input.size()));
  CodecResult result = codec.compress(input, out);
  REQUIRE(result.ok());
  out.resize(result.size);
  return out;
}

// The class path for the oracle: Kafka's jars as scripts/kafka-local cached them, plus the
// oracle class compiled into the build folder. Empty (and a failed check) when unavailable.
std::string oracle_class_path() {
  static std::string cached;
  if (!cached.empty()) return cached;
  auto libs = rt::run_command("ls -d " + rt::shell_quote(rt::source_dir()) +
                              "/.cache/kafka/*/libs 2>/dev/null | sort -V | tail -1");
  std::string dir = libs.output.substr(0, libs.output.find('\n'));
  REQUIRE_MESSAGE(!dir.empty(), "no Kafka jars under .cache/kafka/*/libs: run ./scripts/kafka-local start once");
  std::string classes = rt::binary_dir() + "/compression-oracle/classes";
  auto built = rt::run_command("mkdir -p " + rt::shell_quote(classes) + " && javac -cp " +
                                   rt::shell_quote(dir + "/*") + " -d " + rt::shell_quote(classes) + " " +
                                   rt::shell_quote(rt::source_dir() +
                                                   "/tests/oracle/compression/KafkaCodecOracle.java"),
                               true);
  INFO(built.output);
  REQUIRE(built.exit_code == 0);
  cached = dir + "/*:" + classes;
  return cached;
}

// Runs the Java oracle once over many (in, out) file pairs.
void java(const std::string& command, CompressionType type, const std::string& level,
          const std::vector<std::pair<std::string, std::string>>& files) {
  std::string cmd = "java -cp ";
  cmd += rt::shell_quote(oracle_class_path());
  cmd += " KafkaCodecOracle ";
  cmd += command;
  cmd += " ";
  cmd += rawkafka::protocol::to_string(type);
  cmd += " ";
  cmd += level;
  for (const auto& [in, out] : files) {
    cmd += " ";
    cmd += rt::shell_quote(in);
    cmd += " ";
    cmd += rt::shell_quote(out);
  }
  auto result = rt::run_command(cmd, true);
  INFO(result.output.substr(0, 3000));
  REQUIRE(result.exit_code == 0);
}

const CompressionType kCodecs[] = {CompressionType::gzip, CompressionType::snappy, CompressionType::lz4,
                                   CompressionType::zstd};

}  // namespace

TEST_CASE("what the Java client's codecs write, at several levels, we read back exactly") {
  const auto all = inputs();
  const std::string dir = scratch_dir();
  struct Level {
    CompressionType type;
    const char* level;
  };
  for (Level l : {Level{CompressionType::gzip, "default"}, Level{CompressionType::gzip, "1"},
                  Level{CompressionType::gzip, "9"}, Level{CompressionType::snappy, "default"},
                  Level{CompressionType::lz4, "default"}, Level{CompressionType::lz4, "1"},
                  Level{CompressionType::lz4, "17"}, Level{CompressionType::zstd, "default"},
                  Level{CompressionType::zstd, "-5"}, Level{CompressionType::zstd, "19"}}) {
    std::string tag(rawkafka::protocol::to_string(l.type));
    tag += "_";
    tag += l.level;
    CAPTURE(tag);
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& in : all) {
      std::string plain = dir + "/" + in.name;
      write_file(plain, in.data);
      files.emplace_back(plain, dir + "/java_" + tag + "_" + in.name);
    }
    java("compress", l.type, l.level, files);
    CodecSet codecs;
    std::vector<uint8_t> out;
    for (size_t i = 0; i < all.size(); ++i) {
      CAPTURE(all[i].name);
      auto packed = read_file(files[i].second);
      CodecResult result = codecs.codec(l.type)->decompress(packed, out, all[i].data.size());
      REQUIRE(result.ok());
      CHECK(out == all[i].data);
      if (!all[i].data.empty()) {
        CHECK(codecs.codec(l.type)->decompress(packed, out, all[i].data.size() - 1).status ==
              CodecStatus::limit_exceeded);
      }
    }
  }
}

TEST_CASE("what we write, at several levels, the Java client's codecs read back exactly") {
  const auto all = inputs();
  const std::string dir = scratch_dir();
  struct Level {
    CompressionType type;
    int level;
  };
  for (CompressionType type : kCodecs) {
    std::vector<Level> levels;
    if (type == CompressionType::snappy) levels = {{type, kDefaultLevel}};
    if (type == CompressionType::gzip) levels = {{type, kDefaultLevel}, {type, 1}, {type, 9}};
    if (type == CompressionType::lz4) levels = {{type, kDefaultLevel}, {type, 1}, {type, 3}, {type, 12}};
    if (type == CompressionType::zstd) levels = {{type, kDefaultLevel}, {type, -5}, {type, 1}, {type, 19}};
    std::vector<std::pair<std::string, std::string>> files;
    std::vector<const std::vector<uint8_t>*> expected;
    for (const Level& l : levels) {
      auto codec = make_codec(l.type, l.level);
      REQUIRE(codec);
      for (const auto& in : all) {
        std::string tag(rawkafka::protocol::to_string(type));
        tag += "_";
        tag += l.level == kDefaultLevel ? std::string("default") : std::to_string(l.level);
        tag += "_";
        tag += in.name;
        write_file(dir + "/ours_" + tag, compress(*codec, in.data));
        files.emplace_back(dir + "/ours_" + tag, dir + "/ours_" + tag + ".java_plain");
        expected.push_back(&in.data);
      }
    }
    CAPTURE(rawkafka::protocol::to_string(type));
    java("decompress", type, "default", files);
    for (size_t i = 0; i < files.size(); ++i) {
      CAPTURE(files[i].first);
      CHECK(read_file(files[i].second) == *expected[i]);
    }
  }
}

TEST_CASE("the gzip, lz4 and zstd command-line tools read what we write, and we read theirs") {
  const auto all = inputs();
  const std::string dir = scratch_dir();
  struct Tool {
    CompressionType type;
    const char* compress;
    const char* decompress;
  };
  for (Tool tool : {Tool{CompressionType::gzip, "gzip -c", "gzip -dc"},
                    Tool{CompressionType::lz4, "lz4 -c -q", "lz4 -dc -q"},
                    Tool{CompressionType::lz4, "lz4 -c -q -BD -B4", "lz4 -dc -q"},
                    Tool{CompressionType::zstd, "zstd -c -q", "zstd -dc -q"},
                    Tool{CompressionType::zstd, "zstd -c -q --no-check --stream-size=0", "zstd -dc -q"}}) {
    CAPTURE(tool.compress);
    auto codec = make_codec(tool.type);
    for (const auto& in : all) {
      CAPTURE(in.name);
      const std::string plain = dir + "/cli_" + in.name;
      write_file(plain, in.data);
      // Theirs, read by us.
      std::string pack(tool.compress);
      pack += " < " + rt::shell_quote(plain) + " > " + rt::shell_quote(plain + ".theirs");
      auto theirs = rt::run_command(pack);
      REQUIRE(theirs.exit_code == 0);
      std::vector<uint8_t> out;
      REQUIRE(codec->decompress(read_file(plain + ".theirs"), out, in.data.size()).ok());
      CHECK(out == in.data);
      // Ours, read by them.
      write_file(plain + ".ours", compress(*codec, in.data));
      std::string unpack(tool.decompress);
      unpack += " < " + rt::shell_quote(plain + ".ours") + " > " + rt::shell_quote(plain + ".back");
      auto back = rt::run_command(unpack);
      REQUIRE(back.exit_code == 0);
      CHECK(read_file(plain + ".back") == in.data);
    }
  }
}
