#pragma once
// rawproduce's output: per-interval lines and the final summary in kafka-producer-perf-test's
// format (ProducerPerformance.Stats.printWindow / printTotal), plus our extra lines and JSON.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "rawkafka/client/histogram.hpp"

namespace rawkafka::rawproduce {

struct WindowStats {
  uint64_t records = 0;
  uint64_t bytes = 0;           // key + value bytes, as perf-test counts
  double seconds = 0;
  double avg_latency_ms = 0;
  double max_latency_ms = 0;
};

// "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency."
std::string format_window(const WindowStats& w);

struct VerifySummary {
  bool complete = true;       // every partition was read to its end (else `error` says why not)
  uint64_t expected = 0;      // records the broker acknowledged
  uint64_t consumed = 0;      // records of this run read back
  uint64_t lost = 0;          // acknowledged but absent from a complete read
  uint64_t unacknowledged_present = 0;  // not acknowledged (failed, unanswered) yet read back: not errors
  uint64_t duplicates = 0;    // read back more than once
  uint64_t out_of_order = 0;  // a record behind an earlier one of the same producer thread in its partition
  uint64_t corrupt = 0;       // read back with a payload or mark that does not match what was sent
  std::string error;          // why reading back stopped early
  bool ok() const {
    return complete && error.empty() && lost == 0 && duplicates == 0 && out_of_order == 0 && corrupt == 0;
  }
};

struct FinalStats {
  uint64_t records_sent = 0;    // acknowledged
  uint64_t records_failed = 0;  // failed for good: refused, timed out, or not delivered when stopped
  uint64_t records_possibly_persisted = 0;  // of records_failed: sent but never answered
  uint64_t bytes = 0;           // key + value bytes of acknowledged records
  double seconds = 0;
  client::LatencySnapshot latency;
  double cpu_seconds = 0;       // user + system of the whole process
  double cpu_user_seconds = 0;
  double cpu_sys_seconds = 0;
  std::string backend;
  std::string security;  // ProducerStats::security
  uint64_t reauthentications = 0;
  int produce_version = -1;
  unsigned threads = 0;
  bool e2e = false;             // --e2e: records carried their send time (rawkafka.sent_ns)
  std::string first_error;      // the first failure's reason
  bool interrupted = false;     // Ctrl-C (or SIGTERM): stopped producing
  bool abandoned = false;       // interrupted twice: stopped waiting for deliveries at once
  std::optional<VerifySummary> verify;

  double records_per_sec() const { return seconds > 0 ? double(records_sent) / seconds : 0; }
  double mb_per_sec() const { return seconds > 0 ? double(bytes) / seconds / (1024.0 * 1024.0) : 0; }
  double cpu_ns_per_record() const { return records_sent ? cpu_seconds * 1e9 / double(records_sent) : 0; }
};

// perf-test's printTotal line:
// "%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency,
//  %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th."
std::string format_total(const FinalStats& s);
// The lines after it: failures, client CPU per record, backend/version/threads, verify.
std::string format_details(const FinalStats& s);
// One JSON object (no trailing newline).
std::string format_json(const FinalStats& s);

// The sentences (each one line, no "rawproduce: " prefix) saying why a run failed: records that
// failed for good, e.g. "1000 of 1000 records failed; the first: <reason>", and a read-back
// that could not finish. Empty when neither happened.
std::vector<std::string> failure_sentences(const FinalStats& s);

// JSON string escaping (quotes included), shared with the other tools.
using tools::json_string;

}  // namespace rawkafka::rawproduce
