/* rdkafka_consume: the librdkafka side of the consumer comparison (scripts/bench-compare
 * --consume). Reads every partition of a topic from its start with librdkafka's simple consumer
 * (no consumer group: one queue fed by rd_kafka_consume_start_queue for every partition, drained
 * with rd_kafka_consume_batch_queue, the way librdkafka's own rdkafka_performance reads), counts
 * records until --messages, and prints one JSON line.
 *
 *   rdkafka_consume --bootstrap-server 127.0.0.1:9092 --topic t --messages 5000000
 *                   [--timeout 10000] [-X queued.min.messages=1000000 ...] [--parse]
 *
 * Every record's key and value lengths are summed (the "bytes" of the report, key + value, as
 * kafka-consumer-perf-test counts them); with --parse every value byte is also read into a
 * checksum (value_checksum below), the per-record work that rawconsume's parse mode and
 * franz_consume do too. "seconds" runs from the first record to the last; CPU is
 * getrusage(RUSAGE_SELF) over the whole process (librdkafka's threads included).
 *
 * Written in C against the 2.0.2 headers of Debian's librdkafka-dev, using only API that
 * librdkafka 2.16 still has, so that the same binary runs on the current librdkafka through
 * LD_LIBRARY_PATH (scripts/bench-compare does so). */

#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep, ssize_t under -std=c11 */

#include <librdkafka/rdkafka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char usage[] =
    "usage: rdkafka_consume --topic T --messages N [--bootstrap-server HOST:PORT]\n"
    "         [--timeout MS] [-X key=value ...] [--parse]\n"
    "  --timeout MS   stop when no record came for MS milliseconds (default 10000)\n"
    "  -X key=value   a librdkafka property (repeatable)\n"
    "  --parse        also read every value byte into a checksum\n";

/* The messages one rd_kafka_consume_batch_queue call may return. */
enum { BATCH_SIZE = 10000 };
/* How long one call waits for a full batch; the idle timeout is checked between calls. */
enum { POLL_MS = 100 };

struct options {
  const char* bootstrap;
  const char* topic;
  uint64_t messages;
  int64_t timeout_ms;
  int parse;
  int prop_count;
  char** props; /* "key=value", pointing into argv */
};

struct tally {
  uint64_t records;
  uint64_t bytes; /* key + value */
  uint64_t checksum;
  int64_t first_ns; /* when the first record arrived; 0 before */
  int64_t last_ns;
};

static void fail(int code, const char* fmt, ...) {
  va_list ap;
  fputs("rdkafka_consume: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  if (code == 2) fputs(usage, stderr);
  exit(code);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t parse_count(const char* flag, const char* text) {
  char* end = NULL;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno || end == text || *end || v < 0) fail(2, "%s wants a number, got '%s'", flag, text);
  return (uint64_t)v;
}

static struct options parse_options(int argc, char** argv) {
  struct options o = {"127.0.0.1:9092", NULL, 0, 10000, 0, 0, NULL};
  o.props = calloc((size_t)argc, sizeof *o.props);
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      exit(0);
    } else if (!strcmp(a, "--parse")) {
      o.parse = 1;
    } else if (!strcmp(a, "--bootstrap-server") || !strcmp(a, "--topic") || !strcmp(a, "--messages") ||
               !strcmp(a, "--timeout") || !strcmp(a, "-X")) {
      if (!has_value) fail(2, "%s needs a value", a);
      const char* v = argv[++i];
      if (!strcmp(a, "--bootstrap-server")) {
        o.bootstrap = v;
      } else if (!strcmp(a, "--topic")) {
        o.topic = v;
      } else if (!strcmp(a, "--messages")) {
        o.messages = parse_count(a, v);
      } else if (!strcmp(a, "--timeout")) {
        o.timeout_ms = (int64_t)parse_count(a, v);
      } else {
        const char* eq = strchr(v, '=');
        if (!eq || eq == v) fail(2, "-X wants key=value, got '%s'", v);
        o.props[o.prop_count++] = argv[i];
      }
    } else {
      fail(2, "unknown option '%s'", a);
    }
  }
  if (!o.topic) fail(2, "--topic is required");
  if (o.messages == 0) fail(2, "--messages is required (the number of records to read)");
  return o;
}

static void set(rd_kafka_conf_t* conf, const char* key, const char* value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK)
    fail(2, "librdkafka property %s=%s: %s", key, value, err);
}

static rd_kafka_t* make_consumer(const struct options* o) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", o->bootstrap);
  set(conf, "client.id", "rdkafka_consume");
  /* Read to --messages, not to the end of each partition: no EOF events in the queue. */
  set(conf, "enable.partition.eof", "false");
  /* No group, so nothing to commit. */
  set(conf, "enable.auto.commit", "false");
  for (int i = 0; i < o->prop_count; ++i) {
    char* kv = o->props[i];
    char* eq = strchr(kv, '=');
    *eq = '\0';
    set(conf, kv, eq + 1);
    *eq = '=';
  }
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) fail(1, "cannot create the librdkafka consumer: %s", err);
  return rk;
}

/* The topic's partition count, once the metadata lists every partition with a leader (at most
 * 30 s: a topic just created may not have them yet). */
