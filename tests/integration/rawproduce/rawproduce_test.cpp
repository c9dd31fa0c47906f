// build/tools/rawproduce as a user runs it, against the real broker: verified runs read back by
// our fetcher AND by kcat, keyed placement checked against the Java client's murmur2, and the
// failure modes a user meets (bad flags, unreachable broker, missing topic, oversized records,
// Ctrl-C).
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "integration.hpp"

using rawkafka::testing::bootstrap;
using rawkafka::testing::json_number;
using rawkafka::testing::run_command;
using rawkafka::testing::shell_quote;
using rawkafka::testing::unique_topic;

namespace {

std::string rawproduce() { return shell_quote(rawkafka::testing::binary_dir() + "/tools/rawproduce"); }

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Records in `topic` as kcat (librdkafka) reads them: one line per record.
long kcat_count(const std::string& topic) {
  auto r = run_command("kcat -C -b " + shell_quote(bootstrap()) + " -t " + shell_quote(topic) +
                       " -e -q -f '\\n' | wc -l");
  REQUIRE(r.exit_code == 0);
  return std::stol(r.output);
}

void check_verified_run(const std::string& props) {
  const std::string topic = unique_topic("rawproduce-verify");
  auto r = run_command(rawproduce() + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " + topic +
                       " --num-records 2000000 --payload json-logs --partitions 8 --replication-factor 1"
                       " --verify --json --producer-props " + props);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string json = last_line(r.output);
  CHECK(json_number(json, "records_sent") == 2000000);
  CHECK(json_number(json, "records_failed") == 0);
  CHECK(json.find("\"verify\":{\"ok\":true") != std::string::npos);
  CHECK(json_number(json, "consumed") == 2000000);
  CHECK(json_number(json, "lost") == 0);
  CHECK(json_number(json, "duplicates") == 0);
  CHECK(json_number(json, "out_of_order") == 0);
  CHECK(json_number(json, "corrupt") == 0);
  CHECK(json_number(json, "produce_version") >= 3);
  CHECK(json_number(json, "records_per_sec") > 0);
  // An independent reader sees exactly as many.
  CHECK(kcat_count(topic) == 2000000);
}

// kafka-clients + slf4j-api from the jars scripts/kafka-local cached to start the broker.
std::string kafka_clients_class_path() {
  namespace fs = std::filesystem;
  fs::path cache = fs::path(rawkafka::testing::source_dir()) / ".cache" / "kafka";
  std::string clients, slf4j;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(cache, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() < 4 || name.substr(name.size() - 4) != ".jar") continue;
    if (clients.empty() && name.rfind("kafka-clients-", 0) == 0 && name.find("test") == std::string::npos) {
      clients = it->path().string();
    }
    if (slf4j.empty() && name.rfind("slf4j-api-", 0) == 0) slf4j = it->path().string();
  }
  return clients.empty() || slf4j.empty() ? std::string() : clients + ":" + slf4j;
}

}  // namespace

TEST_CASE("2M json-logs records with acks=1 and lz4 are all read back once, in order") {
  check_verified_run("acks=1 compression.type=lz4 linger.ms=5 batch.size=262144");
}

TEST_CASE("2M json-logs records with acks=all and idempotence are all read back once, in order") {
  check_verified_run("acks=all enable.idempotence=true linger.ms=5 batch.size=262144");
}

