// The lines match kafka-consumer-perf-test's format (ConsumerPerformance.java); ours follow.
#include <doctest/doctest.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <map>

#include "report.hpp"

using namespace rawkafka::rawconsume;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// Runs the test's body with the process's time zone set to `tz` (a POSIX TZ string, so no zone
// database is needed), then restores it.
class TimeZone {
 public:
  explicit TimeZone(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~TimeZone() {
    if (old_) setenv("TZ", old_->c_str(), 1);
    else unsetenv("TZ");
    tzset();
  }

 private:
  std::optional<std::string> old_;
};

WallClock::time_point at(int hour, int minute, int second, int millisecond) {
  return sys_days{year{2024} / January / 2} + hours(hour) + minutes(minute) + seconds(second) +
         milliseconds(millisecond);
}

FinalStats a_run() {
  FinalStats s;
  s.records = 1'000'000;
  s.bytes = 100'000'000;
  s.batches = 1000;
  s.seconds = 2.0;
  s.start_time = at(3, 4, 5, 678);
  s.end_time = at(3, 4, 7, 678);
  s.fetch_ms = 2000;
  s.cpu_user_seconds = 0.0301;
  s.cpu_sys_seconds = 0.0111;
  s.mode = "parse";
  s.backend = "uring";
  s.security = "PLAINTEXT";
  s.fetch_version = 17;
  s.threads = 1;
  s.checksum = 0x0123456789abcdefull;
  s.timeout = 10000ms;
  return s;
}

// Just enough JSON to check that a report is one well-formed object: its members' raw texts by
// name. Fails the test on anything that is not JSON.
class JsonObject {
 public:
  explicit JsonObject(const std::string& text) : text_(text) {
    skip_space();
    REQUIRE(peek() == '{');
    const size_t start = pos_;
    value();
    REQUIRE(pos_ == text_.size());
    // Members of the outer object only: parse it again, recording them.
    pos_ = start + 1;
    skip_space();
    if (peek() == '}') return;
    while (true) {
      skip_space();
      const std::string key = string_value();
      skip_space();
      REQUIRE(take() == ':');
      skip_space();
      const size_t value_start = pos_;
      value();
      members_[key] = text_.substr(value_start, pos_ - value_start);
      skip_space();
      const char c = take();
      if (c == '}') break;
      REQUIRE(c == ',');
    }
  }
  const std::map<std::string, std::string>& members() const { return members_; }
  std::string operator[](const std::string& key) const {
    auto it = members_.find(key);
    return it == members_.end() ? std::string("<absent>") : it->second;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  char take() { return pos_ < text_.size() ? text_[pos_++] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  std::string string_value() {
    REQUIRE(take() == '"');
    std::string out;
    while (true) {
      const char c = take();
      REQUIRE(c != '\0');
      REQUIRE(static_cast<unsigned char>(c) >= 0x20);
      if (c == '"') return out;
      if (c == '\\') {
        const char e = take();
        REQUIRE(std::string("\"\\/bfnrtu").find(e) != std::string::npos);
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) REQUIRE(std::isxdigit(static_cast<unsigned char>(take())));
        }
      }
      out += c;
    }
  }
  void number() {
    if (peek() == '-') ++pos_;
    REQUIRE(std::isdigit(static_cast<unsigned char>(peek())));
    if (peek() == '0') {
      ++pos_;
    } else {
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++pos_;
    }
    if (peek() == '.') {
      ++pos_;
      REQUIRE(std::isdigit(static_cast<unsigned char>(peek())));
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      REQUIRE(std::isdigit(static_cast<unsigned char>(peek())));
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++pos_;
    }
  }
  void literal(const char* word) {
    const std::string w(word);
    REQUIRE(text_.compare(pos_, w.size(), w) == 0);
    pos_ += w.size();
  }
  void value() {
    skip_space();
    const char c = peek();
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      skip_space();
      if (peek() == close) {
        ++pos_;
        return;
      }
      while (true) {
        skip_space();
        if (close == '}') {
          string_value();
          skip_space();
          REQUIRE(take() == ':');
        }
        value();
        skip_space();
        const char next = take();
        if (next == close) return;
        REQUIRE(next == ',');
      }
    }
    if (c == '"') {
      string_value();
    } else if (c == 't') {
      literal("true");
    } else if (c == 'f') {
      literal("false");
    } else if (c == 'n') {
      literal("null");
    } else {
      number();
    }
  }

