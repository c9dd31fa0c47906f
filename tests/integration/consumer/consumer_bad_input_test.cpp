// What assign() says about input it cannot serve: a topic that does not exist, a partition the
// topic lacks, a start offset out of range (and what auto.offset.reset makes of it), a broker
// that does not answer. Each is a sentence naming what was wrong.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "consumer_reading.hpp"

namespace rt = rawkafka::testing;
using namespace rawkafka;
using namespace rawkafka::client;

namespace {

using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string topic_with_records(const std::string& prefix, int records) {
  const std::string topic = rt::unique_topic(prefix);
  rt::create_test_topic(topic, 2);
  std::vector<std::string> lines;
  for (int i = 0; i < records; ++i) lines.push_back("key-" + std::to_string(i) + ":v-" + std::to_string(i));
  rt::kcat_produce(topic, lines);
  return topic;
}

}  // namespace

TEST_CASE("assigning a topic that does not exist fails with a sentence naming the topic") {
  const std::string topic = rt::unique_topic("consumer-no-such-topic");
  Consumer consumer(rt::consumer_config({}));
  Assignment a = rt::whole_topic(topic);
  const auto t0 = Clock::now();
  ConsumeResult r = consumer.assign(a, std::chrono::seconds(20));
  const auto took = Clock::now() - t0;
  INFO(r.error);
  CHECK_FALSE(r.ok);
  CHECK(contains(r.error, "'" + topic + "'"));
  CHECK(contains(r.error, "does not exist"));
  // The broker said so at once: no need to wait out the timeout.
  CHECK(took < std::chrono::seconds(10));
  CHECK(consumer.assigned(topic).empty());
}

TEST_CASE("assigning a partition the topic lacks fails with a sentence naming it") {
  const std::string topic = topic_with_records("consumer-no-such-partition", 10);
  Consumer consumer(rt::consumer_config({}));
  Assignment a = rt::whole_topic(topic);
  a.partitions = {99};
  ConsumeResult r = consumer.assign(a, std::chrono::seconds(20));
  INFO(r.error);
  CHECK_FALSE(r.ok);
  CHECK(contains(r.error, topic));
  CHECK(contains(r.error, "partition 99"));
  CHECK(contains(r.error, "2 partitions"));
}

TEST_CASE("a start offset out of range with auto.offset.reset=none fails assign with a sentence") {
  const std::string topic = topic_with_records("consumer-out-of-range", 100);
  Consumer consumer(rt::consumer_config({{"auto.offset.reset", "none"}}));
  Assignment a = rt::whole_topic(topic);
  a.start = StartOffset::at(1000000000);
  ConsumeResult r = consumer.assign(a, std::chrono::seconds(20));
  INFO(r.error);
  CHECK_FALSE(r.ok);
  CHECK(contains(r.error, "out of range"));
  CHECK(contains(r.error, "1000000000"));
  CHECK(contains(r.error, topic + "-"));
}

TEST_CASE("a start offset out of range with auto.offset.reset=earliest starts at the earliest offset") {
  const std::string topic = topic_with_records("consumer-reset-earliest", 100);
  Assignment a = rt::whole_topic(topic);
  a.start = StartOffset::at(1000000000);
  const rt::ReadOutcome read = rt::read_topic({{"auto.offset.reset", "earliest"}}, a);
  rt::check_read_ok(read);
  REQUIRE(read.partitions.size() == 2);
  for (const AssignedPartition& p : read.partitions) CHECK(p.start_offset == 0);
  CHECK(read.records.size() == 100);
  rt::check_dense_offsets(read);
}

TEST_CASE("an unreachable broker fails assign quickly with a sentence naming its address") {
  Consumer consumer(rt::consumer_config({}, "127.0.0.1:1"));  // request.timeout.ms=15000
  Assignment a = rt::whole_topic("consumer-unreachable");
  const auto t0 = Clock::now();
  ConsumeResult r = consumer.assign(a, std::chrono::seconds(20));
  const auto took = Clock::now() - t0;
  INFO(r.error);
  CHECK_FALSE(r.ok);
  CHECK(contains(r.error, "127.0.0.1:1"));
  CHECK(took < std::chrono::seconds(3));
}