TEST_CASE("keyed records land where the Java client's murmur2 puts them") {
  const std::string cp = kafka_clients_class_path();
  REQUIRE_MESSAGE(!cp.empty(), "kafka-clients jar not found under .cache/kafka (scripts/kafka-local caches it)");
  const std::string topic = unique_topic("rawproduce-keys");
  const int partitions = 6, keys = 500;
  // perf-test style: the broker comes from --producer-props bootstrap.servers.
  auto r = run_command(rawproduce() + " --topic " + topic + " --num-records 20000 --keys " + std::to_string(keys) +
                       " --partitions " + std::to_string(partitions) +
                       " --replication-factor 1 --verify --json --producer-props bootstrap.servers=" +
                       shell_quote(bootstrap()));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(last_line(r.output).find("\"verify\":{\"ok\":true") != std::string::npos);

  // Where Java would put each key.
  namespace fs = std::filesystem;
  fs::path java = fs::temp_directory_path() / ("KeyPlacement" + std::to_string(::getpid()) + ".java");
  {
    std::ofstream out(java);
    out << "public class KeyPlacement" << ::getpid() << " {\n"
        << "  public static void main(String[] a) {\n"
        << "    for (int i = 0; i < " << keys << "; i++) {\n"
        << "      byte[] k = (\"key-\" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);\n"
        << "      System.out.println(\"key-\" + i + \" \" + org.apache.kafka.common.utils.Utils.toPositive("
        << "org.apache.kafka.common.utils.Utils.murmur2(k)) % " << partitions << ");\n"
        << "    }\n  }\n}\n";
  }
  auto oracle = run_command("java -cp " + shell_quote(cp) + " " + shell_quote(java.string()));
  fs::remove(java);
  REQUIRE(oracle.exit_code == 0);
  std::map<std::string, int> expected;
  {
    std::istringstream in(oracle.output);
    std::string key;
    int p;
    while (in >> key >> p) expected[key] = p;
  }
  REQUIRE(expected.size() == size_t(keys));

  // Where the records are, as kcat reads them.
  auto placed = run_command("kcat -C -b " + shell_quote(bootstrap()) + " -t " + shell_quote(topic) +
                            " -e -q -f '%k %p\\n'");
  REQUIRE(placed.exit_code == 0);
  std::istringstream in(placed.output);
  std::string key;
  int p;
  long records = 0, misplaced = 0;
  while (in >> key >> p) {
    ++records;
    auto it = expected.find(key);
    if (it == expected.end() || it->second != p) ++misplaced;
  }
  CHECK(records == 20000);
  CHECK(misplaced == 0);
}

