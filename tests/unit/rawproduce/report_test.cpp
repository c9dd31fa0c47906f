// The summary lines match kafka-producer-perf-test's format (ProducerPerformance.Stats).
#include <doctest/doctest.h>

#include <regex>

#include "report.hpp"

using namespace rawkafka::rawproduce;

TEST_CASE("the final line is perf-test's printTotal format") {
  FinalStats s;
  s.records_sent = 2000000;
  s.bytes = 2000000ull * 125;
  s.seconds = 2.0;
  s.latency.avg_ns = 3.25e6;
  s.latency.max_ns = 15'400'000;
  s.latency.p50_ns = 2'900'000;
  s.latency.p95_ns = 7'000'000;
  s.latency.p99_ns = 11'999'999;
  s.latency.p999_ns = 15'000'000;
  const std::string line = format_total(s);
  CHECK(line ==
        "2000000 records sent, 1000000.000000 records/sec (119.21 MB/sec), 3.25 ms avg latency, 15.40 ms max "
        "latency, 2 ms 50th, 7 ms 95th, 11 ms 99th, 15 ms 99.9th.");
  // The regex scripts use on perf-test's output matches ours.
  std::regex perf_test(
      R"(^(\d+) records sent, ([0-9.]+) records/sec \(([0-9.]+) MB/sec\), ([0-9.]+) ms avg latency, ([0-9.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$)");
  CHECK(std::regex_match(line, perf_test));
}

TEST_CASE("the per-interval line is perf-test's printWindow format") {
  WindowStats w;
  w.records = 123456;
  w.bytes = 123456ull * 1000;
  w.seconds = 1.0;
  w.avg_latency_ms = 3.21;
  w.max_latency_ms = 15.0;
  CHECK(format_window(w) ==
        "123456 records sent, 123456.0 records/sec (117.74 MB/sec), 3.2 ms avg latency, 15.0 ms max latency.");
  std::regex window(
      R"(^\d+ records sent, [0-9.]+ records/sec \([0-9.]+ MB/sec\), [0-9.]+ ms avg latency, [0-9.]+ ms max latency\.$)");
  CHECK(std::regex_match(format_window(w), window));
}

TEST_CASE("detail lines: failures, CPU per record, backend, verify") {
  FinalStats s;
  s.records_sent = 1000;
  s.records_failed = 2;
  s.first_error = "MESSAGE_TOO_LARGE: The request included a message larger than the max message size the server will accept.";
  s.seconds = 1;
  s.cpu_seconds = 0.0005;
  s.cpu_user_seconds = 0.0004;
  s.cpu_sys_seconds = 0.0001;
  s.backend = "uring";
  s.produce_version = 11;
  s.threads = 1;
  VerifySummary v;
  v.expected = 1000;
  v.consumed = 1000;
  s.verify = v;
  std::string d = format_details(s);
  CHECK(d.find("2 records failed; first reason: MESSAGE_TOO_LARGE") != std::string::npos);
  CHECK(d.find("client CPU: 500.0 ns/record") != std::string::npos);
  CHECK(d.find("backend: uring, produce version: 11, threads: 1") != std::string::npos);
  CHECK(d.find("verify: OK: 1000 acknowledged, 1000 consumed, 0 lost, 0 duplicates, 0 out of order, 0 corrupt, "
               "0 unacknowledged but present") != std::string::npos);
}

TEST_CASE("a run whose records failed says so in one sentence: how many of how many, and the first reason") {
  FinalStats s;
  CHECK(failure_sentences(s).empty());
  s.records_sent = 0;
  s.records_failed = 1000;
  s.first_error = "record of 2000000 bytes is larger than max.request.size (1048576)";
  auto sentences = failure_sentences(s);
  REQUIRE(sentences.size() == 1);
  CHECK(sentences[0] ==
        "1000 of 1000 records failed; the first: record of 2000000 bytes is larger than max.request.size (1048576)");
  s.records_sent = 500;
  s.records_failed = 20;
  s.records_possibly_persisted = 5;
  s.first_error = "REQUEST_TIMED_OUT";
  CHECK(failure_sentences(s).at(0) == "20 of 520 records failed (5 possibly persisted); the first: REQUEST_TIMED_OUT");
  // The summary lines stay as they were.
  CHECK(format_details(s).find("20 records failed; first reason: REQUEST_TIMED_OUT\n") != std::string::npos);
}

