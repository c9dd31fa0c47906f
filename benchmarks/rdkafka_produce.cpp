// rdkafka_produce: the librdkafka side of the comparison. Same flags, same records (rawproduce's
// own payload pool, tools/rawproduce/payload.hpp) and the same JSON report as rawproduce, as far
// as they apply; produces through librdkafka's C API.
//
//   rdkafka_produce --bootstrap-server 127.0.0.1:9092 --topic t --num-records 1000000
//                   --record-size 100 --payload random --throughput -1
//                   --producer-props acks=1 linger.ms=5 batch.size=524288 [--json]
//
// Latency is produce call -> delivery report, per record; with --throughput R, record i is due
// i/R seconds after the start and its latency runs from then (no coordinated omission). Client CPU is getrusage(RUSAGE_SELF) over
// the whole run (librdkafka's own threads included) divided by the records sent.

#include <librdkafka/rdkafka.h>
#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "latency_histogram.hpp"
#include "payload.hpp"  // tools/rawproduce: the records rawproduce sends

namespace {

using rawkafka::bench::LatencyHistogram;
using rawkafka::rawproduce::PayloadPool;

enum class PayloadKind : uint8_t { json_logs, random, file };

struct Options {
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic;
  uint64_t num_records = 0;
  uint32_t record_size = 100;
  double throughput = -1;  // records/s; <= 0: as fast as possible
  PayloadKind payload = PayloadKind::random;
  std::string payload_file;
  std::string payload_delimiter = "\n";
  uint64_t keys = 0;  // N > 0: key "key-<i mod N>", as rawproduce
  // --copy: RD_KAFKA_MSG_F_COPY. By default librdkafka is handed the pool's bytes without a
  // copy (they outlive the producer): its fastest legitimate use for this workload.
  bool copy = false;
  int partitions = 0;  // > 0: create the topic first (existing topic is fine)
  int replication_factor = 1;
  std::vector<std::pair<std::string, std::string>> props;
  std::string write_payload_file;
  bool json = false;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr const char* kUsage =
    "usage: rdkafka_produce --topic T --num-records N [--record-size BYTES]\n"
    "         [--payload json-logs|random | --payload-file PATH [--payload-delimiter D]]\n"
    "         [--keys N] [--throughput RECORDS_PER_SEC|-1]\n"
    "         [--bootstrap-server HOST:PORT] [--partitions N [--replication-factor R]]\n"
    "         [--producer-props k=v ...] [--copy] [--write-payload-file PATH] [--json]\n";

uint64_t parse_number(std::string_view flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text, &end, 10);
  if (errno || end == text || *end || v < -1) throw UsageError(std::string(flag) + " wants a number, got '" + text + "'");
  return v < 0 ? 0 : uint64_t(v);
}

Options parse_options(int argc, char** argv) {
  Options o;
  auto value = [&](int& i) -> const char* {
    if (i + 1 >= argc) throw UsageError(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--bootstrap-server") {
      o.bootstrap = value(i);
    } else if (a == "--topic") {
      o.topic = value(i);
    } else if (a == "--num-records") {
      o.num_records = parse_number(a, value(i));
    } else if (a == "--record-size") {
      o.record_size = uint32_t(parse_number(a, value(i)));
    } else if (a == "--throughput") {
      o.throughput = std::atof(value(i));
    } else if (a == "--payload") {
      std::string_view v = value(i);
      if (v == "json-logs") {
        o.payload = PayloadKind::json_logs;
      } else if (v == "random") {
        o.payload = PayloadKind::random;
      } else {
        throw UsageError("--payload is json-logs or random, got '" + std::string(v) + "'");
      }
    } else if (a == "--payload-file") {
      o.payload_file = value(i);
      o.payload = PayloadKind::file;
    } else if (a == "--payload-delimiter") {
      o.payload_delimiter = value(i);
    } else if (a == "--keys") {
      o.keys = parse_number(a, value(i));
    } else if (a == "--copy") {
      o.copy = true;
    } else if (a == "--partitions") {
      o.partitions = int(parse_number(a, value(i)));
    } else if (a == "--replication-factor") {
      o.replication_factor = int(parse_number(a, value(i)));
    } else if (a == "--write-payload-file") {
      o.write_payload_file = value(i);
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--producer-props") {
      while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) {
        std::string kv = argv[++i];
        size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) throw UsageError("--producer-props wants k=v, got '" + kv + "'");
        o.props.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
      }
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      throw UsageError("unknown option '" + std::string(a) + "'");
    }
  }
  if (o.topic.empty() && o.write_payload_file.empty()) throw UsageError("--topic is required");
  if (o.record_size == 0 && o.payload == PayloadKind::random) throw UsageError("--record-size must be > 0");
  return o;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto ns = [](const timeval& tv) { return int64_t(tv.tv_sec) * 1000000000 + int64_t(tv.tv_usec) * 1000; };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

