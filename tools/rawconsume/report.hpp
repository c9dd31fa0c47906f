#pragma once
// rawconsume's output: kafka-consumer-perf-test's header and lines, in its exact format
// (tools/src/main/java/org/apache/kafka/tools/ConsumerPerformance.java), then our own detail
// lines, or everything as one JSON object. Pure formatting: the numbers come from the caller.
//
// perf-test prints its header (unless --hide-header), then with --show-detailed-stats one line
// per reporting interval and no final line, without it only the final line. MB are 2^20 bytes.
// rebalance.time.ms is always 0 here: rawconsume joins no consumer group.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rawkafka/client/histogram.hpp"

namespace rawkafka::rawconsume {

using WallClock = std::chrono::system_clock;

struct FinalStats {
  uint64_t records = 0;
  uint64_t bytes = 0;    // parse mode: key + value bytes, as perf-test counts; raw mode: batch bytes
  uint64_t batches = 0;
  double seconds = 0;    // from the first fetch to the last record
  WallClock::time_point start_time;  // the first fetch (perf-test's start.time)
  WallClock::time_point end_time;    // the last record (end.time)
  uint64_t fetch_ms = 0;             // time spent fetching (fetch.time.ms)
  double cpu_user_seconds = 0;       // of the whole process over the timed part
  double cpu_sys_seconds = 0;
  std::string mode;      // "parse" or "raw"
  std::string backend;
  std::string security;  // ConsumerStats::security; shown unless empty or PLAINTEXT
  int fetch_version = -1;  // -1: none negotiated
  unsigned threads = 0;
  uint64_t corrupt_batches = 0;      // CRC or framing failures, skipped
  uint64_t undecodable_batches = 0;  // payloads that did not decompress or decode, skipped
  uint64_t leader_changes = 0;
  uint64_t offset_resets = 0;        // auto.offset.reset applied
  uint64_t session_resets = 0;       // fetch sessions the broker forgot
  uint64_t checksum = 0;             // sum of every value's words (main.cpp): equal for runs that read the same
  std::string first_error;           // the first error met (the run may have recovered from it)
  std::chrono::milliseconds timeout{0};  // --timeout, for the sentences about it
  bool interrupted = false;          // Ctrl-C (or SIGTERM): stopped reading
  bool timed_out = false;            // --timeout passed with no record before the run's end
  std::optional<client::LatencySnapshot> e2e;  // --e2e: rawkafka.sent_ns to the moment read

  double megabytes() const { return double(bytes) / (1024.0 * 1024.0); }
  double records_per_sec() const { return seconds > 0 ? double(records) / seconds : 0; }
  double mb_per_sec() const { return seconds > 0 ? megabytes() / seconds : 0; }
  double cpu_seconds() const { return cpu_user_seconds + cpu_sys_seconds; }
  double cpu_ns_per_record() const { return records ? cpu_seconds() * 1e9 / double(records) : 0; }
};

// One --show-detailed-stats interval.
struct WindowStats {
  WallClock::time_point end_time;  // when the interval ended (the line's time)
  int thread_id = 0;               // 0: the whole process
  uint64_t records = 0;            // since the start, as perf-test prints them
  uint64_t bytes = 0;              // since the start
  uint64_t interval_records = 0;   // in this interval
  uint64_t interval_bytes = 0;
  uint64_t interval_ms = 0;        // the interval's length (all of it fetching: fetch.time.ms)
};

// perf-test's time format, yyyy-MM-dd HH:mm:ss:SSS, in local time.
std::string format_time(WallClock::time_point t);

// "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
//  rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec", or with `detailed` the
// same after "time, threadId" instead of the two times.
std::string format_header(bool detailed);

// The final line: "%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f". Rates over a zero time,
// which perf-test prints as NaN or Infinity, are 0.
std::string format_total(const FinalStats& s);

// A detailed-stats line: time, thread id, MB and records since the start, the interval's MB/s
// and records/s, then rebalance.time.ms, fetch.time.ms and the rates over the fetch time.
std::string format_window(const WindowStats& w);

// perf-test's warning when --messages were not all read before --timeout passed.
std::string format_timeout_warning(std::chrono::milliseconds timeout);

// Our lines after perf-test's: interruption or timeout, client CPU per record, backend, Fetch
// version, threads, mode and checksum, the fault counters (only when any is non-zero), the first
// error, security (unless plaintext) and, with --e2e, the end-to-end latencies.
std::string format_details(const FinalStats& s);

// One JSON object (no trailing newline).
std::string format_json(const FinalStats& s);

// The sentences (each one line, no "rawconsume: " prefix) saying why the run failed: batches
// that could not be read, or fewer records than `expected_messages` (--messages; none with
// --to-end) or a partition's end not reached before --timeout. Empty when it did not fail. An
// interrupted run is not a failure for being short.
std::vector<std::string> failure_sentences(const FinalStats& s, std::optional<uint64_t> expected_messages);

}  // namespace rawkafka::rawconsume