TEST_CASE("an unknown flag is a usage error naming it (exit 2)") {
  auto r = run_command(rawproduce() + " --topic t --num-records 10 --lingr 5", true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: unknown option '--lingr'\n", 0) == 0);
  CHECK(r.output.find("usage: rawproduce") != std::string::npos);
}

TEST_CASE("a bad value is a usage error naming the flag and the value (exit 2)") {
  auto r = run_command(rawproduce() + " --topic t --num-records abc", true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: --num-records must be a positive integer, got 'abc'\n", 0) == 0);
  r = run_command(rawproduce() + " --topic t --num-records 10 --producer-props linger.ms=abc", true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: linger.ms must be a non-negative integer, got 'abc'\n", 0) == 0);
  r = run_command(rawproduce() + " --num-records 10", true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: --topic is required", 0) == 0);
  r = run_command(rawproduce() + " --topic t", true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: either --num-records or --duration is required", 0) == 0);
}

TEST_CASE("a --payload-file that is a directory, missing or empty is a usage error naming it (exit 2)") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("rawproduce-payload-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "empty").close();
  const std::string run = rawproduce() + " --topic t --num-records 10 --payload-file ";
  auto r = run_command(run + shell_quote(dir.string()), true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: --payload-file " + dir.string() + ": is a directory, not a file\n", 0) == 0);
  r = run_command(run + shell_quote((dir / "missing").string()), true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: --payload-file " + (dir / "missing").string() + ": no such file\n", 0) == 0);
  r = run_command(run + shell_quote((dir / "empty").string()), true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: --payload-file " + (dir / "empty").string() +
                           ": holds no records (the file is empty)\n",
                       0) == 0);
  fs::remove_all(dir);
}

TEST_CASE("cores the machine lacks, or more threads than CPUs without cores, are usage errors (exit 2)") {
  auto r = run_command(rawproduce() + " --topic t --num-records 10 --producer-props cores=4095", true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: cores names CPU 4095, but this machine has ", 0) == 0);
  r = run_command(rawproduce() + " --topic t --num-records 10 --threads 1024", true);
  CHECK(r.exit_code == 2);
  CHECK(r.output.rfind("rawproduce: --threads 1024 is more than the ", 0) == 0);
}

TEST_CASE("an unreachable broker fails within request.timeout.ms, naming the address (exit 1)") {
  const auto start = std::chrono::steady_clock::now();
  auto r = run_command(rawproduce() + " --bootstrap-server 127.0.0.1:1 --topic t --num-records 10"
                       " --producer-props request.timeout.ms=3000",
                       true);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("127.0.0.1:1") != std::string::npos);
  CHECK(r.output.find('\n') == r.output.size() - 1);  // one line
  CHECK(seconds < 3.0 + 2.0);
}

TEST_CASE("a missing topic without --partitions is a clear error (exit 1)") {
  const std::string topic = unique_topic("rawproduce-missing");
  auto r = run_command(rawproduce() + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " + topic +
                           " --num-records 10",
                       true);
  CHECK(r.exit_code == 1);
  CHECK(r.output == "rawproduce: topic '" + topic +
                        "' does not exist; pass --partitions and --replication-factor to create it\n");
}

TEST_CASE("records over max.request.size fail with the reason; the run completes and exits 1") {
  const std::string topic = unique_topic("rawproduce-large");
  auto r = run_command(rawproduce() + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " + topic +
                           " --partitions 1 --replication-factor 1 --num-records 5 --record-size 2000000 --json",
                       true);
  INFO(r.output);
  CHECK(r.exit_code == 1);
  const size_t report = r.output.find("{\"records_sent\"");
  REQUIRE(report != std::string::npos);
  const std::string json = r.output.substr(report, r.output.find('\n', report) - report);
  CHECK(json_number(json, "records_failed") == 5);
  CHECK(json_number(json, "records_sent") == 0);
  CHECK(json.find("max.request.size") != std::string::npos);
  // One sentence on stderr: how many of how many, and the first reason.
  CHECK(r.output.find("\nrawproduce: 5 of 5 records failed; the first: record of 2000000 bytes is larger than "
                      "max.request.size (1048576)\n") != std::string::npos);
}

TEST_CASE("records over the broker's limit fail with the broker's reason; the run completes and exits 1") {
  const std::string topic = unique_topic("rawproduce-broker-limit");
  // max.request.size above the broker's message.max.bytes (1 MB): the broker refuses them.
  auto r = run_command(rawproduce() + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " + topic +
                           " --partitions 1 --replication-factor 1 --num-records 5 --record-size 2000000"
                           " --producer-props max.request.size=5000000 acks=1",
                       true);
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("0 records sent,") == 0);
  CHECK(r.output.find("5 records failed; first reason: MESSAGE_TOO_LARGE") != std::string::npos);
  CHECK(r.output.find("\nrawproduce: 5 of 5 records failed; the first: MESSAGE_TOO_LARGE") != std::string::npos);
}

TEST_CASE("Ctrl-C stops producing, delivers what is held and prints the summary") {
  const std::string topic = unique_topic("rawproduce-sigint");
  auto r = run_command("sh -c " +
                       shell_quote(rawproduce() + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " +
                                   topic + " --partitions 2 --replication-factor 1 --duration 120 --throughput 20000"
                                   " --json > /tmp/rawproduce-sigint.$$ 2>/dev/null & pid=$!; sleep 4; kill -INT $pid; wait $pid;"
                                   " echo exit=$?; cat /tmp/rawproduce-sigint.$$; rm -f /tmp/rawproduce-sigint.$$"));
  INFO(r.output);
  CHECK(r.output.rfind("exit=0\n", 0) == 0);
  const std::string json = last_line(r.output);
  CHECK(json.find("\"interrupted\":true") != std::string::npos);
  const double sent = json_number(json, "records_sent");
  CHECK(sent > 1000);
  CHECK(json_number(json, "records_failed") == 0);
  // What was acknowledged is in the topic.
  CHECK(kcat_count(topic) == long(sent));
}