static int partition_count(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const char* topic) {
  const int64_t deadline = now_ns() + (int64_t)30e9;
  char last[256] = "no answer";
  while (now_ns() < deadline) {
    const struct rd_kafka_metadata* md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
    if (err) {
      snprintf(last, sizeof last, "%s", rd_kafka_err2str(err));
    } else {
      int count = 0;
      if (md->topic_cnt != 1 || md->topics[0].err) {
        snprintf(last, sizeof last, "%s",
                 md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "topic not in the metadata");
      } else {
        count = md->topics[0].partition_cnt;
        for (int i = 0; i < md->topics[0].partition_cnt; ++i)
          if (md->topics[0].partitions[i].leader < 0 || md->topics[0].partitions[i].err) count = 0;
        if (count == 0) snprintf(last, sizeof last, "a partition has no leader");
      }
      rd_kafka_metadata_destroy(md);
      if (count > 0) return count;
    }
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  fail(1, "topic %s is not ready after 30 s (%s); does it exist?", topic, last);
  return 0;
}

/* The checksum every consumer of the comparison computes over each value: the value's 8-byte
 * words (host order, little-endian here) and then its tail bytes, summed modulo 2^64. Cheap,
 * but it reads every byte; franz_consume computes the same sum, so their totals must agree. */
static uint64_t value_checksum(const unsigned char* p, size_t n) {
  uint64_t sum = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    memcpy(&word, p + i, 8);
    sum += word;
  }
  for (; i < n; ++i) sum += p[i];
  return sum;
}

static void consume(rd_kafka_queue_t* queue, const struct options* o, struct tally* t) {
  rd_kafka_message_t** batch = malloc(BATCH_SIZE * sizeof *batch);
  int64_t idle_since = now_ns();
  while (t->records < o->messages) {
    /* Ask for no more than are still due: the call waits until its batch is full (or POLL_MS),
     * so the last one must not wait for records that will never come. */
    uint64_t due = o->messages - t->records;
    size_t want = due < BATCH_SIZE ? (size_t)due : BATCH_SIZE;
    ssize_t n = rd_kafka_consume_batch_queue(queue, POLL_MS, batch, want);
    if (n < 0) fail(1, "consuming failed: %s", rd_kafka_err2str(rd_kafka_last_error()));
    int64_t now = now_ns();
    if (n == 0) {
      if (now - idle_since > o->timeout_ms * 1000000)
        break;
      continue;
    }
    if (t->first_ns == 0) t->first_ns = now;
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[i];
      if (m->err) {
        fail(1, "topic %s partition %" PRId32 " at offset %" PRId64 ": %s", o->topic, m->partition,
             m->offset, rd_kafka_message_errstr(m));
      }
      t->records++;
      t->bytes += m->len + m->key_len;
      if (o->parse && m->payload) t->checksum += value_checksum(m->payload, m->len);
      rd_kafka_message_destroy(m);
    }
    t->last_ns = now_ns();
    idle_since = t->last_ns;
  }
  free(batch);
}

static double seconds_of(const struct timeval* tv) { return (double)tv->tv_sec + (double)tv->tv_usec / 1e6; }

static void report(const struct options* o, const struct tally* t) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double user = seconds_of(&ru.ru_utime), sys = seconds_of(&ru.ru_stime);
  double secs = t->last_ns > t->first_ns ? (double)(t->last_ns - t->first_ns) / 1e9 : 1e-9;
  double records = (double)t->records;
  printf("{\"client\": \"librdkafka\", \"version\": \"%s\", \"topic\": \"%s\", \"records\": %" PRIu64
         ", \"bytes\": %" PRIu64 ", \"seconds\": %.6f, \"records_per_sec\": %.1f, \"mb_per_sec\": %.3f, "
         "\"cpu_user_seconds\": %.3f, \"cpu_sys_seconds\": %.3f, \"cpu_ns_per_record\": %.1f, "
         "\"mode\": \"%s\", \"checksum\": %" PRIu64 "}\n",
         rd_kafka_version_str(), o->topic, t->records, t->bytes, secs, records / secs,
         (double)t->bytes / secs / (1024.0 * 1024.0), user, sys,
         t->records ? (user + sys) * 1e9 / records : 0.0, o->parse ? "parse" : "count", t->checksum);
  fflush(stdout);
}

int main(int argc, char** argv) {
  struct options o = parse_options(argc, argv);
  rd_kafka_t* rk = make_consumer(&o);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic, NULL);
  if (!rkt) fail(1, "cannot use topic %s: %s", o.topic, rd_kafka_err2str(rd_kafka_last_error()));
  int partitions = partition_count(rk, rkt, o.topic);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  for (int p = 0; p < partitions; ++p) {
    if (rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, queue) == -1)
      fail(1, "cannot start consuming %s partition %d: %s", o.topic, p,
           rd_kafka_err2str(rd_kafka_last_error()));
  }
  struct tally t = {0, 0, 0, 0, 0};
  consume(queue, &o, &t);
  for (int p = 0; p < partitions; ++p) rd_kafka_consume_stop(rkt, p);
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  report(&o, &t);
  free(o.props);
  if (t.records < o.messages) {
    fprintf(stderr, "rdkafka_consume: read %" PRIu64 " of %" PRIu64 " records: none came for %" PRId64
            " ms; does the topic hold that many?\n", t.records, o.messages, o.timeout_ms);
    return 1;
  }
  return 0;
}
