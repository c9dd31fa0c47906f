#include "cli.hpp"

#include <algorithm>
#include <limits>
#include <string_view>

#include "common/command_line.hpp"

namespace rawkafka::rawconsume {

using tools::parse_unsigned;
using tools::in_quotes;

namespace {

// Kafka's millisecond settings are INT32 on the wire and in Java's configs; above that a
// duration means nothing useful and would overflow once turned into nanoseconds.
constexpr uint64_t kMaxMilliseconds = uint64_t(std::numeric_limits<int32_t>::max());
// As rawproduce's --partitions: far beyond any real topic, small enough to list.
constexpr uint64_t kPartitionLimit = 1'000'000;

// "0,1,5-7" -> {0, 1, 5, 6, 7}; ascending, without repeats. Returns the sentence saying what is
// wrong, or "".
std::string parse_partition_list(const std::string& text, std::vector<int32_t>& out) {
  const std::string bad_syntax =
      "--partitions must be partition numbers and ranges separated by commas (e.g. 0,1,5-7), got " + in_quotes(text);
  std::vector<int32_t> partitions;
  std::string_view rest = text;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const size_t dash = item.find('-');
    uint64_t first = 0;
    uint64_t last = 0;
    if (!parse_unsigned(item.substr(0, dash), first)) return bad_syntax;
    last = first;
    if (dash != std::string_view::npos && !parse_unsigned(item.substr(dash + 1), last)) return bad_syntax;
    if (first >= kPartitionLimit || last >= kPartitionLimit) {
      return "--partitions numbers must be below " + std::to_string(kPartitionLimit) + ", got " + in_quotes(text);
    }
    if (last < first) return "--partitions range " + in_quotes(item) + " ends before it starts";
    for (uint64_t p = first; p <= last; ++p) partitions.push_back(int32_t(p));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
  out = std::move(partitions);
  return {};
}

// earliest | latest | <offset> | @<timestamp-ms>
bool parse_start(const std::string& text, StartPosition& out) {
  constexpr uint64_t kMaxInt64 = uint64_t(std::numeric_limits<int64_t>::max());
  uint64_t n = 0;
  if (text == "earliest") {
    out = {StartPosition::Kind::earliest, 0};
  } else if (text == "latest") {
    out = {StartPosition::Kind::latest, 0};
  } else if (text.size() > 1 && text.front() == '@' && parse_unsigned(std::string_view(text).substr(1), n) &&
             n <= kMaxInt64) {
    out = {StartPosition::Kind::timestamp, int64_t(n)};
  } else if (parse_unsigned(text, n) && n <= kMaxInt64) {
    out = {StartPosition::Kind::offset, int64_t(n)};
  } else {
    return false;
  }
  return true;
}

}  // namespace

ParseResult parse_command_line(const std::vector<std::string>& args) {
  ParseResult result;
  Options& o = result.options;
  bool start_given = false;
  bool from_latest = false;
  tools::CommandLine cl;

  cl.value("--bootstrap-server", [&](const std::string& v) -> std::string {
    if (v.empty()) return "--bootstrap-server must not be empty";
    o.bootstrap_server = v;
    o.bootstrap_given = true;
    return {};
  });
  cl.value("--topic", [&](const std::string& v) -> std::string {
    if (v.empty()) return "--topic must not be empty";
    o.topic = v;
    return {};
  });
  cl.value("--messages", [&](const std::string& v) -> std::string {
    uint64_t n = 0;
    if (!parse_unsigned(v, n) || n == 0) return "--messages must be a positive integer, got " + in_quotes(v);
    o.messages = n;
    return {};
  });
  cl.flag("--to-end", o.to_end);
  cl.value("--timeout", [&](const std::string& v) -> std::string {
    uint64_t ms = 0;
    if (!parse_unsigned(v, ms) || ms > kMaxMilliseconds) {
      return "--timeout must be a whole number of milliseconds from 0 (no limit) to 2147483647, got " + in_quotes(v);
    }
    o.timeout = std::chrono::milliseconds(ms);
    return {};
  });
  cl.value("--fetch-size", [&](const std::string& v) -> std::string {
    uint64_t n = 0;
    if (!parse_unsigned(v, n) || n == 0 || n > uint64_t(std::numeric_limits<int32_t>::max())) {
      return "--fetch-size must be a positive integer of at most 2147483647 bytes, got " + in_quotes(v);
    }
    o.fetch_size = int32_t(n);
    return {};
  });
  cl.value("--threads", [&](const std::string& v) -> std::string {
    uint64_t n = 0;
    if (!parse_unsigned(v, n) || n == 0 || n > 1024) {
      return "--threads must be an integer from 1 to 1024, got " + in_quotes(v);
    }
    o.threads = unsigned(n);
    return {};
  });
  cl.value("--reporting-interval", [&](const std::string& v) -> std::string {
    uint64_t ms = 0;
    if (!parse_unsigned(v, ms) || ms == 0 || ms > kMaxMilliseconds) {
      return "--reporting-interval must be a positive whole number of milliseconds (at most 2147483647), got " +
             in_quotes(v);
    }
    o.reporting_interval = std::chrono::milliseconds(ms);
    return {};
  });
  cl.flag("--show-detailed-stats", o.show_detailed_stats);
  cl.flag("--hide-header", o.hide_header);
  cl.value("--consumer.config", [&](const std::string& v) -> std::string {
    if (v.empty()) return "--consumer.config must not be empty";
    o.consumer_config = v;
    return {};
  });
  // As --producer-props: every following argument up to the next flag is a key=value pair.
  cl.key_values("--consumer-props", o.consumer_props);
  cl.flag("--from-latest", from_latest);
  cl.value("--start", [&](const std::string& v) -> std::string {
    if (!parse_start(v, o.start)) {
      return "--start must be earliest, latest, an offset or @<timestamp-ms>, got " + in_quotes(v);
    }
    start_given = true;
    return {};
  });
  cl.value("--partitions", [&](const std::string& v) { return parse_partition_list(v, o.partitions); });
  cl.value("--mode", [&](const std::string& v) -> std::string {
    if (v == "parse") o.mode = Mode::parse;
    else if (v == "raw") o.mode = Mode::raw;
    else return "--mode must be parse or raw, got " + in_quotes(v);
    return {};
  });
  cl.flag("--e2e", o.e2e);
  cl.value("--backend", tools::backend_value(o.backend));
  cl.flag("--json", o.json);
  cl.require("--topic");

  const tools::ParseOutcome parsed = cl.parse(args);
  o.help = parsed.help;
  if (!parsed.ok()) return result.fail(parsed.error);
  if (o.help) return result;
  auto fail = [&](std::string message) { return result.fail(std::move(message)); };
  if (!o.messages && !o.to_end) return fail("either --messages or --to-end is required");
  if (o.messages && o.to_end) return fail("--messages and --to-end cannot be used together");
  if (from_latest && start_given) return fail("--from-latest and --start cannot be used together");
  if (from_latest) o.start = {StartPosition::Kind::latest, 0};
  if (o.e2e && o.mode != Mode::parse) {
    return fail("--e2e needs --mode parse (raw mode does not read the records' headers)");
  }
  return result;
}

std::string check_against_machine(const Options& o, unsigned cpus) {
  if (!o.threads || cpus == 0 || *o.threads <= cpus) return {};
  for (const auto& [key, value] : o.consumer_props) {
    if (key == "cores") return {};  // the config checks the cores themselves
  }
  return "--threads " + std::to_string(*o.threads) + " is more than the " + std::to_string(cpus) +
         (cpus == 1 ? " CPU" : " CPUs") +
         " of this machine; name the cores with --consumer-props cores=... to run more threads than CPUs";
}

std::string usage_text() {
  return R"(usage: rawconsume --topic TOPIC (--messages N | --to-end) [options]

Reads records from Kafka as fast as it can and reports throughput in kafka-consumer-perf-test's
format. No consumer group: it lists the topic's partitions and fetches them itself.

  --topic TOPIC              topic to consume (required)
  --messages N               records to read, then finish
  --to-end                   read each partition up to the end it had at the start, then finish
  --timeout MS               the longest wait for the next record before giving up (default
                             10000; 0: no limit)
  --fetch-size BYTES         max.partition.fetch.bytes: the most one Fetch brings per partition
                             (default 1048576)
  --start POSITION           where each partition starts: earliest (default), latest, an offset,
                             or @TIMESTAMP-MS (the first record at or after that time)
  --from-latest              start at the end: only records produced from now on (--start latest)
  --partitions LIST          read only these partitions, e.g. 0,1,5-7 (default all)
  --consumer-props K=V ...   consumer properties (Kafka's names: fetch.min.bytes,
                             fetch.max.wait.ms, isolation.level, check.crcs, ...; ours: threads,
                             cores, backend, fetch.sessions, connections.per.broker,
                             io.multishot.receive)
  --consumer.config FILE     consumer properties from a Java .properties file (e.g. the client
                             properties scripts/kafka-local writes for a secured broker:
                             security.protocol, sasl.*, ssl.* as Java names them);
                             --consumer-props override it
  --bootstrap-server H:P     broker(s) to start from (default 127.0.0.1:9092; bootstrap.servers
                             in --consumer-props also works)
  --threads N                consumer core threads, each pinned to a core, the partitions shared
                             out among them (default 1; more than the machine's CPUs only with
                             cores=... in --consumer-props)
  --mode parse|raw           parse: decode every record and count key + value bytes, as perf-test
                             (default); raw: check whole batches without decoding their records
                             and count batch bytes
  --e2e                      report end-to-end latency, from the rawkafka.sent_ns header that
                             rawproduce --e2e puts on each record to the moment it is read
                             (parse mode only)
  --reporting-interval MS    how often --show-detailed-stats prints a line (default 5000)
  --show-detailed-stats      print perf-test's line for each reporting interval
  --hide-header              print the lines without perf-test's header line
  --backend uring|asio|auto  I/O backend (default auto: io_uring, else Asio)
  --json                     print the final report as one JSON object
  --help, -h                 this text

Exit status: 0 done, 1 the run failed (broker unreachable, unknown topic, partition or offset out
of range, records that could not be read, fewer records than --messages before --timeout), 2 bad
usage, 130 interrupted twice (Ctrl-C: the first stops reading and reports what was read, the
second stops at once).
)";
}

}  // namespace rawkafka::rawconsume
