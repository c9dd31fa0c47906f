// OFFSET_OUT_OF_RANGE while reading: records deleted below a consumer's position (Kafka's
// DeleteRecordsCommand) between assign() and run(). auto.offset.reset=earliest starts again at
// the new log start; none stops the partition, names it, and fails the run.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "consumer_reading.hpp"

using namespace rawkafka;
using namespace rawkafka::client;
namespace rt = rawkafka::testing;

namespace {

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("r-" + std::to_string(i));
  return out;
}

// Deletes the records of partition 0 below `offset` with Kafka's own tool.
void delete_records_below(const std::string& topic, int64_t offset) {
  const std::string file = "/tmp/" + topic + "-delete.json";
  std::ofstream(file) << "{\"partitions\":[{\"topic\":\"" << topic << "\",\"partition\":0,\"offset\":" << offset
                      << "}],\"version\":1}";
  auto r = rt::run_command(rt::shell_quote(rt::source_dir() + "/scripts/kafka-local") +
                               " tool org.apache.kafka.tools.DeleteRecordsCommand --bootstrap-server " +
                               rt::shell_quote(rt::bootstrap()) + " --offset-json-file " + file,
                           true);
  std::remove(file.c_str());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

rt::ReadOutcome read_after_delete(const std::string& topic, const std::string& reset) {
  rt::ReadOutcome out;
  Consumer consumer(rt::consumer_config({{"auto.offset.reset", reset}}));
  Assignment a = rt::whole_topic(topic);
  out.assigned = consumer.assign(a, std::chrono::seconds(30));
  REQUIRE(out.assigned.ok);
  out.partitions = consumer.assigned(topic);
  REQUIRE(out.partitions.size() == 1);
  CHECK(out.partitions[0].start_offset == 0);
  delete_records_below(topic, 150);
  rt::ReadOptions options;
  options.run.idle_timeout = std::chrono::milliseconds(10000);
  rt::run_into(consumer, options, out);
  return out;
}

}  // namespace

TEST_CASE("OFFSET_OUT_OF_RANGE with auto.offset.reset=earliest: reading starts again at the new log start") {
  const std::string topic = rt::unique_topic("consumer-reset-earliest");
  rt::create_test_topic(topic, 1);
  rt::kcat_produce(topic, numbered(0, 300));
  const rt::ReadOutcome read = read_after_delete(topic, "earliest");
  INFO(read.ran.error);
  CHECK(read.ran.ok);
  CHECK(read.stats.offset_resets == 1);
  REQUIRE(read.records.size() == 150);
  CHECK(read.records.front().offset == 150);
  CHECK(read.records.front().value == "r-150");
  CHECK(read.records.back().offset == 299);
  CHECK(read.errors.empty());
}

TEST_CASE("OFFSET_OUT_OF_RANGE with auto.offset.reset=none: the partition stops, is named, and the run fails") {
  const std::string topic = rt::unique_topic("consumer-reset-none");
  rt::create_test_topic(topic, 1);
  rt::kcat_produce(topic, numbered(0, 300));
  const rt::ReadOutcome read = read_after_delete(topic, "none");
  CHECK_FALSE(read.ran.ok);
  CHECK(read.records.empty());
  REQUIRE(read.errors.size() == 1);
  CHECK(read.errors[0].find(topic + "-0") != std::string::npos);
  CHECK(read.errors[0].find("out of range") != std::string::npos);
  CHECK(read.ran.error.find("out of range") != std::string::npos);
  CHECK(read.stats.offset_resets == 0);
}
