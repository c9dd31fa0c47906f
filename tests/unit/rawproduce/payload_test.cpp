// Payload pools: json-logs records are valid JSON of about 125 bytes; random and file pools.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "integration.hpp"
#include "payload.hpp"

using rawkafka::rawproduce::PayloadPool;

namespace {
std::string text(std::span<const uint8_t> b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }
}  // namespace

TEST_CASE("json-logs records look like the seeds' log records and average about 125 bytes") {
  PayloadPool pool = PayloadPool::json_logs(65536);
  CHECK(pool.size() == 65536);
  CHECK(pool.average_size() > 115);
  CHECK(pool.average_size() < 135);
  std::set<std::string> levels;
  for (size_t i = 0; i < pool.size(); ++i) {
    std::string r = text(pool.record(i));
    REQUIRE(r.size() > 80);
    REQUIRE(r.size() < 200);
    REQUIRE(r.rfind("{\"Timestamp\":\"", 0) == 0);
    REQUIRE(r.find("\",\"Level\":\"") != std::string::npos);
    REQUIRE(r.find("\",\"Message\":\"") != std::string::npos);
    REQUIRE(r.find("\",\"ResourceID\":\"resource-") != std::string::npos);
    size_t l = r.find("\"Level\":\"") + 9;
    levels.insert(r.substr(l, r.find('"', l) - l));
  }
  CHECK(levels == std::set<std::string>{"DEBUG", "ERROR", "INFO", "WARN"});
  CHECK(pool.memory_bytes() < 16u << 20);
  // The pool cycles: record i and i + size are the same bytes.
  CHECK(text(pool.record(3)) == text(pool.record(3 + pool.size())));
}

TEST_CASE("json-logs records parse as JSON objects with the four fields (python's json module)") {
  PayloadPool pool = PayloadPool::json_logs(2000);
  namespace fs = std::filesystem;
  fs::path file = fs::temp_directory_path() / ("rawproduce-json-" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(file);
    for (size_t i = 0; i < pool.size(); ++i) out << text(pool.record(i)) << "\n";
  }
  const std::string script =
      "import json,sys\n"
      "n=0\n"
      "for line in open(sys.argv[1]):\n"
      "  o=json.loads(line)\n"
      "  assert sorted(o)==['Level','Message','ResourceID','Timestamp'], o\n"
      "  assert o['Level'] in ('INFO','WARN','ERROR','DEBUG')\n"
      "  assert o['Timestamp'].endswith('Z') and o['Timestamp'][4]=='-'\n"
      "  n+=1\n"
      "print(n)\n";
  auto r = rawkafka::testing::run_command("python3 -c " + rawkafka::testing::shell_quote(script) + " " +
                                              rawkafka::testing::shell_quote(file.string()),
                                          true);
  fs::remove(file);
  CHECK(r.exit_code == 0);
  CHECK(r.output == "2000\n");
}

TEST_CASE("random records have the asked size and differ") {
  PayloadPool pool = PayloadPool::random(100, 1000);
  CHECK(pool.size() == 1000);
  std::set<std::string> distinct;
  for (size_t i = 0; i < pool.size(); ++i) {
    auto r = pool.record(i);
    REQUIRE(r.size() == 100);
    for (uint8_t c : r) REQUIRE((c >= 'A' && c <= 'Z'));
    distinct.insert(text(r));
  }
  CHECK(distinct.size() > 990);
  // Consecutive windows of one buffer: the run reads them as a stream.
  CHECK(pool.record(1).data() == pool.record(0).data() + 100);
  // A big record does not make the pool big.
  PayloadPool big = PayloadPool::random(2 << 20, 65536);
  CHECK(big.record(12345).size() == size_t(2 << 20));
  CHECK(big.memory_bytes() < 8u << 20);
}

TEST_CASE("a payload cursor walks i, i + step, ... as record() does, cycling") {
  PayloadPool pool = PayloadPool::random(10, 7);
  rawkafka::rawproduce::PayloadCursor cursor(pool, 5, 3);
  for (uint64_t n = 0; n < 30; ++n) {
    REQUIRE(cursor.record().data() == pool.record(5 + 3 * n).data());
    cursor.advance();
  }
}

TEST_CASE("file payloads split on the delimiter and skip empty records") {
  PayloadPool pool = PayloadPool::from_text("a\nbb\n\nccc\n", "\n");
  REQUIRE(pool.size() == 3);
  CHECK(text(pool.record(0)) == "a");
  CHECK(text(pool.record(1)) == "bb");
  CHECK(text(pool.record(2)) == "ccc");
  CHECK(text(PayloadPool::from_text("x||y", "||").record(1)) == "y");
  CHECK_THROWS(PayloadPool::from_text("\n\n", "\n"));
}

TEST_CASE("a payload file that cannot serve says why, naming the file") {
  using rawkafka::rawproduce::PayloadFileError;
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("rawproduce-payload-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string d = dir.string();
  CHECK_THROWS_WITH_AS(PayloadPool::from_file(d, "\n"), (d + ": is a directory, not a file").c_str(),
                       PayloadFileError);
  CHECK_THROWS_WITH_AS(PayloadPool::from_file(d + "/missing", "\n"), (d + "/missing: no such file").c_str(),
                       PayloadFileError);
  CHECK_THROWS_WITH_AS(PayloadPool::from_file("/nonexistent/payload", "\n"), "/nonexistent/payload: no such file",
                       PayloadFileError);
  std::ofstream(dir / "empty").close();
  CHECK_THROWS_WITH_AS(PayloadPool::from_file(d + "/empty", "\n"), (d + "/empty: holds no records (the file is empty)").c_str(),
                       PayloadFileError);
  std::ofstream(dir / "blank") << "\n\n\n";
  CHECK_THROWS_WITH_AS(PayloadPool::from_file(d + "/blank", "\n"),
                       (d + "/blank: holds no records (only delimiters)").c_str(), PayloadFileError);
  std::ofstream(dir / "two") << "a\nbb";
  CHECK(PayloadPool::from_file(d + "/two", "\n").size() == 2);
  fs::remove_all(dir);
}
