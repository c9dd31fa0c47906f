// rawproduce against real SASL brokers (scripts/kafka-local --security sasl_plaintext), one per
// mechanism, on the test's own ports (29960, 29970, 29980): with the client properties file
// kafka-local writes (--producer.config), every record is acknowledged, read back once by
// --verify, by Java's console consumer with the same credentials and, for PLAIN, by kcat; a wrong password, a
// mechanism the broker does not enable and a client without SASL each get a sentence and exit 1.
// A broker with a 3 s session lifetime (port 29985) sees the producer and a BrokerChannel
// re-authenticate (KIP-368).
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "integration.hpp"
#include "own_brokers.hpp"
#include "rawkafka/client/broker_channel.hpp"
#include "rawkafka/client/config.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/messages/metadata.hpp"

using rawkafka::client::BrokerChannel;
using rawkafka::client::BrokerChannelOptions;
using rawkafka::client::ChannelStatus;
using rawkafka::client::ProducerConfig;
using rawkafka::client::read_properties_file;
using rawkafka::testing::java_console_count;
using rawkafka::testing::json_number;
using rawkafka::testing::OwnBrokers;
using rawkafka::testing::run_command;
using rawkafka::testing::shell_quote;
using rawkafka::testing::unique_topic;

namespace {

std::string rawproduce() { return shell_quote(rawkafka::testing::binary_dir() + "/tools/rawproduce"); }


void produces_and_reads_back(const char* mechanism, int port) {
  CAPTURE(mechanism);
  OwnBrokers broker(1, port, "sasl", std::string(" --security sasl_plaintext --sasl-mechanism ") + mechanism);
  REQUIRE_FALSE(broker.client_properties().empty());
  {
    std::ifstream in(broker.client_properties());
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str().find(std::string("sasl.mechanism=") + mechanism) != std::string::npos);
  }
  const std::string topic = unique_topic("sasl");
  auto r = run_command(rawproduce() + " --bootstrap-server " + shell_quote(broker.bootstrap()) + " --topic " + topic +
                           " --partitions 3 --replication-factor 1 --num-records 30000 --verify --json" +
                           " --producer.config " + shell_quote(broker.client_properties()) +
                           " --producer-props acks=all linger.ms=5",
                       false);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(json_number(r.output, "records_sent") == 30000);
  CHECK(json_number(r.output, "records_failed") == 0);
  CHECK(r.output.find("\"lost\":0,") != std::string::npos);
  CHECK(r.output.find("\"duplicates\":0,") != std::string::npos);
  CHECK(r.output.find("\"ok\":true") != std::string::npos);
  CHECK(java_console_count(broker, topic, 30000) == 30000);
  // librdkafka reads them too, with CRC checks. SCRAM against Kafka 4 needs librdkafka 2.6.1 or
  // newer and Debian's kcat has 2.0.2, so kcat checks PLAIN and Java checks every mechanism.
  if (std::string(mechanism) == "PLAIN") {
    auto kcat = run_command("timeout 60 kcat -b " + shell_quote(broker.bootstrap()) + " -C -t " + topic +
                                " -o beginning -e -q -X check.crcs=true -X security.protocol=SASL_PLAINTEXT"
                                " -X sasl.mechanisms=PLAIN -X sasl.username=alice -X sasl.password=alice-secret"
                                " | wc -l",
                            false);
    REQUIRE(kcat.exit_code == 0);
    CHECK(std::stol(kcat.output) == 30000);
  }

  // The failures, each a sentence and exit 1, the password never shown.
  const std::string base = rawproduce() + " --bootstrap-server " + shell_quote(broker.bootstrap()) + " --topic " +
                           topic + " --num-records 10 --producer-props request.timeout.ms=10000 ";
  auto wrong = run_command(base + "security.protocol=SASL_PLAINTEXT sasl.mechanism=" + mechanism +
                               " sasl.username=alice sasl.password=not-the-password-42",
                           true);
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.output.find(std::string("authentication failed for user 'alice' at ") + broker.bootstrap() + " with " +
                          mechanism + ":") != std::string::npos);
  CHECK(wrong.output.find("not-the-password-42") == std::string::npos);

  const std::string other = std::string(mechanism) == "PLAIN" ? "SCRAM-SHA-256" : "PLAIN";
  auto mismatch = run_command(base + "security.protocol=SASL_PLAINTEXT sasl.mechanism=" + other +
                                  " sasl.username=alice sasl.password=alice-secret",
                              true);
  CHECK(mismatch.exit_code == 1);
  CHECK(mismatch.output.find("the broker does not enable " + other + " on this listener (it enables: " + mechanism +
                             ")") != std::string::npos);

  auto no_sasl = run_command(base, true);
  CHECK(no_sasl.exit_code == 1);
  CHECK(no_sasl.output.find("set security.protocol=SASL_PLAINTEXT") != std::string::npos);
}

}  // namespace

TEST_CASE("SASL PLAIN: every record delivered and read back; bad credentials named") {
  produces_and_reads_back("PLAIN", 29960);
}

TEST_CASE("SASL SCRAM-SHA-256: every record delivered and read back; bad credentials named") {
  produces_and_reads_back("SCRAM-SHA-256", 29970);
}

TEST_CASE("SASL SCRAM-SHA-512: every record delivered and read back; bad credentials named") {
  produces_and_reads_back("SCRAM-SHA-512", 29980);
}

TEST_CASE("SASL session lifetime (KIP-368): the producer re-authenticates on its connections and loses nothing") {
  // The broker ends a session after 3 s: a producer that did not renew it would see its
  // connection closed under it and retry; this one authenticates again in time.
  OwnBrokers broker(1, 29985, "sasl",
                    " --security sasl_plaintext --sasl-mechanism SCRAM-SHA-256 --broker-config "
                    "connections.max.reauth.ms=3000");
  const std::string topic = unique_topic("reauth");
  auto r = run_command(rawproduce() + " --bootstrap-server " + shell_quote(broker.bootstrap()) + " --topic " + topic +
                           " --partitions 3 --replication-factor 1 --num-records 180000 --throughput 20000" +
                           " --verify --json --producer.config " + shell_quote(broker.client_properties()),
                       false);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(json_number(r.output, "records_failed") == 0);
  CHECK(json_number(r.output, "reauthentications") >= 2);
  CHECK(r.output.find("\"lost\":0,") != std::string::npos);
  CHECK(r.output.find("\"duplicates\":0,") != std::string::npos);
  CHECK(r.output.find("\"ok\":true") != std::string::npos);

  // A request-response channel (what the admin client and --verify's reader use) renews its
  // session too: kept open past two lifetimes, it still answers on the same connection.
  ProducerConfig config;
  for (const auto& [key, value] : read_properties_file(broker.client_properties())) config.security.set(key, value);
  auto reactor = rawkafka::io::Reactor::create();
  BrokerChannelOptions options;
  options.security = config.security;
  const std::string address = broker.bootstrap();
  BrokerChannel channel(*reactor, {address.substr(0, address.rfind(':')), uint16_t(std::stoi(address.substr(address.rfind(':') + 1)))},
                        options);
  ChannelStatus st = channel.connect();
  REQUIRE_MESSAGE(st.ok(), st.message);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2900));
    rawkafka::protocol::MetadataRequest request;
    request.topics = std::vector<rawkafka::protocol::MetadataRequest::Topic>{};
    rawkafka::protocol::MetadataResponse response;
    st = channel.call(request, response);
    REQUIRE_MESSAGE(st.ok(), st.message);
    CHECK_FALSE(response.brokers.empty());
  }
  CHECK(channel.reauthentications() >= 2);
}
