// build/tools/rawconsume as a user runs it, against the real broker: what rawproduce (every
// codec) and kcat wrote is read back and counted in both modes, with the same checksum however
// many threads read it; end-to-end latency from rawproduce --e2e stamps; and the failures a
// user meets (unknown topic, partition or offset out of range, unreachable broker, bad flags,
// too few records before --timeout, Ctrl-C).
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "integration.hpp"

using rawkafka::testing::bootstrap;
using rawkafka::testing::json_number;
using rawkafka::testing::run_command;
using rawkafka::testing::shell_quote;
using rawkafka::testing::unique_topic;

namespace {

std::string tool(const char* name) { return shell_quote(rawkafka::testing::binary_dir() + "/tools/" + name); }

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

std::string json_text(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\":\"";
  size_t at = json.find(k);
  if (at == std::string::npos) return "";
  at += k.size();
  return json.substr(at, json.find('"', at) - at);
}

void produce(const std::string& topic, long records, const std::string& props, const std::string& extra = "") {
  auto r = run_command(tool("rawproduce") + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " + topic +
                           " --num-records " + std::to_string(records) +
                           " --partitions 4 --replication-factor 1 " + extra + " --producer-props acks=all " + props,
                       true);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

rawkafka::testing::CommandResult consume(const std::string& topic, const std::string& args) {
  return run_command(tool("rawconsume") + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " + topic +
                         " " + args,
                     true);
}

}  // namespace

TEST_CASE("rawconsume reads every record rawproduce wrote, with every codec, in parse and raw mode") {
  for (const char* codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    CAPTURE(codec);
    const std::string topic = unique_topic(std::string("rawconsume-") + codec);
    produce(topic, 200000, std::string("compression.type=") + codec + " linger.ms=5", "--payload json-logs --keys 100");
    auto parse = consume(topic, "--to-end --json");
    INFO(parse.output);
    REQUIRE(parse.exit_code == 0);
    const std::string pj = last_line(parse.output);
    CHECK(json_number(pj, "records") == 200000);
    CHECK(json_number(pj, "corrupt_batches") == 0);
    CHECK(json_number(pj, "undecodable_batches") == 0);
    CHECK(json_text(pj, "mode") == "parse");

    auto raw = consume(topic, "--to-end --json --mode raw");
    INFO(raw.output);
    REQUIRE(raw.exit_code == 0);
    CHECK(json_number(last_line(raw.output), "records") == 200000);

    // The checksum is a digest of what was read: the same for two threads as for one.
    auto two = consume(topic, "--to-end --json --threads 2");
    REQUIRE(two.exit_code == 0);
    CHECK(json_text(last_line(two.output), "checksum") == json_text(pj, "checksum"));
    CHECK(json_text(pj, "checksum") != "0000000000000000");
  }
}

TEST_CASE("rawconsume reads what kcat wrote and counts perf-test's bytes (key + value)") {
  const std::string topic = unique_topic("rawconsume-kcat");
  auto made = run_command(tool("rawproduce") + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " + topic +
                          " --num-records 1 --partitions 2 --replication-factor 1");
  REQUIRE(made.exit_code == 0);
  // 1000 records "k<i>:value-<i>" through librdkafka, zstd-compressed.
  auto w = run_command("seq 1 1000 | sed 's/.*/k&:value-&/' | kcat -P -b " + shell_quote(bootstrap()) + " -t " + topic +
                       " -z zstd -K:");
  REQUIRE(w.exit_code == 0);
  long key_value_bytes = 0;
  for (int i = 1; i <= 1000; ++i) key_value_bytes += long(2 * std::to_string(i).size() + 1 + 6);
  auto r = consume(topic, "--to-end --json");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string j = last_line(r.output);
  CHECK(json_number(j, "records") == 1001);  // and rawproduce's one
  CHECK(json_number(j, "bytes") == double(key_value_bytes + 100));
}

TEST_CASE("rawconsume --e2e reports the latency of every stamped record produced while it reads") {
  const std::string topic = unique_topic("rawconsume-e2e");
  produce(topic, 1, "");
  const std::string out = "/tmp/" + topic + ".json";
  // The consumer starts at the end of the topic, then rawproduce stamps 40000 records at 20000/s.
  const std::string consumer = tool("rawconsume") + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " +
                               topic + " --start latest --messages 40000 --timeout 20000 --e2e --json" +
                               " --consumer-props fetch.max.wait.ms=50 > " + out + " 2>&1 &";
  REQUIRE(run_command(consumer).exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto p = run_command(tool("rawproduce") + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " + topic +
                           " --num-records 40000 --throughput 20000 --e2e --producer-props acks=1 linger.ms=0",
                       true);
  INFO(p.output);
  REQUIRE(p.exit_code == 0);
  std::string json;
  for (int i = 0; i < 200 && json.find("\"e2e\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    json = run_command("cat " + out).output;
  }
  std::remove(out.c_str());
  INFO(json);
  const std::string j = last_line(json);
  CHECK(json_number(j, "records") == 40000);
  const size_t e2e = j.find("\"e2e\":{");
  REQUIRE(e2e != std::string::npos);
  const std::string block = j.substr(e2e);
  CHECK(json_number(block, "count") == 40000);
  CHECK(json_number(block, "p50_ms") > 0);
  CHECK(json_number(block, "p99_ms") >= json_number(block, "p50_ms"));
  CHECK(json_number(block, "max_ms") < 60000);
}

TEST_CASE("rawconsume: bad input gets a sentence and exit status 1 or 2") {
  const std::string topic = unique_topic("rawconsume-bad");
  produce(topic, 1000, "");
  SUBCASE("unknown topic") {
    auto r = consume(unique_topic("rawconsume-missing"), "--messages 10");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("does not exist") != std::string::npos);
  }
  SUBCASE("partition out of range") {
    auto r = consume(topic, "--messages 10 --partitions 99");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("there is no partition 99") != std::string::npos);
  }
  SUBCASE("offset out of range with auto.offset.reset=none") {
    auto r = consume(topic, "--messages 10 --start 123456789 --consumer-props auto.offset.reset=none");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("out of range") != std::string::npos);
  }
  SUBCASE("unreachable broker") {
    auto r = run_command(tool("rawconsume") + " --bootstrap-server 127.0.0.1:1 --topic x --messages 10", true);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("127.0.0.1:1") != std::string::npos);
  }
  SUBCASE("bad usage") {
    auto r = consume(topic, "--messages 10 --mode fast");
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("--mode") != std::string::npos);
    CHECK(consume(topic, "--messages 10 --consumer-props fetch.max.byte=1").exit_code == 2);
  }
  SUBCASE("fewer records than --messages before --timeout") {
    auto r = consume(topic, "--messages 5000 --timeout 1500");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("1000") != std::string::npos);
  }
}

