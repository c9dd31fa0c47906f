#include "cli.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace rawkafka::rawproduce {

namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.front() == '-' || s.front() == '+') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  size_t used = 0;
  try {
    out = std::stod(s, &used);
  } catch (...) {
    return false;
  }
  return used == s.size() && std::isfinite(out);
}

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out.append(s);
  out += '\'';
  return out;
}

}  // namespace

ParseResult parse_command_line(const std::vector<std::string>& args) {
  ParseResult result;
  Options& o = result.options;
  auto fail = [&](std::string message) {
    result.exit_code = 2;
    result.error = std::move(message);
    return result;
  };

  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string inline_value;
    bool has_inline = false;
    // --flag=value works as well as --flag value.
    if (flag.rfind("--", 0) == 0) {
      if (size_t eq = flag.find('='); eq != std::string::npos) {
        inline_value = flag.substr(eq + 1);
        flag = flag.substr(0, eq);
        has_inline = true;
      }
    }
    auto value = [&](std::string& out) -> bool {
      if (has_inline) {
        out = inline_value;
        return true;
      }
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    auto missing = [&] { return fail(flag + " needs a value"); };

    if (flag == "--help" || flag == "-h") {
      o.help = true;
    } else if (flag == "--topic") {
      if (!value(v)) return missing();
      if (v.empty()) return fail("--topic must not be empty");
      o.topic = v;
    } else if (flag == "--num-records") {
      uint64_t n = 0;
      if (!value(v)) return missing();
      if (!parse_u64(v, n) || n == 0) return fail("--num-records must be a positive integer, got " + quoted(v));
      o.num_records = n;
    } else if (flag == "--duration") {
      double d = 0;
      if (!value(v)) return missing();
      if (!parse_double(v, d) || d <= 0) return fail("--duration must be a positive number of seconds, got " + quoted(v));
      o.duration_s = d;
    } else if (flag == "--record-size") {
      uint64_t n = 0;
      if (!value(v)) return missing();
      if (!parse_u64(v, n) || n == 0 || n > (uint64_t(1) << 30)) {
        return fail("--record-size must be a positive integer of at most 1073741824 bytes, got " + quoted(v));
      }
      o.record_size = uint32_t(n);
      o.record_size_given = true;
    } else if (flag == "--throughput") {
      double t = 0;
      if (!value(v)) return missing();
      if (!parse_double(v, t) || (t <= 0 && t != -1)) {
        return fail("--throughput must be a positive number of records per second, or -1 for no limit, got " +
                    quoted(v));
      }
      o.throughput = t;
    } else if (flag == "--producer-props") {
      // As perf-test: every following argument up to the next --flag is a key=value pair.
      std::vector<std::string> items;
      if (has_inline) items.push_back(inline_value);
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) items.push_back(args[++i]);
      if (items.empty()) return fail("--producer-props needs at least one key=value");
      for (const std::string& item : items) {
        size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
          return fail("--producer-props entries must be key=value, got " + quoted(item));
        }
        o.producer_props.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      }
    } else if (flag == "--producer.config") {
      if (!value(v)) return missing();
      if (v.empty()) return fail("--producer.config must not be empty");
      o.producer_config = v;
    } else if (flag == "--payload-file") {
      if (!value(v)) return missing();
      if (v.empty()) return fail("--payload-file must not be empty");
      o.payload_file = v;
    } else if (flag == "--payload-delimiter") {
      if (!value(v)) return missing();
      if (v == "\\n") v = "\n";
      if (v.empty()) return fail("--payload-delimiter must not be empty");
      o.payload_delimiter = v;
    } else if (flag == "--payload") {
      if (!value(v)) return missing();
      if (v == "json-logs") o.payload = PayloadKind::json_logs;
      else if (v == "random") o.payload = PayloadKind::random;
      else return fail("--payload must be json-logs or random, got " + quoted(v));
      o.payload_given = true;
    } else if (flag == "--bootstrap-server") {
      if (!value(v)) return missing();
      if (v.empty()) return fail("--bootstrap-server must not be empty");
      o.bootstrap_server = v;
      o.bootstrap_given = true;
    } else if (flag == "--keys") {
      uint64_t n = 0;
      if (!value(v)) return missing();
      if (!parse_u64(v, n) || n == 0) return fail("--keys must be a positive integer, got " + quoted(v));
      o.keys = n;
    } else if (flag == "--partitions") {
      uint64_t n = 0;
      if (!value(v)) return missing();
      if (!parse_u64(v, n) || n == 0 || n > 1'000'000) return fail("--partitions must be a positive integer, got " + quoted(v));
      o.partitions = int32_t(n);
    } else if (flag == "--replication-factor") {
      uint64_t n = 0;
      if (!value(v)) return missing();
      if (!parse_u64(v, n) || n == 0 || n > 32767) {
        return fail("--replication-factor must be a positive integer, got " + quoted(v));
      }
      o.replication_factor = int16_t(n);
    } else if (flag == "--threads") {
      uint64_t n = 0;
      if (!value(v)) return missing();
      if (!parse_u64(v, n) || n == 0 || n > 1024) return fail("--threads must be an integer from 1 to 1024, got " + quoted(v));
      o.threads = unsigned(n);
    } else if (flag == "--backend") {
      if (!value(v)) return missing();
      if (v != "uring" && v != "asio" && v != "auto") return fail("--backend must be uring, asio or auto, got " + quoted(v));
      o.backend = v;
    } else if (flag == "--json") {
      o.json = true;
    } else if (flag == "--verify") {
      o.verify = true;
    } else {
      return fail("unknown option " + quoted(flag));
    }
  }

  if (o.help) return result;
  if (o.topic.empty()) return fail("--topic is required");
  if (!o.num_records && !o.duration_s) return fail("either --num-records or --duration is required");
  if (o.num_records && o.duration_s) return fail("--num-records and --duration cannot be used together");
  if (!o.payload_file.empty() && o.payload_given) return fail("--payload and --payload-file cannot be used together");
  if (!o.payload_file.empty()) o.payload = PayloadKind::file;
  if (o.record_size_given && o.payload != PayloadKind::random) {
    return fail("--record-size applies only to --payload random");
  }
  if (o.partitions.has_value() != o.replication_factor.has_value()) {
    return fail("--partitions and --replication-factor go together (both create a missing topic)");
  }
  return result;
}

