// The 3-broker test cluster is real: all brokers answer, and a topic replicated to all three
// takes writes with acks=all and returns them.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "integration.hpp"
#include "record_lines.hpp"

namespace rt = rawkafka::testing;

TEST_CASE("the test cluster lists three brokers and round trips records on a topic replicated to all") {
  const std::string kcat = "kcat -b " + rt::shell_quote(rt::cluster_bootstrap()) + " -m 30";
  auto metadata = rt::run_command(kcat + " -L", true);
  INFO(metadata.output);
  REQUIRE(metadata.exit_code == 0);
  CHECK(metadata.output.find(" 3 brokers:") != std::string::npos);

  const std::string topic = rt::unique_topic("cluster-roundtrip");
  auto created = rt::run_command(rt::source_dir() + "/scripts/kafka-local tool topics --bootstrap-server " +
                                     rt::shell_quote(rt::cluster_bootstrap()) + " --create --topic " +
                                     rt::shell_quote(topic) + " --partitions 3 --replication-factor 3",
                                 true);
  INFO(created.output);
  REQUIRE(created.exit_code == 0);

  const auto lines = rt::make_record_lines(1000, 0x85ebca6bu);
  const std::string path = rt::binary_dir() + "/" + topic + ".records";
  rt::write_lines(path, lines);
  auto produced = rt::run_command(kcat + " -P -t " + rt::shell_quote(topic) +
                                      " -K: -X acks=all -p 1 -l " + rt::shell_quote(path),
                                  true);
  std::remove(path.c_str());
  INFO(produced.output);
  REQUIRE(produced.exit_code == 0);

  auto consumed = rt::run_command(kcat + " -C -t " + rt::shell_quote(topic) +
                                      " -p 1 -o beginning -e -q -c 1000 -f '%k:%s\\n'",
                                  false);
  REQUIRE(consumed.exit_code == 0);
  CHECK(rt::split_lines(consumed.output) == lines);

  auto described = rt::run_command(kcat + " -L -t " + rt::shell_quote(topic), true);
  REQUIRE(described.exit_code == 0);
  INFO(described.output);
  int partitions = 0;
  for (const auto& line : rt::split_lines(described.output)) {
    // "    partition 0, leader 2, replicas: 2,3,1, isrs: 2,3,1"
    auto at = line.find("replicas: ");
    if (at == std::string::npos) continue;
    ++partitions;
    auto replicas = line.substr(at + 10, line.find(", isrs") - at - 10);
    CHECK(std::count(replicas.begin(), replicas.end(), ',') == 2);
  }
  CHECK(partitions == 3);
}
