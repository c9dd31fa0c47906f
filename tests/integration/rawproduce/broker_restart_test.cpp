// rawproduce while brokers go away in the middle of the run: a lone broker stopped and started
// again, and one broker of three killed outright. The producer reconnects, follows the new
// leaders and retries on its own, and with idempotence every acknowledged record is in the
// topic exactly once, in order. Each case runs its own brokers (scripts/kafka-local on its own
// port, below the ephemeral range like the shared ones), not the shared ones the other tests
// use.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "integration.hpp"
#include "own_brokers.hpp"

using rawkafka::testing::json_number;
using rawkafka::testing::OwnBrokers;
using rawkafka::testing::run_command;
using rawkafka::testing::shell_quote;
using rawkafka::testing::unique_topic;

namespace {

// Runs an idempotent acks=all rawproduce of 600,000 records at 50,000 a second (12 s of
// producing, plus the time the brokers are away), does `disruption` a few seconds in, and
// checks that every record was acknowledged and read back once, in order.
void check_run_survives(const std::string& bootstrap, int replication_factor,
                        const std::string& disruption) {
  const std::string topic = unique_topic("rawproduce-disrupted");
  const std::string rawproduce =
      shell_quote(rawkafka::testing::binary_dir() + "/tools/rawproduce") +
      " --bootstrap-server " + shell_quote(bootstrap) + " --topic " + topic +
      " --partitions 6 --replication-factor " + std::to_string(replication_factor) +
      " --num-records 600000 --throughput 50000 --verify --json"
      " --producer-props acks=all enable.idempotence=true delivery.timeout.ms=240000";
  // The disruption waits for the first acknowledged records (the topic exists and is led),
  // then for 2 s more of producing.
  auto r = run_command("out=$(mktemp); err=$(mktemp); " + rawproduce +
                           " >$out 2>$err & pid=$!; for i in $(seq 600); do grep -qE "
                           "'^[1-9][0-9]* records sent' $err && break; sleep 0.1; done; "
                           "sleep 2; { " + disruption +
                           "; } >/dev/null 2>&1 || echo disruption-failed; wait $pid; "
                           "echo exit=$?; tail -n 5 $err; tail -n 1 $out; rm -f $out $err",
                       true);
  INFO(r.output);
  CHECK(r.output.find("disruption-failed") == std::string::npos);
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

}  // namespace

TEST_CASE("a lone broker stopped and started again mid-run: nothing lost or duplicated") {
  OwnBrokers broker(1, 29592, "restart");
  check_run_survives(broker.bootstrap(), 1,
                     broker.stop_keeping() + " && sleep 2 && " + broker.start_again());
}

TEST_CASE("one broker of three killed mid-run: its partitions move and nothing is lost") {
  // Replication factor 3: node 1 leads a third of the partitions and follows the rest. The
  // others wait for the controller to fence it (broker.session.timeout.ms) before they elect
  // new leaders and shrink the in-sync replicas, so every partition pauses for about 9 s.
  OwnBrokers cluster(3, 29692, "failover");
  check_run_survives(cluster.bootstrap(), 3, cluster.kill_node(1));
}