// What the delivery-report callback accumulates; runs on the thread that calls rd_kafka_poll.
struct Deliveries {
  LatencyHistogram latency;
  uint64_t delivered = 0;
  uint64_t failed = 0;
  uint64_t bytes = 0;  // key + value bytes, as perf-test counts them
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<Deliveries*>(opaque);
  if (m->err) {
    if (d->failed++ == 0) d->first_error = rd_kafka_err2str(m->err);
    return;
  }
  ++d->delivered;
  d->bytes += m->len + m->key_len;
  auto since = int64_t(reinterpret_cast<uintptr_t>(m->_private));
  d->latency.record_ns(now_ns() - since);
}

// Java producer settings with another name (or unit) in librdkafka.
std::pair<std::string, std::string> to_librdkafka(const std::string& key, const std::string& value) {
  if (key == "buffer.memory") return {"queue.buffering.max.kbytes", std::to_string(std::stoull(value) / 1024)};
  if (key == "max.in.flight.requests.per.connection") return {"max.in.flight", value};
  if (key == "max.request.size") return {"message.max.bytes", value};
  return {key, value};
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    throw UsageError("producer property " + key + "=" + value + ": " + err);
}

rd_kafka_t* make_producer(const Options& o, Deliveries& deliveries) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  try {
    set(conf, "bootstrap.servers", o.bootstrap);
    set(conf, "client.id", "rdkafka_produce");
    // librdkafka caps batches by message count and queue by messages as well as by bytes; lift
    // the counts so that batch.size / buffer memory govern, as they do in the Java client.
    set(conf, "batch.num.messages", "1000000");
    set(conf, "queue.buffering.max.messages", "10000000");
    set(conf, "partitioner", "murmur2_random");  // keyed records land where Java puts them
    for (const auto& [k, v] : o.props) {
      if (k == "key.serializer" || k == "value.serializer") continue;
      auto [rk, rv] = to_librdkafka(k, v);
      set(conf, rk, rv);
    }
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &deliveries);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create the librdkafka producer: ") + err);
  }
  return rk;
}

// Waits until the metadata lists every partition of the topic with a leader, so that the timed
// run does not start with the producer waiting for a new topic to appear.
void wait_for_leaders(rd_kafka_t* rk, const Options& o) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
  auto ready = [&] {
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
    bool ok = md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
              md->topics[0].partition_cnt >= o.partitions;
    for (int i = 0; ok && i < md->topics[0].partition_cnt; ++i)
      ok = md->topics[0].partitions[i].leader >= 0 && md->topics[0].partitions[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_metadata_destroy(md);
    return ok;
  };
  const int64_t deadline = now_ns() + int64_t(30e9);
  bool ok = false;
  while (!(ok = ready()) && now_ns() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  rd_kafka_topic_destroy(rkt);
  if (!ok) throw std::runtime_error("topic " + o.topic + " has no leader for every partition after 30 s");
}

// Creates the topic through the Admin API (an existing topic is fine) and waits for its leaders.
void create_topic(rd_kafka_t* rk, const Options& o) {
  char err[512];
  rd_kafka_NewTopic_t* topic =
      rd_kafka_NewTopic_new(o.topic.c_str(), o.partitions, o.replication_factor, err, sizeof err);
  if (!topic) throw UsageError(std::string("cannot describe the topic to create: ") + err);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, 30000, err, sizeof err);
  rd_kafka_CreateTopics(rk, &topic, 1, options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 60000);
  std::string failure;
  if (!event) {
    failure = "no answer to CreateTopics within 60 s";
  } else if (rd_kafka_event_error(event)) {
    failure = rd_kafka_event_error_string(event);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) failure = rd_kafka_err2str(e);
    }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(topic);
  if (!failure.empty()) throw std::runtime_error("cannot create topic " + o.topic + ": " + failure);
  wait_for_leaders(rk, o);
}

PayloadPool make_pool(const Options& o) {
  switch (o.payload) {
    case PayloadKind::json_logs: return PayloadPool::json_logs();
    case PayloadKind::random: return PayloadPool::random(o.record_size);
    case PayloadKind::file: break;
  }
  return PayloadPool::from_file(o.payload_file, o.payload_delimiter);
}

// The pool as a perf-test payload file (one record per line), for the Java tool.
void write_payload_file(const Options& o, const PayloadPool& pool) {
  std::ofstream out(o.write_payload_file, std::ios::binary);
  for (size_t i = 0; i < pool.size(); ++i) {
    if (i) out << '\n';
    auto record = pool.record(i);
    out.write(reinterpret_cast<const char*>(record.data()), std::streamsize(record.size()));
  }
  if (!out) throw std::runtime_error("cannot write " + o.write_payload_file);
}

struct RunResult {
  uint64_t records_sent = 0;
  double elapsed_s = 0;
};

