// The test broker is a real Kafka: kcat (librdkafka) produces records and reads the same ones back.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "integration.hpp"
#include "record_lines.hpp"

namespace rt = rawkafka::testing;

namespace {

std::string kcat() { return "kcat -b " + rt::shell_quote(rt::bootstrap()) + " -m 30"; }

std::string lines_file(const std::string& topic) { return rt::binary_dir() + "/" + topic + ".records"; }

// Produces the lines of `path` ("key:value") to `topic` with acks=all and fails the test on error.
void produce(const std::string& topic, const std::string& path, const std::string& extra = "") {
  auto produced = rt::run_command(kcat() + " -P -t " + rt::shell_quote(topic) +
                                      " -K: -X acks=all -X linger.ms=5 " + extra + " -l " +
                                      rt::shell_quote(path),
                                  true);
  INFO(produced.output);
  REQUIRE(produced.exit_code == 0);
}

std::vector<std::string> consume(const std::string& topic, size_t count) {
  auto consumed = rt::run_command(kcat() + " -C -t " + rt::shell_quote(topic) + " -o beginning -e -q -c " +
                                      std::to_string(count) + " -f '%k:%s\\n'",
                                  false);
  REQUIRE(consumed.exit_code == 0);
  return rt::split_lines(consumed.output);
}

}  // namespace

TEST_CASE("kcat reads back the 1000 records it wrote to a new single-partition topic, in order") {
  const std::string topic = rt::unique_topic("broker-roundtrip");
  const auto lines = rt::make_record_lines(1000, 0x2545f491u);
  const std::string path = lines_file(topic);
  rt::write_lines(path, lines);

  produce(topic, path);
  const auto back = consume(topic, lines.size());
  std::remove(path.c_str());

  REQUIRE(back.size() == lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO("record " << i);
    CHECK(back[i] == lines[i]);
  }
}

TEST_CASE("a topic created with the Kafka topics tool keeps all records across its 4 partitions") {
  const std::string topic = rt::unique_topic("broker-partitions");
  auto created = rt::run_command(rt::source_dir() + "/scripts/kafka-local tool topics --bootstrap-server " +
                                     rt::shell_quote(rt::bootstrap()) + " --create --topic " +
                                     rt::shell_quote(topic) + " --partitions 4 --replication-factor 1",
                                 true);
  INFO(created.output);
  REQUIRE(created.exit_code == 0);

  auto metadata = rt::run_command(kcat() + " -L -t " + rt::shell_quote(topic), true);
  REQUIRE(metadata.exit_code == 0);
  CHECK(metadata.output.find("with 4 partitions") != std::string::npos);

  const auto lines = rt::make_record_lines(1000, 0x9e3779b9u);
  const std::string path = lines_file(topic);
  rt::write_lines(path, lines);
  produce(topic, path, "-X topic.partitioner=murmur2_random");
  auto back = consume(topic, lines.size());
  std::remove(path.c_str());

  auto expected = lines;
  std::sort(expected.begin(), expected.end());
  std::sort(back.begin(), back.end());
  REQUIRE(back.size() == expected.size());
  CHECK(back == expected);

  // Every partition got some of the keyed records.
  for (int partition = 0; partition < 4; ++partition) {
    auto one = rt::run_command(kcat() + " -C -t " + rt::shell_quote(topic) + " -p " + std::to_string(partition) +
                                   " -o beginning -e -q -f 'x\\n'",
                               false);
    REQUIRE(one.exit_code == 0);
    INFO("partition " << partition);
    CHECK(!one.output.empty());
  }
}