  std::string text_;
  size_t pos_ = 0;
  std::map<std::string, std::string> members_;
};

}  // namespace

TEST_CASE("the headers are perf-test's") {
  CHECK(format_header(false) ==
        "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
        "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec");
  CHECK(format_header(true) ==
        "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
        "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec");
}

TEST_CASE("times are perf-test's yyyy-MM-dd HH:mm:ss:SSS in local time") {
  {
    TimeZone utc("UTC0");
    CHECK(format_time(at(3, 4, 5, 678)) == "2024-01-02 03:04:05:678");
    CHECK(format_time(at(23, 59, 59, 999)) == "2024-01-02 23:59:59:999");
    CHECK(format_time(at(0, 0, 0, 7) + 999us) == "2024-01-02 00:00:00:007");  // truncated, not rounded
  }
  TimeZone india("IST-5:30");
  CHECK(format_time(at(3, 4, 5, 678)) == "2024-01-02 08:34:05:678");
  CHECK(format_time(at(20, 0, 0, 0)) == "2024-01-03 01:30:00:000");
}

TEST_CASE("the final line is perf-test's, for known numbers") {
  TimeZone utc("UTC0");
  CHECK(format_total(a_run()) ==
        "2024-01-02 03:04:05:678, 2024-01-02 03:04:07:678, 95.3674, 47.6837, 1000000, 500000.0000, 0, 2000, "
        "47.6837, 500000.0000");
  FinalStats s = a_run();
  s.fetch_ms = 1600;  // fetch.* rates are over the time spent fetching
  CHECK(format_total(s) ==
        "2024-01-02 03:04:05:678, 2024-01-02 03:04:07:678, 95.3674, 47.6837, 1000000, 500000.0000, 0, 1600, "
        "59.6046, 625000.0000");
}

TEST_CASE("rates over no time are 0, not NaN or Infinity") {
  TimeZone utc("UTC0");
  FinalStats s;
  s.start_time = at(3, 4, 5, 0);
  s.end_time = s.start_time;
  CHECK(format_total(s) ==
        "2024-01-02 03:04:05:000, 2024-01-02 03:04:05:000, 0.0000, 0.0000, 0, 0.0000, 0, 0, 0.0000, 0.0000");
  WindowStats w;
  w.end_time = s.end_time;
  w.interval_records = 5;
  CHECK(format_window(w) == "2024-01-02 03:04:05:000, 0, 0.0000, 0.0000, 0, 0.0000, 0, 0, 0.0000, 0.0000");
}

TEST_CASE("a detailed-stats line is perf-test's: totals so far, rates over the interval") {
  TimeZone utc("UTC0");
  WindowStats w;
  w.end_time = at(3, 4, 10, 0);
  w.records = 2'000'000;
  w.bytes = 200'000'000;
  w.interval_records = 500'000;
  w.interval_bytes = 50'000'000;
  w.interval_ms = 1000;
  CHECK(format_window(w) ==
        "2024-01-02 03:04:10:000, 0, 190.7349, 47.6837, 2000000, 500000.0000, 0, 1000, 47.6837, 500000.0000");
  w.thread_id = 3;
  w.interval_ms = 500;
  CHECK(format_window(w) ==
        "2024-01-02 03:04:10:000, 3, 190.7349, 95.3674, 2000000, 1000000.0000, 0, 500, 95.3674, 1000000.0000");
}

TEST_CASE("perf-test's timeout warning") {
  CHECK(format_timeout_warning(10000ms) ==
        "WARNING: Exiting before consuming the expected number of messages: timeout (10000 ms) exceeded. You can use "
        "the --timeout option to increase the timeout.");
}

TEST_CASE("detail lines: CPU per record, backend, mode and checksum") {
  const std::string d = format_details(a_run());
  CHECK(d ==
        "client CPU: 41.2 ns/record (user 30.1, sys 11.1)\n"
        "backend: uring, Fetch v17, 1 thread, mode parse, checksum 0123456789abcdef\n");
  FinalStats s = a_run();
  s.threads = 4;
  s.mode = "raw";
  s.backend = "asio";
  s.checksum = 0xab;
  s.fetch_version = -1;
  CHECK(format_details(s).find(
            "backend: asio, Fetch not negotiated, 4 threads, mode raw, checksum 00000000000000ab\n") !=
        std::string::npos);
  FinalStats none;
  CHECK(format_details(none).rfind("client CPU: 0.0 ns/record (user 0.0, sys 0.0)\n", 0) == 0);
}