TEST_CASE("rawconsume: Ctrl-C while waiting for records stops at once with a report") {
  const std::string topic = unique_topic("rawconsume-interrupt");
  produce(topic, 100, "");
  const std::string out = "/tmp/" + topic + ".txt";
  auto started = run_command(tool("rawconsume") + " --bootstrap-server " + shell_quote(bootstrap()) + " --topic " +
                             topic + " --messages 1000000 --timeout 0 > " + out + " 2>&1 & echo $!");
  REQUIRE(started.exit_code == 0);
  const pid_t pid = pid_t(std::stol(started.output));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  REQUIRE(kill(pid, SIGINT) == 0);
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = kill(pid, 0) != 0;
  }
  const std::string text = run_command("cat " + out).output;
  std::remove(out.c_str());
  INFO(text);
  CHECK(gone);
  CHECK(text.find("start.time") != std::string::npos);
  CHECK(text.find(", 100, ") != std::string::npos);  // the 100 records it read
  CHECK(text.find("interrupted") != std::string::npos);
}

TEST_CASE("rawconsume's checksum is the sum kcat's values give: the same bytes as librdkafka reads") {
  const std::string topic = unique_topic("rawconsume-checksum");
  produce(topic, 50000, "compression.type=zstd");  // random letters: no newline inside a value
  auto k = run_command("kcat -C -b " + shell_quote(bootstrap()) + " -t " + topic + " -e -q -f '%s\\n'");
  REQUIRE(k.exit_code == 0);
  uint64_t sum = 0;
  long values = 0;
  size_t at = 0;
  while (at < k.output.size()) {
    size_t nl = k.output.find('\n', at);
    if (nl == std::string::npos) nl = k.output.size();
    // The value's 8-byte little-endian words, then its tail bytes, summed modulo 2^64.
    size_t i = at;
    for (; i + 8 <= nl; i += 8) {
      uint64_t word = 0;
      for (int b = 7; b >= 0; --b) word = (word << 8) | uint8_t(k.output[i + size_t(b)]);
      sum += word;
    }
    for (; i < nl; ++i) sum += uint8_t(k.output[i]);
    ++values;
    at = nl + 1;
  }
  REQUIRE(values == 50000);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(sum));
  auto r = consume(topic, "--to-end --json");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(json_text(last_line(r.output), "checksum") == std::string(hex));
}
