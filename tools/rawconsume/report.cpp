#include "report.hpp"

#include <cstdio>
#include <ctime>

#include "common/e2e_stamp.hpp"
#include "common/printf_string.hpp"

#include "common/json.hpp"

namespace rawkafka::rawconsume {

namespace {

using tools::printf_string;

constexpr double kMiB = 1024.0 * 1024.0;

double per_second(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0; }

std::string counted(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

const char* json_bool(bool b) { return b ? "true" : "false"; }

}  // namespace

std::string format_time(WallClock::time_point t) {
  const auto ms_since_epoch = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch());
  const auto s_since_epoch = std::chrono::floor<std::chrono::seconds>(ms_since_epoch);
  const std::time_t seconds = std::time_t(s_since_epoch.count());
  std::tm local{};
  localtime_r(&seconds, &local);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &local);
  return printf_string("%s:%03d", date, int((ms_since_epoch - s_since_epoch).count()));
}

std::string format_header(bool detailed) {
  const char* fields =
      ", data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, "
      "fetch.MB.sec, fetch.nMsg.sec";
  return std::string(detailed ? "time, threadId" : "start.time, end.time") + fields;
}

std::string format_total(const FinalStats& s) {
  const double mb = s.megabytes();
  const double fetch_seconds = double(s.fetch_ms) / 1000.0;
  return printf_string("%s, %s, %.4f, %.4f, %llu, %.4f, %d, %llu, %.4f, %.4f", format_time(s.start_time).c_str(),
                       format_time(s.end_time).c_str(), mb, per_second(mb, s.seconds), (unsigned long long)s.records,
                       per_second(double(s.records), s.seconds), 0, (unsigned long long)s.fetch_ms,
                       per_second(mb, fetch_seconds), per_second(double(s.records), fetch_seconds));
}

std::string format_window(const WindowStats& w) {
  const double interval_seconds = double(w.interval_ms) / 1000.0;
  const double interval_mb = double(w.interval_bytes) / kMiB;
  const double mb_per_sec = per_second(interval_mb, interval_seconds);
  const double records_per_sec = per_second(double(w.interval_records), interval_seconds);
  // perf-test's line is printBasicProgress then printExtendedProgress: the second part repeats
  // the rates over the fetch time, which is the whole interval without rebalances.
  return printf_string("%s, %d, %.4f, %.4f, %llu, %.4f, %d, %llu, %.4f, %.4f", format_time(w.end_time).c_str(),
                       w.thread_id, double(w.bytes) / kMiB, mb_per_sec, (unsigned long long)w.records,
                       records_per_sec, 0, (unsigned long long)w.interval_ms, mb_per_sec, records_per_sec);
}

std::string format_timeout_warning(std::chrono::milliseconds timeout) {
  return printf_string(
      "WARNING: Exiting before consuming the expected number of messages: timeout (%lld ms) exceeded. You can use "
      "the --timeout option to increase the timeout.",
      (long long)timeout.count());
}

std::string format_details(const FinalStats& s) {
  std::string out;
  if (s.interrupted) out += "interrupted: stopped reading; the figures cover what was read until then.\n";
  if (s.timed_out) {
    out += printf_string("timed out: no record came for %lld ms (--timeout).\n", (long long)s.timeout.count());
  }
  const double per_record = s.records ? 1e9 / double(s.records) : 0;
  out += printf_string("client CPU: %.1f ns/record (user %.1f, sys %.1f)\n", s.cpu_ns_per_record(),
                       s.cpu_user_seconds * per_record, s.cpu_sys_seconds * per_record);
  const std::string fetch =
      s.fetch_version >= 0 ? "Fetch v" + std::to_string(s.fetch_version) : std::string("Fetch not negotiated");
  out += printf_string("backend: %s, %s, %s, mode %s, checksum %016llx\n", s.backend.c_str(), fetch.c_str(),
                       counted(s.threads, "thread", "threads").c_str(), s.mode.c_str(),
                       (unsigned long long)s.checksum);
  if (s.corrupt_batches || s.undecodable_batches || s.leader_changes || s.offset_resets || s.session_resets) {
    out += "faults: " + counted(s.corrupt_batches, "corrupt batch", "corrupt batches") + " and " +
           counted(s.undecodable_batches, "undecodable batch", "undecodable batches") + " skipped, " +
           counted(s.leader_changes, "leader change", "leader changes") + ", " +
           counted(s.offset_resets, "offset reset", "offset resets") + ", " +
           counted(s.session_resets, "fetch session reset", "fetch session resets") + "\n";
  }
  if (!s.first_error.empty()) out += "first error: " + s.first_error + "\n";
  if (!s.security.empty() && s.security != "PLAINTEXT") out += "security: " + s.security + "\n";
  if (s.e2e && s.e2e->count == 0 && s.records > 0) {
    out += "end-to-end latency: none of the records read carried a " + std::string(tools::kSentNsHeader) +
           " stamp (rawproduce --e2e puts one on each record)\n";
  } else if (s.e2e) {
    const client::LatencySnapshot& e = *s.e2e;
    auto ms = [](uint64_t ns) { return double(ns) / 1e6; };
    out += printf_string(
        "end-to-end latency: %llu records, %.2f ms avg, %.2f ms max, %.2f ms 50th, %.2f ms 95th, %.2f ms 99th, "
        "%.2f ms 99.9th.\n",
        (unsigned long long)e.count, e.avg_ms(), e.max_ms(), ms(e.p50_ns), ms(e.p95_ns), ms(e.p99_ns),
        ms(e.p999_ns));
  }
  return out;
}

