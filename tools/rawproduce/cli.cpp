#include "cli.hpp"

#include "common/command_line.hpp"

namespace rawkafka::rawproduce {

using tools::in_quotes;
using tools::parse_finite_number;
using tools::parse_unsigned;

ParseResult parse_command_line(const std::vector<std::string>& args) {
  ParseResult result;
  Options& o = result.options;
  tools::CommandLine cl;

  cl.value("--topic", [&](const std::string& v) -> std::string {
    if (v.empty()) return "--topic must not be empty";
    o.topic = v;
    return {};
  });
  cl.value("--num-records", [&](const std::string& v) -> std::string {
    uint64_t n = 0;
    if (!parse_unsigned(v, n) || n == 0) return "--num-records must be a positive integer, got " + in_quotes(v);
    o.num_records = n;
    return {};
  });
  cl.value("--duration", [&](const std::string& v) -> std::string {
    double d = 0;
    if (!parse_finite_number(v, d) || d <= 0) {
      return "--duration must be a positive number of seconds, got " + in_quotes(v);
    }
    o.duration_s = d;
    return {};
  });
  cl.value("--record-size", [&](const std::string& v) -> std::string {
    uint64_t n = 0;
    if (!parse_unsigned(v, n) || n == 0 || n > (uint64_t(1) << 30)) {
      return "--record-size must be a positive integer of at most 1073741824 bytes, got " + in_quotes(v);
    }
    o.record_size = uint32_t(n);
    o.record_size_given = true;
    return {};
  });
  cl.value("--throughput", [&](const std::string& v) -> std::string {
    double t = 0;
    if (!parse_finite_number(v, t) || (t <= 0 && t != -1)) {
      return "--throughput must be a positive number of records per second, or -1 for no limit, got " + in_quotes(v);
    }
    o.throughput = t;
    return {};
  });
  // As perf-test: every following argument up to the next flag is a key=value pair.
  cl.key_values("--producer-props", o.producer_props);
  cl.value("--producer.config", [&](const std::string& v) -> std::string {
    if (v.empty()) return "--producer.config must not be empty";
    o.producer_config = v;
    return {};
  });
  cl.value("--payload-file", [&](const std::string& v) -> std::string {
    if (v.empty()) return "--payload-file must not be empty";
    o.payload_file = v;
    return {};
  });
  cl.value("--payload-delimiter", [&](const std::string& v) -> std::string {
    if (v.empty()) return "--payload-delimiter must not be empty";
    o.payload_delimiter = v == "\\n" ? "\n" : v;
    return {};
  });
  cl.value("--payload", [&](const std::string& v) -> std::string {
    if (v == "json-logs") o.payload = PayloadKind::json_logs;
    else if (v == "random") o.payload = PayloadKind::random;
    else return "--payload must be json-logs or random, got " + in_quotes(v);
    o.payload_given = true;
    return {};
  });
  cl.value("--bootstrap-server", [&](const std::string& v) -> std::string {
    if (v.empty()) return "--bootstrap-server must not be empty";
    o.bootstrap_server = v;
    o.bootstrap_given = true;
    return {};
  });
  cl.value("--keys", [&](const std::string& v) -> std::string {
    uint64_t n = 0;
    if (!parse_unsigned(v, n) || n == 0) return "--keys must be a positive integer, got " + in_quotes(v);
    o.keys = n;
    return {};
  });
  cl.value("--partitions", [&](const std::string& v) -> std::string {
    uint64_t n = 0;
    if (!parse_unsigned(v, n) || n == 0 || n > 1'000'000) {
      return "--partitions must be a positive integer, got " + in_quotes(v);
    }
    o.partitions = int32_t(n);
    return {};
  });
  cl.value("--replication-factor", [&](const std::string& v) -> std::string {
    uint64_t n = 0;
    if (!parse_unsigned(v, n) || n == 0 || n > 32767) {
      return "--replication-factor must be a positive integer, got " + in_quotes(v);
    }
    o.replication_factor = int16_t(n);
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
  cl.value("--backend", tools::backend_value(o.backend));
  cl.flag("--json", o.json);
  cl.flag("--verify", o.verify);
  cl.flag("--e2e", o.e2e);
  cl.require("--topic");

  const tools::ParseOutcome parsed = cl.parse(args);
  o.help = parsed.help;
  if (!parsed.ok()) return result.fail(parsed.error);
  if (o.help) return result;
  auto fail = [&](std::string message) { return result.fail(std::move(message)); };
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
  --e2e                      stamp each record with the time it was sent (header
                             rawkafka.sent_ns) for rawconsume --e2e
  --help                     this text

Exit status: 0 done, 1 the run failed (broker unreachable, missing topic, records failed,
verify mismatch or incomplete), 2 bad usage, 130 interrupted twice (Ctrl-C: the first stops
producing and waits up to 4 s for what is held, the second stops waiting at once).
)";
}

}  // namespace rawkafka::rawproduce
