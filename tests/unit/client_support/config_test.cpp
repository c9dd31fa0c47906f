// ProducerConfig: Java's defaults, every property parsed, and one clear sentence per mistake.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "rawkafka/client/config.hpp"

using rawkafka::client::Acks;
using rawkafka::client::BufferFullPolicy;
using rawkafka::client::ConfigError;
using rawkafka::client::PartitionerKind;
using rawkafka::client::ProducerConfig;
using rawkafka::protocol::CompressionType;
using Props = std::vector<std::pair<std::string, std::string>>;

namespace {
// Parsed as on a machine of `cpus` CPUs (enough for the cores the cases name, whatever the
// machine running the tests has).
ProducerConfig parse(Props props, unsigned cpus = 64) {
  props.insert(props.begin(), {"bootstrap.servers", "127.0.0.1:9092"});
  return ProducerConfig::from_properties(props, cpus);
}

std::string error_of(Props props, unsigned cpus = 64) {
  try {
    parse(std::move(props), cpus);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("defaults are the Java producer's (Kafka 4)") {
  ProducerConfig c = parse({});
  CHECK(c.client_id == "rawkafka");
  CHECK(c.acks == Acks::all);
  CHECK(c.linger_ms == 5);
  CHECK(c.batch_size == 16384);
  CHECK(c.compression_type == CompressionType::none);
  CHECK(c.compression_level == rawkafka::client::kDefaultCompressionLevel);
  CHECK(c.max_in_flight_requests_per_connection == 5);
  CHECK(c.idempotence());
  CHECK_FALSE(c.enable_idempotence.has_value());
  CHECK(c.retries == 2147483647);
  CHECK(c.retry_backoff_ms == 100);
  CHECK(c.retry_backoff_max_ms == 1000);
  CHECK(c.delivery_timeout_ms == 120000);
  CHECK(c.request_timeout_ms == 30000);
  CHECK(c.buffer_memory == 33554432);
  CHECK(c.max_request_size == 1048576);
  CHECK(c.max_block_ms == 60000);
  CHECK(c.partitioner == PartitionerKind::default_partitioner);
  CHECK(c.metadata_max_age_ms == 300000);
  CHECK(c.reconnect_backoff_ms == 50);
  CHECK(c.reconnect_backoff_max_ms == 1000);
  CHECK(c.socket_connection_setup_timeout_ms == 10000);
  CHECK(c.send_buffer_bytes == -1);  // not Java's 131072: kernel autotuning measured faster
  CHECK(c.receive_buffer_bytes == -1);
  CHECK(c.threads == 1);
  CHECK(c.cores.empty());
  CHECK(c.backend == rawkafka::io::Backend::automatic);
  CHECK(c.buffer_full_policy == BufferFullPolicy::block);
}

TEST_CASE("every property is parsed into its field") {
  ProducerConfig c = parse({{"client.id", "perf"},
                            {"acks", "1"},
                            {"linger.ms", "20"},
                            {"batch.size", "262144"},
                            {"compression.type", "zstd"},
                            {"compression.level", "7"},
                            {"max.in.flight.requests.per.connection", "3"},
                            {"enable.idempotence", "false"},
                            {"retries", "10"},
                            {"retry.backoff.ms", "50"},
                            {"retry.backoff.max.ms", "2000"},
                            {"delivery.timeout.ms", "60000"},
                            {"request.timeout.ms", "15000"},
                            {"buffer.memory", "67108864"},
                            {"max.request.size", "2097152"},
                            {"max.block.ms", "1000"},
                            {"partitioner", "round_robin"},
                            {"metadata.max.age.ms", "1000"},
                            {"reconnect.backoff.ms", "10"},
                            {"reconnect.backoff.max.ms", "500"},
                            {"socket.connection.setup.timeout.ms", "3000"},
                            {"send.buffer.bytes", "262144"},
                            {"receive.buffer.bytes", "65536"},
                            {"threads", "2"},
                            {"cores", "1,3"},
                            {"backend", "asio"},
                            {"buffer.full.policy", "fail"}});
  CHECK(c.client_id == "perf");
  CHECK(c.acks == Acks::leader);
  CHECK(c.linger_ms == 20);
  CHECK(c.batch_size == 262144);
  CHECK(c.compression_type == CompressionType::zstd);
  CHECK(c.compression_level == 7);
  CHECK(c.max_in_flight_requests_per_connection == 3);
  CHECK(c.enable_idempotence == false);
  CHECK_FALSE(c.idempotence());
  CHECK(c.retries == 10);
  CHECK(c.retry_backoff_ms == 50);
  CHECK(c.retry_backoff_max_ms == 2000);
  CHECK(c.delivery_timeout_ms == 60000);
  CHECK(c.request_timeout_ms == 15000);
  CHECK(c.buffer_memory == 67108864);
  CHECK(c.max_request_size == 2097152);
  CHECK(c.max_block_ms == 1000);
  CHECK(c.partitioner == PartitionerKind::round_robin);
  CHECK(c.metadata_max_age_ms == 1000);
  CHECK(c.reconnect_backoff_ms == 10);
  CHECK(c.reconnect_backoff_max_ms == 500);
  CHECK(c.socket_connection_setup_timeout_ms == 3000);
  CHECK(c.send_buffer_bytes == 262144);
  CHECK(c.receive_buffer_bytes == 65536);
  CHECK(c.threads == 2);
  CHECK(c.cores == std::vector<int>{1, 3});
  CHECK(c.core_for_thread(1) == 3);
  CHECK(c.backend == rawkafka::io::Backend::asio);
  CHECK(c.buffer_full_policy == BufferFullPolicy::fail);
}

TEST_CASE("acks accepts all, -1, 0 and 1") {
  CHECK(parse({{"acks", "all"}}).acks == Acks::all);
  CHECK(parse({{"acks", "-1"}}).acks == Acks::all);
  CHECK(parse({{"acks", "0"}}).acks == Acks::none);
  CHECK(parse({{"acks", "1"}}).acks == Acks::leader);
  CHECK(error_of({{"acks", "2"}}) == "acks must be one of all, -1, 0, 1, got '2'");
}

TEST_CASE("idempotence follows Java: on by default, silently off with acks != all unless explicit") {
  CHECK(parse({}).idempotence());
  CHECK_FALSE(parse({{"acks", "1"}}).idempotence());
  CHECK_FALSE(parse({{"acks", "0"}}).idempotence());
  CHECK(parse({{"acks", "all"}, {"enable.idempotence", "true"}}).idempotence());
  CHECK(error_of({{"acks", "1"}, {"enable.idempotence", "true"}}) ==
        "enable.idempotence=true requires acks=all (got acks=1); set acks=all or enable.idempotence=false");
  CHECK(error_of({{"enable.idempotence", "true"}, {"max.in.flight.requests.per.connection", "6"}}) ==
        "enable.idempotence=true requires max.in.flight.requests.per.connection to be at most 5, got 6");
  CHECK(error_of({{"enable.idempotence", "true"}, {"retries", "0"}}) ==
        "enable.idempotence=true requires retries greater than 0");
  CHECK(error_of({{"enable.idempotence", "maybe"}}) == "enable.idempotence must be true or false, got 'maybe'");
  CHECK(parse({{"enable.idempotence", "TRUE"}}).idempotence());
}

TEST_CASE("delivery.timeout.ms must cover linger.ms + request.timeout.ms, as Java") {
  CHECK(error_of({{"delivery.timeout.ms", "1000"}}) ==
        "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms (5 + 30000), got 1000");
  // Not given: raised to the sum, as Java's KafkaProducer does.
  CHECK(parse({{"request.timeout.ms", "200000"}}).delivery_timeout_ms == 200005);
  CHECK(parse({{"linger.ms", "100"}, {"request.timeout.ms", "1000"}, {"delivery.timeout.ms", "1100"}})
            .delivery_timeout_ms == 1100);
}

TEST_CASE("unknown properties are named") {
  CHECK(error_of({{"lingr.ms", "5"}}) == "unknown producer property 'lingr.ms'");
  CHECK(error_of({{"transactional.id", "x"}}) == "unknown producer property 'transactional.id'");
}

TEST_CASE("bad integers say which property and what was given") {
  CHECK(error_of({{"linger.ms", "abc"}}) == "linger.ms must be a non-negative integer, got 'abc'");
  CHECK(error_of({{"linger.ms", "-1"}}) == "linger.ms must be a non-negative integer, got '-1'");
  CHECK(error_of({{"batch.size", "1.5"}}) == "batch.size must be a non-negative integer, got '1.5'");
  CHECK(error_of({{"batch.size", "4294967296"}}) == "batch.size must be a non-negative integer, got '4294967296'");
  CHECK(error_of({{"max.in.flight.requests.per.connection", "0"}}) ==
        "max.in.flight.requests.per.connection must be a positive integer, got '0'");
  CHECK(error_of({{"retries", "x"}}) == "retries must be a non-negative integer, got 'x'");
  CHECK(error_of({{"request.timeout.ms", ""}}) == "request.timeout.ms must be a non-negative integer, got ''");
  CHECK(error_of({{"buffer.memory", "lots"}}) == "buffer.memory must be a non-negative integer, got 'lots'");
  CHECK(error_of({{"max.request.size", "-5"}}) == "max.request.size must be a non-negative integer, got '-5'");
  CHECK(error_of({{"max.block.ms", "1e3"}}) == "max.block.ms must be a non-negative integer, got '1e3'");
  CHECK(error_of({{"threads", "0"}}) == "threads must be an integer from 1 to 1024, got '0'");
  CHECK(error_of({{"send.buffer.bytes", "-2"}}) ==
        "send.buffer.bytes must be an integer of at least -1, got '-2'");
  CHECK(parse({{"receive.buffer.bytes", "-1"}}).receive_buffer_bytes == -1);
  CHECK(error_of({{"compression.gzip.level", "12"}}) ==
        "compression.gzip.level must be an integer from -1 to 9, got '12'");
}

TEST_CASE("names with a fixed set of values list the choices") {
  CHECK(error_of({{"compression.type", "brotli"}}) ==
        "compression.type must be one of none, gzip, snappy, lz4, zstd, got 'brotli'");
  CHECK(error_of({{"partitioner", "random"}}) ==
        "partitioner must be one of default, sticky, round_robin, got 'random'");
  CHECK(error_of({{"backend", "epoll"}}) == "backend must be one of auto, uring, asio, got 'epoll'");
  CHECK(error_of({{"buffer.full.policy", "drop"}}) == "buffer.full.policy must be block or fail, got 'drop'");
  CHECK(error_of({{"ssl.truststore.type", "JKS"}}) ==
        "ssl.truststore.type=JKS is not supported: rawkafka reads PEM files (ssl.truststore.type=PEM, or "
        "ssl.ca.location / ssl.certificate.location)");
}

TEST_CASE("compression levels: the generic key, Java's per-codec keys, and range checks") {
  CHECK(parse({{"compression.type", "lz4"}, {"compression.lz4.level", "3"}}).compression_level == 3);
  CHECK(parse({{"compression.type", "gzip"}, {"compression.zstd.level", "3"}}).compression_level ==
        rawkafka::client::kDefaultCompressionLevel);
  CHECK(parse({{"compression.type", "zstd"}, {"compression.zstd.level", "5"}, {"compression.level", "9"}})
            .compression_level == 9);
  std::string e = error_of({{"compression.type", "lz4"}, {"compression.level", "40"}});
  CHECK(e.rfind("compression.lz4.level: ", 0) == 0);
  CHECK(e.find("40") != std::string::npos);
}

TEST_CASE("partitioner: our names and Java's switches") {
  CHECK(parse({{"partitioner", "sticky"}}).partitioner == PartitionerKind::sticky);
  CHECK(parse({{"partitioner.ignore.keys", "true"}}).partitioner == PartitionerKind::sticky);
  CHECK(parse({{"partitioner.class", "org.apache.kafka.clients.producer.RoundRobinPartitioner"}}).partitioner ==
        PartitionerKind::round_robin);
  CHECK(error_of({{"partitioner.class", "com.example.Mine"}}).find("is not available") != std::string::npos);
}

TEST_CASE("cores: lists and ranges; threads follows the list unless given") {
  ProducerConfig c = parse({{"cores", "0,2-4"}});
  CHECK(c.cores == std::vector<int>{0, 2, 3, 4});
  CHECK(c.threads == 4);
  CHECK(parse({{"cores", "5"}, {"threads", "1"}}).core_for_thread(0) == 5);
  CHECK(parse({}).core_for_thread(3) == 3);
  CHECK(error_of({{"cores", "1-"}}) == "cores must be a list of CPU numbers or ranges like '0,2,4-7', got '1-'");
  CHECK(error_of({{"cores", "0"}, {"threads", "2"}}) ==
        "cores lists 1 CPUs but threads is 2; list at least one CPU per thread");
}

TEST_CASE("cores must be CPUs of this machine") {
  CHECK(error_of({{"cores", "99"}}, 2) == "cores names CPU 99, but this machine has 2 CPUs, numbered 0 to 1");
  CHECK(error_of({{"cores", "0-2"}}, 2) == "cores names CPU 2, but this machine has 2 CPUs, numbered 0 to 1");
  CHECK(error_of({{"cores", "1"}}, 1) == "cores names CPU 1, but this machine has 1 CPU, numbered 0");
  CHECK(parse({{"cores", "0,1"}}, 2).cores == std::vector<int>{0, 1});
  // 0: the CPU count is unknown, nothing to check against.
  CHECK(parse({{"cores", "99"}}, 0).core_for_thread(0) == 99);
  // The machine's own count by default.
  const unsigned cpus = rawkafka::client::machine_cpus();
  if (cpus > 0) {
    CHECK_THROWS_AS(ProducerConfig::from_properties({{"bootstrap.servers", "h:1"}, {"cores", std::to_string(cpus)}}),
                    ConfigError);
    CHECK_NOTHROW(
        ProducerConfig::from_properties({{"bootstrap.servers", "h:1"}, {"cores", std::to_string(cpus - 1)}}));
  }
}

TEST_CASE("more threads than CPUs only with their cores named") {
  CHECK(error_of({{"threads", "16"}}, 2) ==
        "threads 16 is more than the 2 CPUs of this machine; name the cores (e.g. cores=0,1,0,1) to run more "
        "threads than CPUs");
  CHECK(parse({{"threads", "2"}}, 2).threads == 2);
  ProducerConfig c = parse({{"cores", "0,1,0,1"}}, 2);
  CHECK(c.threads == 4);
  CHECK(c.core_for_thread(2) == 0);
  CHECK(parse({{"threads", "3"}, {"cores", "1,1,1"}}, 2).threads == 3);
  CHECK(parse({{"threads", "16"}}, 0).threads == 16);
  // validate() of a config built in code checks the same.
  ProducerConfig d;
  d.bootstrap_servers = "127.0.0.1:9092";
  d.threads = 3;
  CHECK_THROWS_WITH_AS(d.validate(2),
                       "threads 3 is more than the 2 CPUs of this machine; name the cores (e.g. cores=0,1,0,1) to "
                       "run more threads than CPUs",
                       ConfigError);
  d.cores = {0, 1, 0};
  CHECK_NOTHROW(d.validate(2));
  d.cores = {0, 1, 2};
  CHECK_THROWS_WITH_AS(d.validate(2), "cores names CPU 2, but this machine has 2 CPUs, numbered 0 to 1", ConfigError);
}

TEST_CASE("perf-test's serializer properties are accepted and ignored") {
  CHECK_NOTHROW(parse({{"key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer"},
                       {"value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer"}}));
}

TEST_CASE("bootstrap.servers: host:port lists, IPv6 in brackets, listener prefixes") {
  auto eps = rawkafka::client::parse_endpoints(" 127.0.0.1:9092, broker-2.local:19092 ,[::1]:9093,PLAINTEXT://h:1");
  REQUIRE(eps.size() == 4);
  CHECK(eps[0].host == "127.0.0.1");
  CHECK(eps[0].port == 9092);
  CHECK(eps[1].host == "broker-2.local");
  CHECK(eps[1].port == 19092);
  CHECK(eps[2].host == "::1");
  CHECK(eps[2].port == 9093);
  CHECK(eps[3].host == "h");
  CHECK(eps[3].port == 1);
}

TEST_CASE("bootstrap.servers mistakes are named") {
  auto err = [](const char* list) {
    try {
      rawkafka::client::parse_endpoints(list);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(err("") == "bootstrap.servers must list at least one host:port");
  CHECK(err("localhost") == "bootstrap.servers entry 'localhost' has no port (expected host:port)");
  CHECK(err("localhost:99999") == "bootstrap.servers entry 'localhost:99999' has an invalid port (expected 1 to 65535)");
  CHECK(err("h:x") == "bootstrap.servers entry 'h:x' has an invalid port (expected 1 to 65535)");
  CHECK(err("[::1:9092") == "bootstrap.servers entry '[::1:9092' has an unclosed '[' (write IPv6 as [::1]:9092)");
  CHECK(err("::1:9092") == "bootstrap.servers entry '::1:9092' looks like an IPv6 address; write it as [addr]:port");
  CHECK(err(":9092") == "bootstrap.servers entry ':9092' has no host (expected host:port)");
  CHECK_THROWS_AS(ProducerConfig::from_properties({}), ConfigError);
}

TEST_CASE("later properties win, and to_properties reports effective values") {
  ProducerConfig c = parse({{"linger.ms", "1"}, {"linger.ms", "9"}, {"acks", "1"}});
  CHECK(c.linger_ms == 9);
  bool saw_idempotence = false;
  for (const auto& [k, v] : c.to_properties()) {
    if (k == "enable.idempotence") {
      saw_idempotence = true;
      CHECK(v == "false");
    }
  }
  CHECK(saw_idempotence);
}

TEST_CASE("validate() checks configs built in code") {
  ProducerConfig c;
  CHECK_THROWS_WITH_AS(c.validate(), "bootstrap.servers must list at least one host:port", ConfigError);
  c.bootstrap_servers = "127.0.0.1:9092";
  CHECK_NOTHROW(c.validate());
  c.acks = Acks::leader;
  c.enable_idempotence = true;
  CHECK_THROWS_AS(c.validate(), ConfigError);
}

TEST_CASE("security.protocol and SASL settings, with Java's sasl.jaas.config") {
  using rawkafka::client::SaslMechanismKind;
  using rawkafka::client::SecurityProtocol;
  ProducerConfig plain = parse({});
  CHECK(plain.security.protocol == SecurityProtocol::plaintext);
  CHECK_FALSE(plain.security.uses_sasl());

  ProducerConfig scram = parse({{"security.protocol", "sasl_plaintext"},
                                {"sasl.mechanism", "SCRAM-SHA-512"},
                                {"sasl.jaas.config",
                                 "org.apache.kafka.common.security.scram.ScramLoginModule required "
                                 "username=\"alice\" password=\"p=w \\\"q\\\"\";"}});
  CHECK(scram.security.protocol == SecurityProtocol::sasl_plaintext);
  CHECK(scram.security.sasl_mechanism == SaslMechanismKind::scram_sha_512);
  CHECK(scram.security.sasl_username == "alice");
  CHECK(scram.security.sasl_password == "p=w \"q\"");
  // The password is never reported back.
  bool hidden = false;
  for (const auto& [k, v] : scram.to_properties()) {
    CHECK(v.find("p=w") == std::string::npos);
    if (k == "sasl.password") hidden = v == "[hidden]";
  }
  CHECK(hidden);

  ProducerConfig librdkafka_names = parse({{"security.protocol", "SASL_PLAINTEXT"},
                                           {"sasl.mechanisms", "PLAIN"},
                                           {"sasl.username", "bob"},
                                           {"sasl.password", "secret"}});
  CHECK(librdkafka_names.security.sasl_mechanism == SaslMechanismKind::plain);
  CHECK(librdkafka_names.security.sasl_username == "bob");
}

TEST_CASE("TLS settings with Java's names and librdkafka's, the key password hidden") {
  ProducerConfig java = parse({{"security.protocol", "ssl"},
                               {"ssl.truststore.type", "PEM"},
                               {"ssl.truststore.location", "/etc/ca.pem"},
                               {"ssl.keystore.type", "pem"},
                               {"ssl.keystore.location", "/etc/client.pem"},
                               {"ssl.key.password", "key-secret-7"}});
  CHECK(java.security.uses_tls());
  CHECK_FALSE(java.security.uses_sasl());
  CHECK(java.security.tls.ca_file == "/etc/ca.pem");
  CHECK(java.security.tls.certificate_file == "/etc/client.pem");
  CHECK(java.security.tls.key_file.empty());
  CHECK(java.security.tls.key_password == "key-secret-7");
  CHECK(java.security.tls.verify_hostname);
  CHECK(java.security.tls.verify_certificate);
  std::string shown;
  for (const auto& [k, v] : java.to_properties()) shown += k + "=" + v + "\n";
  CHECK(shown.find("key-secret-7") == std::string::npos);
  CHECK(shown.find("ssl.key.password=[hidden]") != std::string::npos);

  ProducerConfig rd = parse({{"security.protocol", "SASL_SSL"},
                             {"sasl.mechanism", "PLAIN"},
                             {"sasl.username", "a"},
                             {"sasl.password", "b"},
                             {"ssl.ca.location", "/ca.pem"},
                             {"ssl.certificate.location", "/c.crt"},
                             {"ssl.key.location", "/c.key"},
                             {"ssl.endpoint.identification.algorithm", ""},
                             {"enable.ssl.certificate.verification", "false"}});
  CHECK(rd.security.uses_tls());
  CHECK(rd.security.uses_sasl());
  CHECK(rd.security.tls.ca_file == "/ca.pem");
  CHECK(rd.security.tls.certificate_file == "/c.crt");
  CHECK(rd.security.tls.key_file == "/c.key");
  CHECK_FALSE(rd.security.tls.verify_hostname);
  CHECK_FALSE(rd.security.tls.verify_certificate);
}

TEST_CASE("security mistakes are named, never with the password") {
  CHECK(error_of({{"security.protocol", "TLS"}}).find("security.protocol must be PLAINTEXT, SSL") != std::string::npos);
  CHECK(error_of({{"security.protocol", "SASL_SSL"}, {"sasl.mechanism", "PLAIN"}}).find("needs a username") !=
        std::string::npos);
  CHECK(error_of({{"security.protocol", "SSL"}, {"ssl.key.location", "/k.pem"}})
            .find("ssl.key.location needs ssl.certificate.location") != std::string::npos);
  CHECK(error_of({{"ssl.keystore.type", "PKCS12"}}).find("rawkafka reads PEM files") != std::string::npos);
  CHECK(error_of({{"ssl.endpoint.identification.algorithm", "http"}}).find("must be https or empty") !=
        std::string::npos);
  CHECK(error_of({{"security.protocol", "SASL_PLAINTEXT"}}).find("needs sasl.mechanism") != std::string::npos);
  CHECK(error_of({{"sasl.mechanism", "GSSAPI"}}).find("GSSAPI and OAUTHBEARER are not supported") != std::string::npos);
  CHECK(error_of({{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "PLAIN"}, {"sasl.username", "a"}})
            .find("needs a username and a password") != std::string::npos);
  const std::string module =
      error_of({{"sasl.jaas.config", "com.example.Login required username=\"a\" password=\"topsecret\";"}});
  CHECK(module.find("names the login module 'com.example.Login'") != std::string::npos);
  CHECK(module.find("topsecret") == std::string::npos);
  const std::string unterminated = error_of(
      {{"sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"topsecret"}});
  CHECK(unterminated.find("unterminated") != std::string::npos);
  CHECK(unterminated.find("topsecret") == std::string::npos);
  CHECK(error_of({{"sasl.jaas.config",
                   "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\" password=\"b\""}})
            .find("must end with ';'") != std::string::npos);
}

TEST_CASE("a Java .properties file: comments, separators, continued lines") {
  namespace fs = std::filesystem;
  const fs::path path = fs::temp_directory_path() / ("rawkafka-props-" + std::to_string(::getpid()) + ".properties");
  {
    std::ofstream out(path);
    out << "# client settings\n! also a comment\n\nsecurity.protocol=SASL_PLAINTEXT\n"
        << "sasl.mechanism : SCRAM-SHA-256\n"
        << "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
        << "    username=\"alice\" password=\"alice-secret\";\r\n"
        << "linger.ms=7\n";
  }
  const auto props = rawkafka::client::read_properties_file(path.string());
  REQUIRE(props.size() == 4);
  CHECK(props[0] == std::make_pair(std::string("security.protocol"), std::string("SASL_PLAINTEXT")));
  CHECK(props[1] == std::make_pair(std::string("sasl.mechanism"), std::string("SCRAM-SHA-256")));
  CHECK(props[2].second ==
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"alice-secret\";");
  ProducerConfig c = parse(props);
  CHECK(c.security.sasl_password == "alice-secret");
  CHECK(c.linger_ms == 7);
  fs::remove(path);
  CHECK_THROWS_WITH_AS(rawkafka::client::read_properties_file(path.string()),
                       (path.string() + ": cannot be read").c_str(), ConfigError);
}