std::string format_json(const FinalStats& s) {
  using tools::json_fixed;
  using tools::json_string;
  auto u = [](uint64_t v) { return std::to_string(v); };
  std::string out = "{";
  out += "\"records\":" + u(s.records);
  out += ",\"bytes\":" + u(s.bytes);
  out += ",\"seconds\":" + json_fixed(s.seconds, 3);
  out += ",\"fetch_ms\":" + u(s.fetch_ms);
  out += ",\"records_per_sec\":" + json_fixed(s.records_per_sec(), 1);
  out += ",\"mb_per_sec\":" + json_fixed(s.mb_per_sec(), 3);
  out += ",\"cpu_ns_per_record\":" + json_fixed(s.cpu_ns_per_record(), 1);
  out += ",\"cpu_user_seconds\":" + json_fixed(s.cpu_user_seconds, 6);
  out += ",\"cpu_sys_seconds\":" + json_fixed(s.cpu_sys_seconds, 6);
  out += ",\"mode\":" + json_string(s.mode);
  out += ",\"backend\":" + json_string(s.backend);
  out += ",\"security\":" + json_string(s.security);
  out += ",\"threads\":" + u(s.threads);
  out += ",\"fetch_version\":" + std::to_string(s.fetch_version);
  out += ",\"batches\":" + u(s.batches);
  out += ",\"corrupt_batches\":" + u(s.corrupt_batches);
  out += ",\"undecodable_batches\":" + u(s.undecodable_batches);
  out += ",\"leader_changes\":" + u(s.leader_changes);
  out += ",\"offset_resets\":" + u(s.offset_resets);
  out += ",\"session_resets\":" + u(s.session_resets);
  // As a string: JSON readers keep numbers as doubles, which hold 53 of its 64 bits.
  out += ",\"checksum\":\"" + printf_string("%016llx", (unsigned long long)s.checksum) + "\"";
  out += ",\"first_error\":" + (s.first_error.empty() ? std::string("null") : json_string(s.first_error));
  out += ",\"interrupted\":" + std::string(json_bool(s.interrupted));
  out += ",\"timed_out\":" + std::string(json_bool(s.timed_out));
  out += ",\"e2e\":";
  if (s.e2e && s.e2e->count == 0 && s.records > 0) {
    out += "end-to-end latency: none of the records read carried a " + std::string(tools::kSentNsHeader) +
           " stamp (rawproduce --e2e puts one on each record)\n";
  } else if (s.e2e) {
    const client::LatencySnapshot& e = *s.e2e;
    auto ms = [](uint64_t ns) { return json_fixed(double(ns) / 1e6, 3); };
    out += "{\"count\":" + u(e.count) + ",\"avg_ms\":" + json_fixed(e.avg_ms(), 3) + ",\"max_ms\":" + ms(e.max_ns) +
           ",\"p50_ms\":" + ms(e.p50_ns) + ",\"p95_ms\":" + ms(e.p95_ns) + ",\"p99_ms\":" + ms(e.p99_ns) +
           ",\"p999_ms\":" + ms(e.p999_ns) + "}";
  } else {
    out += "null";
  }
  return out + "}";
}

std::vector<std::string> failure_sentences(const FinalStats& s, std::optional<uint64_t> expected_messages) {
  std::vector<std::string> out;
  if (const uint64_t unreadable = s.corrupt_batches + s.undecodable_batches) {
    std::string sentence = counted(unreadable, "batch", "batches") + " could not be read (" +
                           std::to_string(s.corrupt_batches) + " corrupt, " +
                           std::to_string(s.undecodable_batches) + " undecodable) and " +
                           (unreadable == 1 ? "was" : "were") + " skipped";
    if (!s.first_error.empty()) sentence += "; the first: " + s.first_error;
    out.push_back(sentence);
  }
  if (s.interrupted) return out;
  if (expected_messages && s.records < *expected_messages) {
    std::string sentence = printf_string("read %llu of %llu records", (unsigned long long)s.records,
                                         (unsigned long long)*expected_messages);
    if (s.timed_out) {
      sentence += printf_string(": none came for %lld ms (--timeout)", (long long)s.timeout.count());
    } else if (!s.first_error.empty()) {
      sentence += "; the first error: " + s.first_error;
    }
    out.push_back(sentence);
  } else if (!expected_messages && s.timed_out) {
    out.push_back(printf_string(
        "stopped after %llu records before the end of every partition: none came for %lld ms (--timeout)",
        (unsigned long long)s.records, (long long)s.timeout.count()));
  }
  return out;
}

}  // namespace rawkafka::rawconsume
