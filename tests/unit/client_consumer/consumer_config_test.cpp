#include <doctest/doctest.h>

#include "rawkafka/client/consumer.hpp"

using namespace rawkafka::client;

namespace {
std::string error_of(const std::vector<std::pair<std::string, std::string>>& props) {
  try {
    ConsumerConfig::from_properties(props, 4);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("consumer config: Java's defaults") {
  ConsumerConfig c = ConsumerConfig::from_properties({{"bootstrap.servers", "127.0.0.1:9092"}}, 4);
  CHECK(c.fetch_min_bytes == 1);
  CHECK(c.fetch_max_bytes == 52428800);
  CHECK(c.max_partition_fetch_bytes == 1048576);
  CHECK(c.fetch_max_wait_ms == 500);
  CHECK(c.check_crcs);
  CHECK(c.auto_offset_reset == OffsetReset::latest);
  CHECK(c.isolation_level == IsolationLevel::read_uncommitted);
  CHECK(c.threads == 1);
  CHECK(c.fetch_sessions);
  CHECK(c.multishot_receive);
}

TEST_CASE("consumer config: Java's names and ours are read") {
  ConsumerConfig c = ConsumerConfig::from_properties(
      {{"bootstrap.servers", "a:1,b:2"}, {"fetch.max.wait.ms", "100"}, {"max.partition.fetch.bytes", "65536"},
       {"isolation.level", "read_committed"}, {"check.crcs", "false"}, {"auto.offset.reset", "none"},
       {"cores", "1,3"}, {"delivery", "batches"}, {"fetch.sessions", "false"}, {"client.rack", "r1"},
       {"connections.per.broker", "2"}},
      4);
  CHECK(c.bootstrap_endpoints().size() == 2);
  CHECK(c.fetch_max_wait_ms == 100);
  CHECK(c.max_partition_fetch_bytes == 65536);
  CHECK(c.isolation_level == IsolationLevel::read_committed);
  CHECK_FALSE(c.check_crcs);
  CHECK(c.auto_offset_reset == OffsetReset::none);
  CHECK(c.threads == 2);  // one per core named
  CHECK(c.core_for_thread(1) == 3);
  CHECK(c.delivery == Delivery::batches);
  CHECK_FALSE(c.fetch_sessions);
  CHECK(c.client_rack == "r1");
  CHECK(c.connections_per_broker == 2);
}

TEST_CASE("consumer config: group and deserializer settings of a Java config file are accepted and ignored") {
  CHECK(error_of({{"bootstrap.servers", "a:1"}, {"group.id", "perf"}, {"key.deserializer", "x"},
                  {"enable.auto.commit", "true"}}) == "");
}

TEST_CASE("consumer config: bad values get a sentence naming the property") {
  CHECK(error_of({{"bootstrap.servers", "a:1"}, {"fetch.max.byte", "1"}}) == "unknown consumer property 'fetch.max.byte'");
  CHECK(error_of({{"bootstrap.servers", "a:1"}, {"auto.offset.reset", "start"}}) ==
        "auto.offset.reset must be earliest, latest or none, got 'start'");
  CHECK(error_of({{"bootstrap.servers", "a:1"}, {"isolation.level", "committed"}}).find("isolation.level") == 0);
  CHECK(error_of({{"bootstrap.servers", "a:1"}, {"max.partition.fetch.bytes", "-5"}}).find("max.partition.fetch.bytes") == 0);
  CHECK(error_of({{"bootstrap.servers", "a:1"}, {"threads", "8"}}).find("more than the 4 CPUs") != std::string::npos);
  CHECK(error_of({}) == "bootstrap.servers must list at least one host:port");
  CHECK(error_of({{"bootstrap.servers", "a:1"}, {"connections.per.broker", "0"}}) ==
        "connections.per.broker must be an integer from 1 to 16, got '0'");
  CHECK(error_of({{"bootstrap.servers", "a:1"}, {"fetch.max.wait.ms", "40000"}}).find("request.timeout.ms") !=
        std::string::npos);
}
