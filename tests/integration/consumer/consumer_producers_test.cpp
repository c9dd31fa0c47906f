// The Consumer reads what other producers wrote: kcat (librdkafka) with every codec, the Java
// ConsoleProducer with zstd and lz4, and rawproduce with --verify. Every record comes back once,
// with its key, value and headers as written, at dense offsets in order per partition.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "consumer_reading.hpp"

namespace rt = rawkafka::testing;
using namespace rawkafka;
using namespace rawkafka::client;

namespace {

// Values that compress: a repeated phrase around the record's number.
std::string value_of(const std::string& writer, int i) {
  return writer + "-value-" + std::to_string(i) + " the quick brown fox jumps over the lazy dog " +
         std::to_string(i % 7);
}

// Every batch carries `type`, and there are far fewer batches than records (batched, so the
// codec had something to do). librdkafka sends a batch that its codec did not make smaller
// uncompressed (rdkafka_msgset_writer.c): a batch of one or two records may be that.
void check_batches_compressed_with(const rt::ReadOutcome& read, protocol::CompressionType type) {
  REQUIRE_FALSE(read.batches.empty());
  size_t other = 0;
  std::string first_other;
  for (const rt::SeenBatch& b : read.batches) {
    if (b.compression == type) continue;
    if (b.compression == protocol::CompressionType::none && b.record_count <= 2) continue;
    if (!other++) {
      first_other = "partition " + std::to_string(b.partition) + " offsets " + std::to_string(b.base_offset) + "-" +
                    std::to_string(b.last_offset) + ": " + std::string(protocol::to_string(b.compression)) + ", " +
                    std::to_string(b.record_count) + " records";
    }
  }
  INFO("first batch with another codec: " << first_other);
  CHECK(other == 0);
  CHECK(read.batches.size() < read.records.size() / 10);
}

const std::map<std::string, protocol::CompressionType> kCodecs = {
    {"none", protocol::CompressionType::none}, {"gzip", protocol::CompressionType::gzip},
    {"snappy", protocol::CompressionType::snappy}, {"lz4", protocol::CompressionType::lz4},
    {"zstd", protocol::CompressionType::zstd}};

}  // namespace

TEST_CASE("records kcat wrote with every codec come back with their keys, values and headers") {
  for (const auto& [codec, type] : kCodecs) {
    CAPTURE(codec);
    const std::string topic = rt::unique_topic("consumer-kcat-" + codec);
    rt::create_test_topic(topic, 3);
    const int n = 3000;
    std::vector<std::string> lines;
    for (int i = 0; i < n; ++i) lines.push_back("key-" + std::to_string(i) + ":" + value_of("kcat", i));
    rt::kcat_produce(topic, lines, "-z " + codec + " -H source=kcat -H codec=" + codec + " -H empty=");

    const rt::ReadOutcome read = rt::read_topic({}, rt::whole_topic(topic));
    rt::check_read_ok(read);
    REQUIRE(read.records.size() == size_t(n));
    rt::check_dense_offsets(read);
    std::map<std::string, std::string> values;
    size_t wrong_headers = 0, keyless = 0;
    const std::vector<rt::Header> expected_headers = {{"source", "kcat"}, {"codec", codec}, {"empty", ""}};
    for (const rt::SeenRecord& r : read.records) {
      if (!r.key || !r.value) {
        ++keyless;
        continue;
      }
      values[*r.key] = *r.value;
      wrong_headers += r.headers != expected_headers;
    }
    CHECK(keyless == 0);
    CHECK(wrong_headers == 0);
    REQUIRE(values.size() == size_t(n));
    size_t wrong_values = 0;
    for (int i = 0; i < n; ++i) wrong_values += values["key-" + std::to_string(i)] != value_of("kcat", i);
    CHECK(wrong_values == 0);
    check_batches_compressed_with(read, type);
    CHECK(read.stats.records == uint64_t(n));
  }
}

TEST_CASE("records the Java producer wrote with zstd and lz4 come back with their keys, values and headers") {
  for (const std::string codec : {"zstd", "lz4"}) {
    CAPTURE(codec);
    const std::string topic = rt::unique_topic("consumer-java-" + codec);
    rt::create_test_topic(topic, 3);
    const int n = 3000;
    // ConsoleProducer's line format with parse.headers and parse.key: headers, tab, key, tab, value.
    std::vector<std::string> lines;
    for (int i = 0; i < n; ++i) {
      lines.push_back("source:java,n:" + std::to_string(i) + "\tkey-" + std::to_string(i) + "\t" + value_of("java", i));
    }
    const std::string path = rt::write_lines(topic, lines);
    auto produced = rt::run_command(
        rt::shell_quote(rt::source_dir() + "/scripts/kafka-local") + " tool console-producer --bootstrap-server " +
            rt::shell_quote(rt::bootstrap()) + " --topic " + topic + " --compression-codec " + codec +
            " --producer-property acks=all --producer-property linger.ms=100"
            " --reader-property parse.key=true --reader-property parse.headers=true < " + rt::shell_quote(path),
        true);
    std::remove(path.c_str());
    INFO(produced.output.substr(0, 2000));
    REQUIRE(produced.exit_code == 0);

    const rt::ReadOutcome read = rt::read_topic({}, rt::whole_topic(topic));
    rt::check_read_ok(read);
    REQUIRE(read.records.size() == size_t(n));
    rt::check_dense_offsets(read);
    size_t wrong = 0;
    std::set<int> numbers;
    for (const rt::SeenRecord& r : read.records) {
      // The number is in the key, the value and the second header alike.
      REQUIRE(r.key);
      REQUIRE(r.key->rfind("key-", 0) == 0);
      const int i = std::stoi(r.key->substr(4));
      numbers.insert(i);
      const std::vector<rt::Header> headers = {{"source", "java"}, {"n", std::to_string(i)}};
      wrong += r.value != value_of("java", i) || r.headers != headers;
    }
    CHECK(wrong == 0);
    CHECK(numbers.size() == size_t(n));
    CHECK(*numbers.begin() == 0);
    CHECK(*numbers.rbegin() == n - 1);
    check_batches_compressed_with(read, kCodecs.at(codec));
  }
}

TEST_CASE("records rawproduce wrote come back once each, with their rawproduce.seq header and key") {
  for (const std::string codec : {"none", "zstd", "lz4"}) {
    CAPTURE(codec);
    const std::string topic = rt::unique_topic("consumer-rawproduce-" + codec);
    const long n = 100000;
    const int keys = 1000;
    rt::rawproduce_verified(topic, n, 4, "acks=all linger.ms=5 compression.type=" + codec,
                            "--payload json-logs --keys " + std::to_string(keys));

    const rt::ReadOutcome read = rt::read_topic({}, rt::whole_topic(topic));
    rt::check_read_ok(read);
    REQUIRE(read.records.size() == size_t(n));
    rt::check_dense_offsets(read);
    rt::check_sequences_once(read.records, n);
    // rawproduce keys sequence s with "key-<s mod keys>"; its json-logs values are JSON objects.
    size_t wrong_key = 0, not_json = 0, extra_headers = 0;
    for (const rt::SeenRecord& r : read.records) {
      wrong_key += r.key != "key-" + std::to_string(r.seq % keys);
      not_json += !r.value || r.value->empty() || r.value->front() != '{' || r.value->back() != '}';
      extra_headers += r.headers.size() != 1;
    }
    CHECK(wrong_key == 0);
    CHECK(not_json == 0);
    CHECK(extra_headers == 0);
    check_batches_compressed_with(read, kCodecs.at(codec));
  }
}