TEST_CASE("the fault counters appear only when one is not zero") {
  FinalStats s = a_run();
  CHECK(format_details(s).find("faults") == std::string::npos);
  s.leader_changes = 1;
  CHECK(format_details(s).find("faults: 0 corrupt batches and 0 undecodable batches skipped, 1 leader change, "
                               "0 offset resets, 0 fetch session resets\n") != std::string::npos);
  s.corrupt_batches = 1;
  s.undecodable_batches = 2;
  s.leader_changes = 3;
  s.offset_resets = 4;
  s.session_resets = 5;
  s.first_error = "corrupt batch in t-0 at offset 100: CRC mismatch";
  const std::string d = format_details(s);
  CHECK(d.find("faults: 1 corrupt batch and 2 undecodable batches skipped, 3 leader changes, 4 offset resets, "
               "5 fetch session resets\n") != std::string::npos);
  CHECK(d.find("first error: corrupt batch in t-0 at offset 100: CRC mismatch\n") != std::string::npos);
}

TEST_CASE("the security line only for a secured cluster") {
  FinalStats s = a_run();
  CHECK(format_details(s).find("security") == std::string::npos);
  s.security = "";
  CHECK(format_details(s).find("security") == std::string::npos);
  s.security = "SASL_SSL, SCRAM-SHA-512, TLSv1.3 TLS_AES_256_GCM_SHA384";
  CHECK(format_details(s).find("\nsecurity: SASL_SSL, SCRAM-SHA-512, TLSv1.3 TLS_AES_256_GCM_SHA384\n") !=
        std::string::npos);
}

TEST_CASE("an interrupted or timed-out run says so first") {
  FinalStats s = a_run();
  s.interrupted = true;
  CHECK(format_details(s).rfind("interrupted: stopped reading; the figures cover what was read until then.\n", 0) == 0);
  s.interrupted = false;
  s.timed_out = true;
  CHECK(format_details(s).rfind("timed out: no record came for 10000 ms (--timeout).\n", 0) == 0);
}

TEST_CASE("the end-to-end latency line, with 2 decimals") {
  FinalStats s = a_run();
  CHECK(format_details(s).find("end-to-end") == std::string::npos);
  rawkafka::client::LatencySnapshot e;
  e.count = 1000;
  e.avg_ns = 2.5e6;
  e.max_ns = 10'000'000;
  e.p50_ns = 2'000'000;
  e.p95_ns = 5'004'999;
  e.p99_ns = 8'000'000;
  e.p999_ns = 9'500'000;
  s.e2e = e;
  const std::string d = format_details(s);
  const std::string line =
      "end-to-end latency: 1000 records, 2.50 ms avg, 10.00 ms max, 2.00 ms 50th, 5.00 ms 95th, 8.00 ms 99th, "
      "9.50 ms 99.9th.\n";
  CHECK(d.size() >= line.size());
  CHECK(d.substr(d.size() - line.size()) == line);
}

TEST_CASE("--json is one object with the documented members") {
  FinalStats s = a_run();
  s.first_error = "quote \" and \\ and\nnewline";
  s.checksum = 0xfedcba9876543210ull;
  JsonObject j(format_json(s));
  CHECK(j["records"] == "1000000");
  CHECK(j["bytes"] == "100000000");
  CHECK(j["seconds"] == "2.000");
  CHECK(j["fetch_ms"] == "2000");
  CHECK(j["records_per_sec"] == "500000.0");
  CHECK(j["mb_per_sec"] == "47.684");
  CHECK(j["cpu_ns_per_record"] == "41.2");
  CHECK(j["cpu_user_seconds"] == "0.030100");
  CHECK(j["cpu_sys_seconds"] == "0.011100");
  CHECK(j["mode"] == "\"parse\"");
  CHECK(j["backend"] == "\"uring\"");
  CHECK(j["security"] == "\"PLAINTEXT\"");
  CHECK(j["threads"] == "1");
  CHECK(j["fetch_version"] == "17");
  CHECK(j["batches"] == "1000");
  CHECK(j["corrupt_batches"] == "0");
  CHECK(j["undecodable_batches"] == "0");
  CHECK(j["leader_changes"] == "0");
  CHECK(j["offset_resets"] == "0");
  CHECK(j["session_resets"] == "0");
  // 64 bits as 16 hex digits: a JSON number would lose the low bits in most readers.
  CHECK(j["checksum"] == "\"fedcba9876543210\"");
  CHECK(j["first_error"] == "\"quote \\\" and \\\\ and\\nnewline\"");
  CHECK(j["interrupted"] == "false");
  CHECK(j["timed_out"] == "false");
  CHECK(j["e2e"] == "null");
  CHECK(j.members().size() == 25);
}

