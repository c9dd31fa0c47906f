// rawconsume's flags: kafka-consumer-perf-test's names and ours, and one sentence per mistake.
#include <doctest/doctest.h>

#include "cli.hpp"

using rawkafka::rawconsume::Mode;
using rawkafka::rawconsume::parse_command_line;
using rawkafka::rawconsume::StartPosition;
using Args = std::vector<std::string>;
using namespace std::chrono_literals;

namespace {
std::string error_of(const Args& args) {
  auto r = parse_command_line(args);
  CHECK(r.exit_code == (r.error.empty() ? 0 : 2));
  return r.error;
}
// A valid command line with `more` after it.
Args with(Args more) {
  Args a = {"--topic", "t", "--messages", "10"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}
}  // namespace

TEST_CASE("a perf-test command line parses as perf-test reads it") {
  auto r = parse_command_line({"--bootstrap-server", "h:9092", "--topic", "t", "--messages", "5000000",
                               "--timeout", "30000", "--fetch-size", "2097152", "--reporting-interval", "1000",
                               "--show-detailed-stats", "--hide-header", "--from-latest", "--consumer.config",
                               "client.properties"});
  REQUIRE(r.ok());
  const auto& o = r.options;
  CHECK(o.bootstrap_server == "h:9092");
  CHECK(o.bootstrap_given);
  CHECK(o.topic == "t");
  CHECK(o.messages == 5000000u);
  CHECK_FALSE(o.to_end);
  CHECK(o.timeout == 30000ms);
  CHECK(o.fetch_size == 2097152);
  CHECK(o.reporting_interval == 1000ms);
  CHECK(o.show_detailed_stats);
  CHECK(o.hide_header);
  CHECK(o.start.kind == StartPosition::Kind::latest);
  CHECK(o.consumer_config == "client.properties");
}

TEST_CASE("defaults") {
  auto r = parse_command_line({"--topic", "t", "--to-end"});
  REQUIRE(r.ok());
  const auto& o = r.options;
  CHECK(o.bootstrap_server == "127.0.0.1:9092");
  CHECK_FALSE(o.bootstrap_given);
  CHECK(o.to_end);
  CHECK_FALSE(o.messages.has_value());
  CHECK(o.timeout == 10000ms);
  CHECK(o.fetch_size == 1048576);
  CHECK_FALSE(o.threads.has_value());
  CHECK(o.reporting_interval == 5000ms);
  CHECK_FALSE(o.show_detailed_stats);
  CHECK_FALSE(o.hide_header);
  CHECK(o.consumer_config.empty());
  CHECK(o.consumer_props.empty());
  CHECK(o.start.kind == StartPosition::Kind::earliest);
  CHECK(o.partitions.empty());
  CHECK(o.mode == Mode::parse);
  CHECK_FALSE(o.e2e);
  CHECK(o.backend.empty());
  CHECK_FALSE(o.json);
  CHECK_FALSE(o.help);
}

TEST_CASE("our flags") {
  auto r = parse_command_line({"--topic=logs", "--to-end", "--threads", "2", "--consumer-props", "fetch.min.bytes=1",
                               "isolation.level=read_committed", "--start", "@1700000000000", "--partitions",
                               "0,1,5-7", "--mode", "parse", "--e2e", "--backend", "asio", "--json",
                               "--timeout=0"});
  REQUIRE(r.ok());
  const auto& o = r.options;
  CHECK(o.topic == "logs");
  CHECK(o.threads == 2u);
  REQUIRE(o.consumer_props.size() == 2);
  CHECK(o.consumer_props[0] == std::pair<std::string, std::string>{"fetch.min.bytes", "1"});
  CHECK(o.consumer_props[1] == std::pair<std::string, std::string>{"isolation.level", "read_committed"});
  CHECK(o.start.kind == StartPosition::Kind::timestamp);
  CHECK(o.start.value == 1700000000000);
  CHECK(o.partitions == std::vector<int32_t>{0, 1, 5, 6, 7});
  CHECK(o.mode == Mode::parse);
  CHECK(o.e2e);
  CHECK(o.backend == "asio");
  CHECK(o.json);
  CHECK(o.timeout == 0ms);
}

TEST_CASE("--start takes earliest, latest, an offset or @timestamp") {
  auto start_of = [](const std::string& v) {
    auto r = parse_command_line(with({"--start", v}));
    REQUIRE(r.ok());
    return r.options.start;
  };
  CHECK(start_of("earliest").kind == StartPosition::Kind::earliest);
  CHECK(start_of("latest").kind == StartPosition::Kind::latest);
  CHECK(start_of("42").kind == StartPosition::Kind::offset);
  CHECK(start_of("42").value == 42);
  CHECK(start_of("0").kind == StartPosition::Kind::offset);
  CHECK(start_of("9223372036854775807").value == INT64_MAX);
  CHECK(start_of("@0").kind == StartPosition::Kind::timestamp);
  const std::string expected = "--start must be earliest, latest, an offset or @<timestamp-ms>, got ";
  for (const char* bad : {"", "first", "-1", "@", "@-5", "@x", "9223372036854775808", "Latest", "1.5"}) {
    CAPTURE(bad);
    CHECK(error_of(with({"--start", bad})) == expected + "'" + bad + "'");
  }
  CHECK(error_of(with({"--from-latest", "--start", "earliest"})) ==
        "--from-latest and --start cannot be used together");
  CHECK(error_of(with({"--start", "latest", "--from-latest"})) == "--from-latest and --start cannot be used together");
}

TEST_CASE("--partitions lists numbers and ranges, sorted, without repeats") {
  auto partitions_of = [](const std::string& v) {
    auto r = parse_command_line(with({"--partitions", v}));
    REQUIRE(r.ok());
    return r.options.partitions;
  };
  CHECK(partitions_of("3") == std::vector<int32_t>{3});
  CHECK(partitions_of("7,2-3,3,0") == std::vector<int32_t>{0, 2, 3, 7});
  CHECK(partitions_of("4-4") == std::vector<int32_t>{4});
  CHECK(partitions_of("999999").back() == 999999);
  const std::string syntax =
      "--partitions must be partition numbers and ranges separated by commas (e.g. 0,1,5-7), got ";
  for (const char* bad : {"", "a", "1,", ",1", "1,,2", "-1", "1-", "1-2-3", "+1", "1 ,2", "0x1"}) {
    CAPTURE(bad);
    CHECK(error_of(with({"--partitions", bad})) == syntax + "'" + bad + "'");
  }
  CHECK(error_of(with({"--partitions", "7-5"})) == "--partitions range '7-5' ends before it starts");
  CHECK(error_of(with({"--partitions", "0-1000000"})) == "--partitions numbers must be below 1000000, got '0-1000000'");
}

TEST_CASE("bad values are named with what was given") {
  CHECK(error_of({"--topic", "t", "--messages", "abc"}) == "--messages must be a positive integer, got 'abc'");
  CHECK(error_of({"--topic", "t", "--messages", "0"}) == "--messages must be a positive integer, got '0'");
  CHECK(error_of({"--topic", "t", "--messages", "-5"}) == "--messages must be a positive integer, got '-5'");
  CHECK(error_of(with({"--timeout", "-1"})) ==
        "--timeout must be a whole number of milliseconds from 0 (no limit) to 2147483647, got '-1'");
  CHECK(error_of(with({"--timeout", "2147483648"})) ==
        "--timeout must be a whole number of milliseconds from 0 (no limit) to 2147483647, got '2147483648'");
  CHECK(error_of(with({"--timeout", "1.5"})) ==
        "--timeout must be a whole number of milliseconds from 0 (no limit) to 2147483647, got '1.5'");
  CHECK(error_of(with({"--fetch-size", "0"})) ==
        "--fetch-size must be a positive integer of at most 2147483647 bytes, got '0'");
  CHECK(error_of(with({"--fetch-size", "2147483648"})) ==
        "--fetch-size must be a positive integer of at most 2147483647 bytes, got '2147483648'");
  CHECK(error_of(with({"--threads", "0"})) == "--threads must be an integer from 1 to 1024, got '0'");
  CHECK(error_of(with({"--threads", "1025"})) == "--threads must be an integer from 1 to 1024, got '1025'");
  CHECK(error_of(with({"--reporting-interval", "0"})) ==
        "--reporting-interval must be a positive whole number of milliseconds (at most 2147483647), got '0'");
  CHECK(error_of(with({"--mode", "fast"})) == "--mode must be parse or raw, got 'fast'");
  CHECK(error_of(with({"--backend", "epoll"})) == "--backend must be uring, asio or auto, got 'epoll'");
  CHECK(error_of(with({"--topic", ""})) == "--topic must not be empty");
  CHECK(error_of(with({"--bootstrap-server", ""})) == "--bootstrap-server must not be empty");
  CHECK(error_of(with({"--consumer.config", ""})) == "--consumer.config must not be empty");
  CHECK(error_of(with({"--consumer-props"})) == "--consumer-props needs at least one key=value");
  CHECK(error_of(with({"--consumer-props", "check.crcs"})) ==
        "--consumer-props entries must be key=value, got 'check.crcs'");
  CHECK(error_of(with({"--json=yes"})) == "--json takes no value, got 'yes'");
  CHECK(error_of({"--topic", "t", "--messages"}) == "--messages needs a value");
  CHECK(error_of(with({"--partitions"})) == "--partitions needs a value");
}

TEST_CASE("--consumer-props go up to the next flag and add up") {
  auto r = parse_command_line({"--consumer-props", "a=1", "b=x=y", "--topic", "t", "--to-end", "--consumer-props=c=3"});
  REQUIRE(r.ok());
  const auto& props = r.options.consumer_props;
  REQUIRE(props.size() == 3);
  CHECK(props[1] == std::pair<std::string, std::string>{"b", "x=y"});
  CHECK(props[2] == std::pair<std::string, std::string>{"c", "3"});
}

TEST_CASE("--mode raw counts batches; --e2e needs the records parsed") {
  auto r = parse_command_line(with({"--mode", "raw"}));
  REQUIRE(r.ok());
  CHECK(r.options.mode == Mode::raw);
  CHECK(error_of(with({"--mode", "raw", "--e2e"})) ==
        "--e2e needs --mode parse (raw mode does not read the records' headers)");
  CHECK(error_of(with({"--e2e", "--mode", "raw"})) ==
        "--e2e needs --mode parse (raw mode does not read the records' headers)");
}

TEST_CASE("unknown flags and missing requirements") {
  CHECK(error_of(with({"--group", "g"})) == "unknown option '--group'");
  CHECK(error_of(with({"--message", "5"})) == "unknown option '--message'");
  CHECK(error_of(with({"extra"})) == "unknown option 'extra'");
  CHECK(error_of(with({"-js"})) == "unknown option '-js'");
  CHECK(error_of({"--messages", "1"}) == "--topic is required");
  CHECK(error_of({"--topic", "t"}) == "either --messages or --to-end is required");
  CHECK(error_of({"--topic", "t", "--messages", "1", "--to-end"}) == "--messages and --to-end cannot be used together");
}

TEST_CASE("--threads beyond the machine's CPUs needs the cores named") {
  using rawkafka::rawconsume::check_against_machine;
  auto options = [](Args more) {
    auto r = parse_command_line(with(more));
    REQUIRE(r.ok());
    return r.options;
  };
  CHECK(check_against_machine(options({"--threads", "16"}), 2) ==
        "--threads 16 is more than the 2 CPUs of this machine; name the cores with --consumer-props cores=... to "
        "run more threads than CPUs");
  CHECK(check_against_machine(options({"--threads", "2"}), 1) ==
        "--threads 2 is more than the 1 CPU of this machine; name the cores with --consumer-props cores=... to "
        "run more threads than CPUs");
  CHECK(check_against_machine(options({"--threads", "2"}), 2).empty());
  CHECK(check_against_machine(options({}), 2).empty());
  CHECK(check_against_machine(options({"--threads", "4", "--consumer-props", "cores=0,1,0,1"}), 2).empty());
  CHECK(check_against_machine(options({"--threads", "16"}), 0).empty());  // unknown count
}

TEST_CASE("--help and -h need nothing else") {
  for (const char* help : {"--help", "-h"}) {
    CAPTURE(help);
    auto r = parse_command_line({help});
    CHECK(r.ok());
    CHECK(r.options.help);
  }
  CHECK(error_of({"--help", "--nope"}) == "unknown option '--nope'");
}

TEST_CASE("the usage text names every flag and the exit statuses") {
  const std::string usage = rawkafka::rawconsume::usage_text();
  for (const char* flag : {"--bootstrap-server", "--topic", "--messages", "--to-end", "--timeout", "--fetch-size",
                           "--threads", "--reporting-interval", "--show-detailed-stats", "--hide-header",
                           "--consumer.config", "--consumer-props", "--from-latest", "--start", "--partitions",
                           "--mode", "--e2e", "--backend", "--json", "--help, -h"}) {
    CAPTURE(flag);
    CHECK(usage.find(std::string("  ") + flag + " ") != std::string::npos);
  }
  CHECK(usage.find("Exit status: 0 done, 1 the run failed") != std::string::npos);
  CHECK(usage.find("2 bad\nusage, 130 interrupted twice") != std::string::npos);
}
