// rawproduce against a broker that is stopped and started again in the middle of the run: the
// producer reconnects and retries on its own, and with idempotence every acknowledged record is
// in the topic exactly once, in order. The broker here is this test's own (scripts/kafka-local
// on its own port, data kept across the restart), not the shared one the other tests use.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "integration.hpp"

using rawkafka::testing::run_command;
using rawkafka::testing::shell_quote;
using rawkafka::testing::unique_topic;

namespace {

constexpr const char* port = "39592";
constexpr const char* name = "restart";

std::string kafka_local() {
  return shell_quote(rawkafka::testing::source_dir() + "/scripts/kafka-local");
}

// Stops this test's broker (and removes its data) however the test ends.
struct BrokerGuard {
  ~BrokerGuard() {
    run_command(kafka_local() + " stop --port " + port + " --name " + name + " >/dev/null 2>&1");
  }
};

double json_number(const std::string& json, const std::string& key) {
  size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}

}  // namespace

TEST_CASE("a broker restart in the middle of a run loses nothing and duplicates nothing") {
  const std::string k = kafka_local();
  const std::string where = std::string(" --port ") + port + " --name " + name;
  run_command(k + " stop" + where + " >/dev/null 2>&1");  // a leftover from an aborted run
  BrokerGuard guard;
  auto started = run_command(k + " start" + where, true);
  INFO(started.output);
  REQUIRE(started.exit_code == 0);

  const std::string topic = unique_topic("rawproduce-restart");
  const std::string rawproduce =
      shell_quote(rawkafka::testing::binary_dir() + "/tools/rawproduce") +
      " --bootstrap-server 127.0.0.1:" + port + " --topic " + topic +
      " --partitions 4 --replication-factor 1 --num-records 600000 --throughput 50000"
      " --verify --json --producer-props acks=all enable.idempotence=true"
      " delivery.timeout.ms=240000";
  // About 4 s of producing, the broker stopped (its data kept) and started again, then the
  // rest: the run takes 12 s of producing plus the time the broker was away.
  auto r = run_command(
      "out=$(mktemp); err=$(mktemp); " + rawproduce + " >$out 2>$err & pid=$!; sleep 4; " + k +
          " stop --keep" + where + " >/dev/null 2>&1; sleep 2; " + k + " start --keep" + where +
          " >/dev/null 2>&1 || echo restart-failed; wait $pid; echo exit=$?; tail -n 5 $err; "
          "tail -n 1 $out; rm -f $out $err",
      true);
  INFO(r.output);
  CHECK(r.output.find("restart-failed") == std::string::npos);
  CHECK(r.output.find("exit=0\n") != std::string::npos);
  size_t report = r.output.rfind("{\"records_sent\"");
  REQUIRE(report != std::string::npos);
  const std::string json = r.output.substr(report);
  CHECK(json_number(json, "records_sent") == 600000);
  CHECK(json_number(json, "records_failed") == 0);
  CHECK(json.find("\"verify\":{\"ok\":true") != std::string::npos);
  CHECK(json_number(json, "lost") == 0);
  CHECK(json_number(json, "duplicates") == 0);
  CHECK(json_number(json, "out_of_order") == 0);
}
