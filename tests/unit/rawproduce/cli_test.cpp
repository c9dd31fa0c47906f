// rawproduce's flags: perf-test's names and ours, and one sentence per mistake.
#include <doctest/doctest.h>

#include "cli.hpp"

using rawkafka::rawproduce::parse_command_line;
using rawkafka::rawproduce::PayloadKind;
using Args = std::vector<std::string>;

namespace {
std::string error_of(const Args& args) {
  auto r = parse_command_line(args);
  CHECK(r.exit_code == (r.error.empty() ? 0 : 2));
  return r.error;
}
}  // namespace

TEST_CASE("a perf-test command line parses as perf-test reads it") {
  auto r = parse_command_line({"--topic", "t", "--num-records", "5000000", "--record-size", "100", "--throughput",
                               "-1", "--producer-props", "bootstrap.servers=h:1", "acks=1", "linger.ms=5"});
  REQUIRE(r.ok());
  const auto& o = r.options;
  CHECK(o.topic == "t");
  CHECK(o.num_records == 5000000u);
  CHECK(o.record_size == 100u);
  CHECK(o.throughput == -1);
  REQUIRE(o.producer_props.size() == 3);
  CHECK(o.producer_props[0] == std::pair<std::string, std::string>{"bootstrap.servers", "h:1"});
  CHECK(o.producer_props[2] == std::pair<std::string, std::string>{"linger.ms", "5"});
  CHECK(o.payload == PayloadKind::random);
  CHECK(o.bootstrap_server == "127.0.0.1:9092");
  CHECK_FALSE(o.verify);
}

TEST_CASE("our flags") {
  auto r = parse_command_line({"--topic=logs", "--duration", "2.5", "--payload", "json-logs", "--keys", "100",
                               "--partitions", "8", "--replication-factor", "1", "--threads", "2", "--backend",
                               "asio", "--json", "--verify", "--bootstrap-server", "[::1]:9092", "--throughput",
                               "1000"});
  REQUIRE(r.ok());
  const auto& o = r.options;
  CHECK(o.topic == "logs");
  CHECK(o.duration_s == 2.5);
  CHECK_FALSE(o.num_records.has_value());
  CHECK(o.payload == PayloadKind::json_logs);
  CHECK(o.keys == 100u);
  CHECK(o.partitions == 8);
  CHECK(o.replication_factor == 1);
  CHECK(o.threads == 2u);
  CHECK(o.backend == "asio");
  CHECK(o.json);
  CHECK(o.verify);
  CHECK(o.bootstrap_server == "[::1]:9092");
  CHECK(o.throughput == 1000);
}

TEST_CASE("--producer-props takes values up to the next flag") {
  auto r = parse_command_line({"--producer-props", "a=1", "b=x=y", "--topic", "t", "--num-records", "1"});
  REQUIRE(r.ok());
  REQUIRE(r.options.producer_props.size() == 2);
  CHECK(r.options.producer_props[1] == std::pair<std::string, std::string>{"b", "x=y"});
  CHECK(error_of({"--topic", "t", "--num-records", "1", "--producer-props"}) ==
        "--producer-props needs at least one key=value");
  CHECK(error_of({"--topic", "t", "--num-records", "1", "--producer-props", "acks"}) ==
        "--producer-props entries must be key=value, got 'acks'");
}

TEST_CASE("--payload-file selects file payloads with perf-test's delimiter default") {
  auto r = parse_command_line({"--topic", "t", "--num-records", "1", "--payload-file", "/tmp/x"});
  REQUIRE(r.ok());
  CHECK(r.options.payload == PayloadKind::file);
  CHECK(r.options.payload_delimiter == "\n");
  CHECK(error_of({"--topic", "t", "--num-records", "1", "--payload-file", "f", "--payload", "random"}) ==
        "--payload and --payload-file cannot be used together");
}