TEST_CASE("--json: no error is null; e2e is an object of milliseconds") {
  FinalStats s = a_run();
  s.interrupted = true;
  s.timed_out = true;
  rawkafka::client::LatencySnapshot e;
  e.count = 3;
  e.avg_ns = 1.5e6;
  e.max_ns = 4'000'000;
  e.p50_ns = 1'000'000;
  e.p95_ns = 2'000'000;
  e.p99_ns = 3'000'000;
  e.p999_ns = 3'500'000;
  s.e2e = e;
  JsonObject j(format_json(s));
  CHECK(j["first_error"] == "null");
  CHECK(j["interrupted"] == "true");
  CHECK(j["timed_out"] == "true");
  CHECK(j["e2e"] ==
        "{\"count\":3,\"avg_ms\":1.500,\"max_ms\":4.000,\"p50_ms\":1.000,\"p95_ms\":2.000,\"p99_ms\":3.000,"
        "\"p999_ms\":3.500}");
  FinalStats empty;
  JsonObject k(format_json(empty));  // zero time and records: still numbers, never NaN
  CHECK(k["records_per_sec"] == "0.0");
  CHECK(k["cpu_ns_per_record"] == "0.0");
}

TEST_CASE("a run that read what it was asked has no failure sentences") {
  CHECK(failure_sentences(a_run(), 1'000'000).empty());
  CHECK(failure_sentences(a_run(), std::nullopt).empty());
  FinalStats s = a_run();
  s.leader_changes = 2;  // recovered from
  s.first_error = "NOT_LEADER_OR_FOLLOWER for t-0";
  CHECK(failure_sentences(s, 1'000'000).empty());
}

TEST_CASE("batches that could not be read fail the run") {
  FinalStats s = a_run();
  s.corrupt_batches = 1;
  s.first_error = "corrupt batch in t-0 at offset 100: CRC mismatch";
  auto sentences = failure_sentences(s, std::nullopt);
  REQUIRE(sentences.size() == 1);
  CHECK(sentences[0] ==
        "1 batch could not be read (1 corrupt, 0 undecodable) and was skipped; the first: corrupt batch in t-0 at "
        "offset 100: CRC mismatch");
  s.undecodable_batches = 2;
  CHECK(failure_sentences(s, std::nullopt).at(0).rfind(
            "3 batches could not be read (1 corrupt, 2 undecodable) and were skipped; the first: ", 0) == 0);
}

TEST_CASE("fewer records than --messages fails the run, unless it was interrupted") {
  FinalStats s = a_run();
  s.timed_out = true;
  auto sentences = failure_sentences(s, 2'000'000);
  REQUIRE(sentences.size() == 1);
  CHECK(sentences[0] == "read 1000000 of 2000000 records: none came for 10000 ms (--timeout)");
  s.timed_out = false;
  s.first_error = "OFFSET_OUT_OF_RANGE for t-1 at offset 5";
  CHECK(failure_sentences(s, 2'000'000).at(0) ==
        "read 1000000 of 2000000 records; the first error: OFFSET_OUT_OF_RANGE for t-1 at offset 5");
  s.interrupted = true;
  CHECK(failure_sentences(s, 2'000'000).empty());
}

TEST_CASE("--to-end that times out before the end fails the run") {
  FinalStats s = a_run();
  s.timed_out = true;
  auto sentences = failure_sentences(s, std::nullopt);
  REQUIRE(sentences.size() == 1);
  CHECK(sentences[0] ==
        "stopped after 1000000 records before the end of every partition: none came for 10000 ms (--timeout)");
}

TEST_CASE("the end-to-end latency line says so when no record read carried a stamp") {
  rawkafka::rawconsume::FinalStats s;
  s.records = 10;
  s.e2e = rawkafka::client::LatencySnapshot{};
  const std::string details = rawkafka::rawconsume::format_details(s);
  CHECK(details.find("none of the records read carried a rawkafka.sent_ns stamp") != std::string::npos);
  CHECK(details.find("0 records") == std::string::npos);
}