std::string check_against_machine(const Options& o, unsigned cpus) {
  if (!o.threads || cpus == 0 || *o.threads <= cpus) return {};
  for (const auto& [key, value] : o.producer_props) {
    if (key == "cores") return {};  // the config checks the cores themselves
  }
  return "--threads " + std::to_string(*o.threads) + " is more than the " + std::to_string(cpus) +
         (cpus == 1 ? " CPU" : " CPUs") +
         " of this machine; name the cores with --producer-props cores=... to run more threads than CPUs";
}

std::string usage_text() {
  return R"(usage: rawproduce --topic TOPIC (--num-records N | --duration S) [options]

Produces records to Kafka as fast as asked and reports throughput and latency in
kafka-producer-perf-test's format.

  --topic TOPIC              topic to produce to (required)
  --num-records N            records to send
  --duration S               send for S seconds instead of a record count
  --record-size BYTES        size of each random record (default 100)
  --payload json-logs|random json-logs: JSON log records of about 125 bytes (Timestamp, Level,
                             Message, ResourceID), prepared before timing; random: --record-size
                             bytes of random letters (default)
  --payload-file FILE        records read from FILE, separated by --payload-delimiter (default \n)
  --throughput R             records per second, -1 for no limit (default -1)
  --producer-props K=V ...   producer properties (Kafka's names: acks, linger.ms, batch.size,
                             compression.type, enable.idempotence, ...; ours: threads, cores,
                             backend, buffer.full.policy)
  --producer.config FILE     producer properties from a Java .properties file (e.g. the client
                             properties scripts/kafka-local writes for a secured broker:
                             security.protocol, sasl.*, ssl.* as Java names them);
                             --producer-props override it
  --bootstrap-server H:P     broker(s) to start from (default 127.0.0.1:9092; bootstrap.servers
                             in --producer-props also works)
  --keys N                   key records "key-<i mod N>" (murmur2 placement); unkeyed by default
  --partitions N             create the topic with N partitions if it does not exist
  --replication-factor R     ... and R replicas (required with --partitions)
  --threads N                producer core threads, each pinned to a core (default 1; more than
                             the machine's CPUs only with cores=... in --producer-props)
  --backend uring|asio|auto  I/O backend (default auto: io_uring, else Asio)
  --json                     print the final report as one JSON object (progress on stderr)
  --verify                   read everything back and check count, duplicates, order and
                             payloads (marks each record with a "rawproduce.seq" header)
  --help                     this text

Exit status: 0 done, 1 the run failed (broker unreachable, missing topic, records failed,
verify mismatch or incomplete), 2 bad usage, 130 interrupted twice (Ctrl-C: the first stops
producing and waits up to 4 s for what is held, the second stops waiting at once).
)";
}

}  // namespace rawkafka::rawproduce
