// rawproduce against real TLS brokers (scripts/kafka-local --security ssl, and sasl_ssl with
// SCRAM-SHA-512 and client certificates) on the test's own ports (29990, 29995): with the client
// properties file kafka-local writes (--producer.config), every record is acknowledged and read
// back once by --verify on both backends, by Java's console consumer and, over SSL, by kcat with
// CRC checks, and by rawconsume on both backends; a plaintext client on a TLS listener, an untrusted CA and a missing client
// certificate each get a sentence and exit 1.
#include <doctest/doctest.h>

#include <string>

#include "integration.hpp"
#include "own_brokers.hpp"

using rawkafka::testing::java_console_count;
using rawkafka::testing::json_number;
using rawkafka::testing::OwnBrokers;
using rawkafka::testing::run_command;
using rawkafka::testing::shell_quote;
using rawkafka::testing::unique_topic;

namespace {

std::string rawproduce() { return shell_quote(rawkafka::testing::binary_dir() + "/tools/rawproduce"); }

// The client properties file without the lines that start with any of `prefixes`.
std::string properties_without(const OwnBrokers& broker, const std::string& name, const std::string& pattern) {
  const std::string path = broker.client_properties() + "." + name;
  auto r = run_command("grep -v -E " + shell_quote(pattern) + " " + shell_quote(broker.client_properties()) + " > " +
                           shell_quote(path),
                       false);
  REQUIRE(r.exit_code == 0);
  return path;
}


// rawproduce --verify over the broker's listener with its client properties; returns the topic.
std::string produce_verified(const OwnBrokers& broker, const char* backend, long records, const char* expect_security) {
  CAPTURE(backend);
  const std::string topic = unique_topic("tls");
  auto r = run_command(rawproduce() + " --bootstrap-server " + shell_quote(broker.bootstrap()) + " --topic " + topic +
                           " --partitions 3 --replication-factor 1 --num-records " + std::to_string(records) +
                           " --record-size 200 --verify --json --producer.config " +
                           shell_quote(broker.client_properties()) + " --producer-props acks=all linger.ms=5 backend=" +
                           backend,
                       false);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(json_number(r.output, "records_sent") == records);
  CHECK(json_number(r.output, "records_failed") == 0);
  CHECK(r.output.find("\"lost\":0,") != std::string::npos);
  CHECK(r.output.find("\"duplicates\":0,") != std::string::npos);
  CHECK(r.output.find("\"ok\":true") != std::string::npos);
  CHECK(r.output.find(std::string("\"backend\":\"") + backend + "\"") != std::string::npos);
  CHECK(r.output.find(std::string("\"security\":\"") + expect_security) != std::string::npos);
  CHECK(r.output.find("TLSv1.") != std::string::npos);
  return topic;
}

// rawconsume reads the topic back over the same listener, with the same client properties
// (--consumer.config), on both backends: count, and what secured it.
void consume_back(const OwnBrokers& broker, const std::string& topic, long records, const char* expect_security) {
  for (const char* backend : {"asio", "uring"}) {
    CAPTURE(backend);
    auto r = run_command(shell_quote(rawkafka::testing::binary_dir() + "/tools/rawconsume") + " --bootstrap-server " +
                             shell_quote(broker.bootstrap()) + " --topic " + topic + " --to-end --json --backend " +
                             backend + " --consumer.config " + shell_quote(broker.client_properties()),
                         false);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(json_number(r.output, "records") == records);
    CHECK(r.output.find(std::string("\"security\":\"") + expect_security) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("SSL: every record delivered on both backends and read back by Java and kcat; failures named") {
  OwnBrokers broker(1, 29990, "tls", " --security ssl");
  REQUIRE_FALSE(broker.client_properties().empty());
  produce_verified(broker, "asio", 20000, "SSL, TLSv1.");
  const std::string topic = produce_verified(broker, "uring", 50000, "SSL, TLSv1.");
  CHECK(java_console_count(broker, topic, 50000) == 50000);
  consume_back(broker, topic, 50000, "SSL");
  const std::string tls_dir = broker.client_properties().substr(0, broker.client_properties().rfind('/')) + "/tls";
  auto kcat = run_command("timeout 60 kcat -b " + shell_quote(broker.bootstrap()) + " -C -t " + topic +
                              " -o beginning -e -q -X check.crcs=true -X security.protocol=SSL -X ssl.ca.location=" +
                              shell_quote(tls_dir + "/ca.pem") + " | wc -l",
                          false);
  REQUIRE(kcat.exit_code == 0);
  CHECK(std::stol(kcat.output) == 50000);

  const std::string base = rawproduce() + " --bootstrap-server " + shell_quote(broker.bootstrap()) + " --topic " +
                           topic + " --num-records 10 ";
  auto plain = run_command(base + "--producer-props request.timeout.ms=10000", true);
  CHECK(plain.exit_code == 1);
  CHECK(plain.output.find("it is a TLS listener") != std::string::npos);
  CHECK(plain.output.find("security.protocol=SSL") != std::string::npos);

  // Trusting only the system's CAs: the test CA's broker certificate is refused.
  auto untrusted = run_command(
      base + "--producer.config " + shell_quote(properties_without(broker, "no-ca", "^ssl\\.truststore")), true);
  CHECK(untrusted.exit_code == 1);
  CHECK(untrusted.output.find("TLS handshake with " + broker.bootstrap() +
                              " failed: the broker's certificate was not accepted") != std::string::npos);
}

TEST_CASE("SASL_SSL with SCRAM-SHA-512 and client certificates: every record delivered and read back") {
  OwnBrokers broker(1, 29995, "tls", " --security sasl_ssl --sasl-mechanism SCRAM-SHA-512 --mtls");
  REQUIRE_FALSE(broker.client_properties().empty());
  produce_verified(broker, "asio", 20000, "SASL_SSL, SCRAM-SHA-512, TLSv1.");
  const std::string topic = produce_verified(broker, "uring", 50000, "SASL_SSL, SCRAM-SHA-512, TLSv1.");
  CHECK(java_console_count(broker, topic, 50000) == 50000);
  consume_back(broker, topic, 50000, "SASL_SSL, SCRAM-SHA-512");

  const std::string base = rawproduce() + " --bootstrap-server " + shell_quote(broker.bootstrap()) + " --topic " +
                           topic + " --num-records 10 --producer-props request.timeout.ms=10000 ";
  auto no_cert = run_command(
      base + "--producer.config " + shell_quote(properties_without(broker, "no-cert", "^ssl\\.(keystore|key)\\.")),
      true);
  CHECK(no_cert.exit_code == 1);
  CHECK(no_cert.output.find("the broker wants a client certificate it trusts") != std::string::npos);

  auto wrong_key_password = run_command(
      base + "ssl.key.password=not-the-key-password --producer.config " + shell_quote(broker.client_properties()),
      true);
  CHECK(wrong_key_password.exit_code != 0);
  CHECK(wrong_key_password.output.find("cannot read the private key") != std::string::npos);
  CHECK(wrong_key_password.output.find("not-the-key-password") == std::string::npos);
}