TEST_CASE("bad values are named with what was given") {
  Args base = {"--topic", "t"};
  auto with = [&](Args more) {
    Args a = base;
    a.insert(a.end(), more.begin(), more.end());
    return error_of(a);
  };
  CHECK(with({"--num-records", "abc"}) == "--num-records must be a positive integer, got 'abc'");
  CHECK(with({"--num-records", "0"}) == "--num-records must be a positive integer, got '0'");
  CHECK(with({"--num-records", "-5"}) == "--num-records must be a positive integer, got '-5'");
  CHECK(with({"--num-records", "1", "--record-size", "x"}) ==
        "--record-size must be a positive integer of at most 1073741824 bytes, got 'x'");
  CHECK(with({"--num-records", "1", "--throughput", "0"}) ==
        "--throughput must be a positive number of records per second, or -1 for no limit, got '0'");
  CHECK(with({"--duration", "soon"}) == "--duration must be a positive number of seconds, got 'soon'");
  CHECK(with({"--num-records", "1", "--payload", "xml"}) == "--payload must be json-logs or random, got 'xml'");
  CHECK(with({"--num-records", "1", "--keys", "0"}) == "--keys must be a positive integer, got '0'");
  CHECK(with({"--num-records", "1", "--threads", "0"}) == "--threads must be an integer from 1 to 1024, got '0'");
  CHECK(with({"--num-records", "1", "--backend", "epoll"}) == "--backend must be uring, asio or auto, got 'epoll'");
  CHECK(with({"--num-records", "1", "--partitions", "three", "--replication-factor", "1"}) ==
        "--partitions must be a positive integer, got 'three'");
  CHECK(with({"--num-records"}) == "--num-records needs a value");
}

TEST_CASE("unknown flags and missing requirements") {
  CHECK(error_of({"--topic", "t", "--num-records", "1", "--lingr"}) == "unknown option '--lingr'");
  CHECK(error_of({"--num-records", "1"}) == "--topic is required");
  CHECK(error_of({"--topic", "t"}) == "either --num-records or --duration is required");
  CHECK(error_of({"--topic", "t", "--num-records", "1", "--duration", "1"}) ==
        "--num-records and --duration cannot be used together");
  CHECK(error_of({"--topic", "t", "--num-records", "1", "--partitions", "3"}) ==
        "--partitions and --replication-factor go together (both create a missing topic)");
  CHECK(error_of({"--topic", "t", "--num-records", "1", "--payload", "json-logs", "--record-size", "10"}) ==
        "--record-size applies only to --payload random");
}

TEST_CASE("--threads beyond the machine's CPUs needs the cores named") {
  using rawkafka::rawproduce::check_against_machine;
  auto options = [](Args more) {
    Args a = {"--topic", "t", "--num-records", "1"};
    a.insert(a.end(), more.begin(), more.end());
    auto r = parse_command_line(a);
    REQUIRE(r.ok());
    return r.options;
  };
  CHECK(check_against_machine(options({"--threads", "16"}), 2) ==
        "--threads 16 is more than the 2 CPUs of this machine; name the cores with --producer-props cores=... to "
        "run more threads than CPUs");
  CHECK(check_against_machine(options({"--threads", "2"}), 2).empty());
  CHECK(check_against_machine(options({}), 2).empty());
  CHECK(check_against_machine(options({"--threads", "4", "--producer-props", "cores=0,1,0,1"}), 2).empty());
  CHECK(check_against_machine(options({"--threads", "16"}), 0).empty());  // unknown count
}

TEST_CASE("--help needs nothing else") {
  auto r = parse_command_line({"--help"});
  CHECK(r.ok());
  CHECK(r.options.help);
  CHECK(rawkafka::rawproduce::usage_text().find("--num-records") != std::string::npos);
}

TEST_CASE("--e2e stamps records, alone or with --verify") {
  auto r = parse_command_line({"--topic", "t", "--num-records", "1", "--e2e"});
  REQUIRE(r.ok());
  CHECK(r.options.e2e);
  CHECK_FALSE(r.options.verify);
  r = parse_command_line({"--topic", "t", "--num-records", "1", "--e2e", "--verify"});
  REQUIRE(r.ok());
  CHECK(r.options.e2e);
  CHECK(r.options.verify);
  CHECK_FALSE(parse_command_line({"--topic", "t", "--num-records", "1"}).options.e2e);
  CHECK(error_of({"--topic", "t", "--num-records", "1", "--e2e=yes"}) == "--e2e takes no value, got 'yes'");
  const std::string usage = rawkafka::rawproduce::usage_text();
  CHECK(usage.find("  --e2e                      stamp each record with the time it was sent (header\n"
                   "                             rawkafka.sent_ns) for rawconsume --e2e\n") != std::string::npos);
}
