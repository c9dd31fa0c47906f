// rawproduce interrupted while its broker is frozen (SIGSTOP: connections stay open, nothing is
// answered). The summary comes within seconds, a second Ctrl-C stops waiting at once, and
// --verify says it could not read the topic back instead of calling acknowledged records lost.
// The broker is the test's own (scripts/kafka-local on port 29792), frozen and thawed here.
#include <doctest/doctest.h>

#include <string>

#include "integration.hpp"
#include "own_brokers.hpp"

using rawkafka::testing::json_number;
using rawkafka::testing::OwnBrokers;
using rawkafka::testing::run_command;
using rawkafka::testing::shell_quote;
using rawkafka::testing::unique_topic;

namespace {

struct InterruptedRun {
  int exit_code = -1;
  double ms_after_last_interrupt = -1;  // from the last SIGINT to the exit
  std::string json;                     // the report on stdout
  std::string errors;                   // stderr's last lines
  std::string output;                   // all of it, for failure messages
};

// Runs rawproduce with --verify against `broker` until records are acknowledged, freezes the
// broker, sends SIGINT (and `second_after` seconds later a second one when >= 0), waits for
// rawproduce to exit, and thaws the broker.
InterruptedRun interrupt_with_broker_frozen(const OwnBrokers& broker, const std::string& topic, double second_after) {
  const std::string rawproduce = shell_quote(rawkafka::testing::binary_dir() + "/tools/rawproduce") +
                                 " --bootstrap-server " + shell_quote(broker.bootstrap()) + " --topic " + topic +
                                 " --partitions 4 --replication-factor 1 --duration 120 --verify --json";
  std::string second;
  if (second_after >= 0) second = "sleep " + std::to_string(second_after) + "; kill -INT $pid; ";
  auto r = run_command("out=$(mktemp); err=$(mktemp); " + rawproduce +
                           " >$out 2>$err & pid=$!; for i in $(seq 600); do grep -qE "
                           "'^[1-9][0-9]* records sent' $err && break; sleep 0.1; done; " +
                           broker.kill_node(0, "STOP") + "; sleep 1; kill -INT $pid; " + second +
                           "t0=$(date +%s%N); wait $pid; rc=$?; t1=$(date +%s%N); " + broker.kill_node(0, "CONT") +
                           "; echo exit=$rc; echo ms=$(( (t1 - t0) / 1000000 )); echo '--- stderr'; tail -n 4 $err;"
                           " echo '--- stdout'; tail -n 1 $out; rm -f $out $err",
                       true);
  InterruptedRun run;
  run.output = r.output;
  auto after = [&](const std::string& label) {
    size_t at = r.output.find(label);
    return at == std::string::npos ? std::string() : r.output.substr(at + label.size());
  };
  const std::string exit_text = after("exit=");
  if (!exit_text.empty()) run.exit_code = std::stoi(exit_text);
  const std::string ms_text = after("ms=");
  if (!ms_text.empty()) run.ms_after_last_interrupt = std::stod(ms_text);
  run.errors = after("--- stderr\n");
  run.errors = run.errors.substr(0, run.errors.find("--- stdout"));
  run.json = after("--- stdout\n");
  return run;
}

// Records in `topic` as kcat reads them from the (thawed) broker.
long kcat_count(const OwnBrokers& broker, const std::string& topic) {
  auto r = run_command("kcat -C -b " + shell_quote(broker.bootstrap()) + " -t " + shell_quote(topic) +
                       " -e -q -f '\\n' | wc -l");
  REQUIRE(r.exit_code == 0);
  return std::stol(r.output);
}

}  // namespace

TEST_CASE("Ctrl-C with the broker frozen: a summary within 10 s, a second Ctrl-C at once, nothing called lost") {
  OwnBrokers broker(1, 29792, "frozen");

  // One broker for both runs (a start takes seconds): doctest would start one per SUBCASE.
  {
    // One Ctrl-C: held records fail after a bounded wait; the read-back is reported incomplete.
    const std::string topic = unique_topic("rawproduce-frozen");
    InterruptedRun run = interrupt_with_broker_frozen(broker, topic, -1);
    INFO(run.output);
    CHECK(run.exit_code == 1);  // records failed, the topic could not be verified
    CHECK(run.ms_after_last_interrupt >= 0);
    CHECK(run.ms_after_last_interrupt < 10000);
    CHECK(run.json.find("\"interrupted\":true") != std::string::npos);
    CHECK(run.json.find("\"abandoned\":false") != std::string::npos);
    const double sent = json_number(run.json, "records_sent");
    CHECK(sent > 0);
    CHECK(json_number(run.json, "records_failed") > 0);
    CHECK(run.json.find("\"verify\":{\"ok\":false,\"complete\":false,") != std::string::npos);
    CHECK(run.json.find("\"lost\"") == std::string::npos);
    CHECK(run.json.find("\"error\":\"could not read topic '" + topic + "' back: ") != std::string::npos);
    CHECK(run.errors.find(" records failed") != std::string::npos);
    CHECK(run.errors.find("; the first: ") != std::string::npos);
    CHECK(run.errors.find("rawproduce: verification incomplete: could not read topic '" + topic + "' back: ") !=
          std::string::npos);
    // Thawed, the broker has every acknowledged record, and of the failed ones at most those
    // reported possibly persisted (sent, never answered): "not persisted" means absent.
    const long in_topic = kcat_count(broker, topic);
    CHECK(in_topic >= long(sent));
    CHECK(in_topic <= long(sent + json_number(run.json, "records_possibly_persisted")));
  }

  {
    // A second Ctrl-C stops waiting at once: exit 130 with the summary.
    const std::string topic = unique_topic("rawproduce-frozen-twice");
    InterruptedRun run = interrupt_with_broker_frozen(broker, topic, 0.5);
    INFO(run.output);
    CHECK(run.exit_code == 130);
    CHECK(run.ms_after_last_interrupt >= 0);
    CHECK(run.ms_after_last_interrupt < 1000);
    CHECK(run.json.find("\"abandoned\":true") != std::string::npos);
    CHECK(json_number(run.json, "records_failed") > 0);
    CHECK(run.json.find("\"verify\":{\"ok\":false,\"complete\":false,") != std::string::npos);
    CHECK(run.json.find("\"lost\"") == std::string::npos);
    CHECK(kcat_count(broker, topic) >= long(json_number(run.json, "records_sent")));
  }
}
