#include "report.hpp"

#include <cstdio>

#include "common/printf_string.hpp"

namespace rawkafka::rawproduce {

namespace {
using tools::printf_string;

// perf-test's percentiles are whole milliseconds of int-millisecond latencies: truncate.
long long whole_ms(uint64_t ns) { return (long long)(ns / 1'000'000); }

std::string number(double v) {
  // JSON has no NaN/Infinity.
  if (!(v == v) || v > 1e300 || v < -1e300) return "0";
  return printf_string("%.6g", v);
}
std::string fixed(double v, int decimals) {
  if (!(v == v)) return "0";
  return printf_string("%.*f", decimals, v);
}
}  // namespace

std::string format_window(const WindowStats& w) {
  const double secs = w.seconds > 0 ? w.seconds : 1;
  return printf_string("%llu records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.",
                       (unsigned long long)w.records, double(w.records) / secs,
                       double(w.bytes) / secs / (1024.0 * 1024.0), w.avg_latency_ms, w.max_latency_ms);
}

std::string format_total(const FinalStats& s) {
  return printf_string(
      "%llu records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
      "%lld ms 50th, %lld ms 95th, %lld ms 99th, %lld ms 99.9th.",
      (unsigned long long)s.records_sent, s.records_per_sec(), s.mb_per_sec(), s.latency.avg_ms(),
      s.latency.max_ms(), whole_ms(s.latency.p50_ns), whole_ms(s.latency.p95_ns), whole_ms(s.latency.p99_ns),
      whole_ms(s.latency.p999_ns));
}

std::string format_details(const FinalStats& s) {
  std::string out;
  if (s.abandoned) {
    out += "interrupted twice: stopped waiting; records not yet answered count as failed.\n";
  } else if (s.interrupted) {
    out += "interrupted: stopped producing and delivered what was held.\n";
  }
  if (s.records_failed) {
    out += printf_string("%llu records failed; first reason: %s\n", (unsigned long long)s.records_failed,
                         s.first_error.c_str());
  }
  out += printf_string("client CPU: %.1f ns/record (user %.2f s + sys %.2f s over %.2f s)\n", s.cpu_ns_per_record(),
                       s.cpu_user_seconds, s.cpu_sys_seconds, s.seconds);
  out += printf_string("backend: %s, produce version: %d, threads: %u\n", s.backend.c_str(), s.produce_version,
                       s.threads);
  if (!s.security.empty() && s.security != "PLAINTEXT") {
    out += "security: " + s.security;
    if (s.reauthentications) out += printf_string(", %llu re-authentications", (unsigned long long)s.reauthentications);
    out += "\n";
  }
  if (s.verify) {
    const VerifySummary& v = *s.verify;
    if (!v.complete) {
      out += printf_string(
          "verify: INCOMPLETE: %llu acknowledged, %llu consumed before the read stopped (none counted as lost), "
          "%llu duplicates, %llu out of order, %llu corrupt: ",
          (unsigned long long)v.expected, (unsigned long long)v.consumed, (unsigned long long)v.duplicates,
          (unsigned long long)v.out_of_order, (unsigned long long)v.corrupt);
      out += v.error + "\n";
    } else {
      out += printf_string(
          "verify: %s: %llu acknowledged, %llu consumed, %llu lost, %llu duplicates, %llu out of order, %llu corrupt, "
          "%llu unacknowledged but present\n",
          v.ok() ? "OK" : "FAILED", (unsigned long long)v.expected, (unsigned long long)v.consumed,
          (unsigned long long)v.lost, (unsigned long long)v.duplicates, (unsigned long long)v.out_of_order,
          (unsigned long long)v.corrupt, (unsigned long long)v.unacknowledged_present);
    }
  }
  return out;
}

std::vector<std::string> failure_sentences(const FinalStats& s) {
  std::vector<std::string> out;
  if (s.records_failed) {
    std::string sentence = printf_string("%llu of %llu records failed", (unsigned long long)s.records_failed,
                                         (unsigned long long)(s.records_sent + s.records_failed));
    if (s.records_possibly_persisted) {
      sentence += printf_string(" (%llu possibly persisted)", (unsigned long long)s.records_possibly_persisted);
    }
    out.push_back(sentence + "; the first: " + (s.first_error.empty() ? "unknown" : s.first_error));
  }
  if (s.verify && !s.verify->complete) {
    out.push_back("verification incomplete: " + s.verify->error + "; nothing is counted as lost");
  }
  return out;
}

std::string format_json(const FinalStats& s) {
  auto u = [](uint64_t v) { return std::to_string(v); };
  auto ms = [](uint64_t ns) { return fixed(double(ns) / 1e6, 3); };
  std::string out = "{";
  out += "\"records_sent\":" + u(s.records_sent);
  out += ",\"records_failed\":" + u(s.records_failed);
  if (s.records_failed) out += ",\"records_possibly_persisted\":" + u(s.records_possibly_persisted);
  out += ",\"records_per_sec\":" + fixed(s.records_per_sec(), 1);
  out += ",\"mb_per_sec\":" + fixed(s.mb_per_sec(), 3);
  out += ",\"elapsed_s\":" + fixed(s.seconds, 3);
  out += ",\"latency_ms\":{\"avg\":" + fixed(s.latency.avg_ms(), 3) + ",\"max\":" + ms(s.latency.max_ns) +
         ",\"p50\":" + ms(s.latency.p50_ns) + ",\"p95\":" + ms(s.latency.p95_ns) + ",\"p99\":" + ms(s.latency.p99_ns) +
         ",\"p999\":" + ms(s.latency.p999_ns) + "}";
  out += ",\"client_cpu_ns_per_record\":" + fixed(s.cpu_ns_per_record(), 1);
  out += ",\"client_cpu_s\":" + number(s.cpu_seconds);
  out += ",\"backend\":" + json_string(s.backend);
  if (!s.security.empty()) out += ",\"security\":" + json_string(s.security);
  out += ",\"reauthentications\":" + std::to_string(s.reauthentications);
  out += ",\"produce_version\":" + std::to_string(s.produce_version);
  out += ",\"threads\":" + std::to_string(s.threads);
  out += ",\"e2e\":" + std::string(s.e2e ? "true" : "false");
  out += ",\"interrupted\":" + std::string(s.interrupted ? "true" : "false");
  out += ",\"abandoned\":" + std::string(s.abandoned ? "true" : "false");
  if (!s.first_error.empty()) out += ",\"first_error\":" + json_string(s.first_error);
  if (s.verify) {
    const VerifySummary& v = *s.verify;
    out += ",\"verify\":{\"ok\":" + std::string(v.ok() ? "true" : "false") +
           ",\"complete\":" + std::string(v.complete ? "true" : "false") + ",\"expected\":" + u(v.expected) +
           ",\"consumed\":" + u(v.consumed);
    // Lost and present-though-unacknowledged are counts of a complete read only.
    if (v.complete) out += ",\"lost\":" + u(v.lost) + ",\"unacknowledged_present\":" + u(v.unacknowledged_present);
    out += ",\"duplicates\":" + u(v.duplicates) + ",\"out_of_order\":" + u(v.out_of_order) +
           ",\"corrupt\":" + u(v.corrupt);
    if (!v.error.empty()) out += ",\"error\":" + json_string(v.error);
    out += "}";
  }
  return out + "}";
}

}  // namespace rawkafka::rawproduce