RunResult produce_all(rd_kafka_t* rk, const Options& o, const PayloadPool& pool,
                      const std::vector<std::string>& keys) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
  const int flags = o.copy ? RD_KAFKA_MSG_F_COPY : 0;
  const int64_t start = now_ns();
  const double ns_per_record = o.throughput > 0 ? 1e9 / o.throughput : 0;
  for (uint64_t i = 0; i < o.num_records; ++i) {
    auto value = pool.record(i);
    const std::string* key = o.keys ? &keys[i % keys.size()] : nullptr;
    // Latency runs from the produce call (a wait for queue space included, as in rawproduce);
    // with --throughput, from the time the record was due, so that falling behind the rate
    // shows in the latency (no coordinated omission).
    int64_t since = now_ns();
    if (ns_per_record > 0) {
      since = start + int64_t(double(i) * ns_per_record);
      for (int64_t now = now_ns(); now < since; now = now_ns()) {
        rd_kafka_poll(rk, 0);
        // Sleep rather than spin: the broker may share these CPUs.
        if (int64_t left = since - now_ns(); left > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(left));
      }
    }
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(flags),
          RD_KAFKA_V_VALUE(const_cast<uint8_t*>(value.data()), value.size()),
          RD_KAFKA_V_KEY(key ? key->data() : nullptr, key ? key->size() : 0),
          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(uintptr_t(since))), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        throw std::runtime_error(std::string("produce failed: ") + rd_kafka_err2str(err));
      rd_kafka_poll(rk, 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  while (rd_kafka_outq_len(rk) > 0) rd_kafka_flush(rk, 1000);
  RunResult r{o.num_records, double(now_ns() - start) / 1e9};
  rd_kafka_topic_destroy(rkt);
  return r;
}

const char* payload_name(PayloadKind kind) {
  switch (kind) {
    case PayloadKind::json_logs: return "json-logs";
    case PayloadKind::random: return "random";
    case PayloadKind::file: break;
  }
  return "file";
}

void report(const Options& o, const RunResult& run, const Deliveries& d, int64_t cpu) {
  double secs = run.elapsed_s > 0 ? run.elapsed_s : 1e-9;
  double rps = double(d.delivered) / secs;
  double mbps = double(d.bytes) / secs / (1024.0 * 1024.0);
  double cpu_per_record = d.delivered ? double(cpu) / double(d.delivered) : 0;
  const LatencyHistogram& h = d.latency;
  if (o.json) {
    std::printf(
        "{\"client\": \"librdkafka\", \"version\": \"%s\", \"librdkafka_version\": \"%s\", "
        "\"topic\": \"%s\", \"payload\": \"%s\", \"records_sent\": %" PRIu64
        ", \"records_failed\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"elapsed_s\": %.6f, "
        "\"records_per_sec\": %.1f, \"mb_per_sec\": %.3f, \"target_records_per_sec\": %.1f, "
        "\"latency_ms\": {\"avg\": %.3f, \"max\": %.3f, \"p50\": %.3f, \"p95\": %.3f, "
        "\"p99\": %.3f, \"p999\": %.3f}, \"latency_from\": \"%s\", "
        "\"client_cpu_ns_per_record\": %.1f, \"client_cpu_s\": %.3f}\n",
        rd_kafka_version_str(), rd_kafka_version_str(), o.topic.c_str(), payload_name(o.payload),
        d.delivered, d.failed, d.bytes, run.elapsed_s, rps, mbps, o.throughput > 0 ? o.throughput : 0.0,
        h.mean_ms(), h.max_ms(), h.percentile_ms(50), h.percentile_ms(95), h.percentile_ms(99),
        h.percentile_ms(99.9), o.throughput > 0 ? "due" : "produce", cpu_per_record, double(cpu) / 1e9);
  } else {
    std::printf(
        "%" PRIu64 " records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max "
        "latency, %.0f ms 50th, %.0f ms 95th, %.0f ms 99th, %.0f ms 99.9th.\n"
        "client CPU %.1f ns/record (librdkafka %s)\n",
        d.delivered, rps, mbps, h.mean_ms(), h.max_ms(), h.percentile_ms(50), h.percentile_ms(95),
        h.percentile_ms(99), h.percentile_ms(99.9), cpu_per_record, rd_kafka_version_str());
  }
  if (d.failed)
    std::fprintf(stderr, "rdkafka_produce: %" PRIu64 " records failed; first error: %s\n", d.failed,
                 d.first_error.c_str());
}

int run(const Options& o) {
  const PayloadPool pool = make_pool(o);
  if (!o.write_payload_file.empty()) {
    write_payload_file(o, pool);
    if (o.topic.empty()) return 0;
  }
  std::vector<std::string> keys;
  for (uint64_t i = 0; i < o.keys; ++i) keys.push_back("key-" + std::to_string(i));

  Deliveries deliveries;
  const int64_t cpu_start = cpu_ns();
  rd_kafka_t* rk = make_producer(o, deliveries);
  RunResult result;
  try {
    if (o.partitions > 0) create_topic(rk, o);
    result = produce_all(rk, o, pool, keys);
  } catch (...) {
    rd_kafka_destroy(rk);
    throw;
  }
  rd_kafka_destroy(rk);
  if (o.num_records == 0) return 0;
  report(o, result, deliveries, cpu_ns() - cpu_start);
  return deliveries.failed || deliveries.delivered != o.num_records ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_options(argc, argv));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "rdkafka_produce: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rdkafka_produce: %s\n", e.what());
    return 1;
  }
}
