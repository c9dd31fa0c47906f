#pragma once
// A scripts/kafka-local instance of a test's own (its own port, below the ephemeral range like
// the shared ones), for tests that disrupt their brokers: stopped, and its data removed, however
// the test ends.
#include <doctest/doctest.h>

#include <string>

#include "integration.hpp"

namespace rawkafka::testing {

inline std::string kafka_local() { return shell_quote(source_dir() + "/scripts/kafka-local"); }

class OwnBrokers {
 public:
  // `start_args`: more for `kafka-local start`, e.g. " --security sasl_plaintext".
  OwnBrokers(int nodes, int port, std::string name, const std::string& start_args = "")
      : where_(" --port " + std::to_string(port) + " --name " + name),
        state_(source_dir() + "/.cache/kafka-local/" + name + "-" + std::to_string(port)) {
    run_command(kafka_local() + " stop" + where_ + " >/dev/null 2>&1");  // an aborted run's
    auto r = run_command(kafka_local() + " start --nodes " + std::to_string(nodes) + where_ + start_args, true);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::string out = r.output;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    bootstrap_ = out.substr(out.rfind('\n') + 1);  // the last line
    // A secured instance names its client properties file on a line of its own.
    const std::string label = "client properties: ";
    if (size_t at = out.rfind(label); at != std::string::npos) {
      client_properties_ = out.substr(at + label.size(), out.find('\n', at) - at - label.size());
    }
  }
  ~OwnBrokers() { run_command(kafka_local() + " stop" + where_ + " >/dev/null 2>&1"); }
  OwnBrokers(const OwnBrokers&) = delete;
  OwnBrokers& operator=(const OwnBrokers&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& client_properties() const { return client_properties_; }  // secured only
  // Shell commands: stop keeping the data, start again on it, kill node i at once.
  std::string stop_keeping() const { return kafka_local() + " stop --keep" + where_; }
  std::string start_again() const { return kafka_local() + " start --keep" + where_; }
  std::string kill_node(int i, const char* signal = "KILL") const {
    return std::string("kill -") + signal + " $(cat " +
           shell_quote(state_ + "/node-" + std::to_string(i) + "/kafka.pid") + ")";
  }

 private:
  std::string where_;
  std::string state_;
  std::string bootstrap_;
  std::string client_properties_;
};

// How many records of `topic` Java's console consumer reads from `broker` (with its client
// properties when it is secured), waiting for at most `expected` and 30 s.
inline long java_console_count(const OwnBrokers& broker, const std::string& topic, long expected) {
  std::string command = kafka_local() + " tool console-consumer --bootstrap-server " + shell_quote(broker.bootstrap()) +
                        " --topic " + topic + " --from-beginning --max-messages " + std::to_string(expected) +
                        " --timeout-ms 30000";
  if (!broker.client_properties().empty()) command += " --command-config " + shell_quote(broker.client_properties());
  auto r = run_command(command + " 2>/dev/null | wc -l", false);
  REQUIRE(r.exit_code == 0);
  return std::stol(r.output);
}

}  // namespace rawkafka::testing