TEST_CASE("a read-back that could not finish is reported as incomplete, with nothing lost") {
  FinalStats s;
  s.records_sent = 100;
  VerifySummary v;
  v.complete = false;
  v.expected = 100;
  v.consumed = 40;
  v.error = "could not read topic 't' back: no ApiVersions response from 127.0.0.1:1 within 3000 ms";
  s.verify = v;
  const std::string j = format_json(s);
  CHECK(j.find("\"verify\":{\"ok\":false,\"complete\":false,\"expected\":100,\"consumed\":40,") != std::string::npos);
  CHECK(j.find("\"lost\"") == std::string::npos);
  CHECK(j.find("\"unacknowledged_present\"") == std::string::npos);
  CHECK(j.find("\"error\":\"could not read topic 't' back: no ApiVersions") != std::string::npos);
  const std::string d = format_details(s);
  CHECK(d.find("verify: INCOMPLETE: 100 acknowledged, 40 consumed before the read stopped (none counted as lost)") !=
        std::string::npos);
  auto sentences = failure_sentences(s);
  REQUIRE(sentences.size() == 1);
  CHECK(sentences[0] ==
        "verification incomplete: could not read topic 't' back: no ApiVersions response from 127.0.0.1:1 within "
        "3000 ms; nothing is counted as lost");
  // A complete read lists both counts.
  s.verify->complete = true;
  s.verify->error.clear();
  s.verify->lost = 60;
  CHECK(format_json(s).find("\"lost\":60,\"unacknowledged_present\":0") != std::string::npos);
  CHECK(failure_sentences(s).empty());
}

TEST_CASE("an abandoned run says it stopped waiting") {
  FinalStats s;
  s.interrupted = true;
  s.abandoned = true;
  CHECK(format_details(s).rfind("interrupted twice: stopped waiting", 0) == 0);
  CHECK(format_json(s).find("\"interrupted\":true,\"abandoned\":true") != std::string::npos);
}

TEST_CASE("--json prints one object with the documented fields") {
  FinalStats s;
  s.records_sent = 10;
  s.records_failed = 1;
  s.seconds = 1;
  s.backend = "asio";
  s.produce_version = 12;
  s.threads = 2;
  s.first_error = "quote \" and \\ and\nnewline";
  VerifySummary v;
  v.expected = 10;
  v.consumed = 9;
  v.lost = 1;
  s.verify = v;
  std::string j = format_json(s);
  CHECK(j.front() == '{');
  CHECK(j.back() == '}');
  for (const char* field : {"\"records_sent\":10", "\"records_failed\":1", "\"records_per_sec\":10.0",
                            "\"mb_per_sec\":", "\"latency_ms\":{\"avg\":", "\"p50\":", "\"p95\":", "\"p99\":",
                            "\"p999\":", "\"client_cpu_ns_per_record\":", "\"backend\":\"asio\"",
                            "\"produce_version\":12", "\"threads\":2", "\"verify\":{\"ok\":false",
                            "\"complete\":true", "\"consumed\":9", "\"lost\":1", "\"unacknowledged_present\":0",
                            "\"duplicates\":0", "\"out_of_order\":0", "\"records_possibly_persisted\":0",
                            "\"abandoned\":false"}) {
    CAPTURE(field);
    CHECK(j.find(field) != std::string::npos);
  }
  CHECK(j.find(R"("first_error":"quote \" and \\ and\nnewline")") != std::string::npos);
  CHECK(j.find('\n') == std::string::npos);
}

TEST_CASE("--json says whether records carried --e2e stamps") {
  FinalStats s;
  CHECK(format_json(s).find("\"e2e\":false") != std::string::npos);
  s.e2e = true;
  CHECK(format_json(s).find("\"e2e\":true") != std::string::npos);
}
