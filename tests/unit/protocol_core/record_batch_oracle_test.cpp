// Checks our RecordBatch v2 encoding against franz-go's kmsg (tests/oracle/recordbatch), an
// independent implementation: our reader must parse its batches, and our writer given the same
// records must produce the same bytes.

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "batch_test_support.hpp"
#include "rawkafka/protocol/record_batch.hpp"
#include "rawkafka/protocol/wire.hpp"

using namespace rawkafka::protocol;
using namespace rawkafka::protocol::test;

namespace {

struct OracleHeader {
  Bytes key;
  std::optional<Bytes> value;
};
struct OracleRecord {
  int64_t timestamp = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  std::vector<OracleHeader> headers;
};
struct OracleCase {
  int64_t producer_id = 0;
  int16_t producer_epoch = 0;
  int32_t base_sequence = 0;
  int32_t leader_epoch = 0;
  bool transactional = false;
  int64_t base_timestamp = 0;
  std::vector<OracleRecord> records;
  Bytes batch;
};

bool have_go() { return std::system("command -v go >/dev/null 2>&1") == 0; }

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<OracleCase> parse_fixtures(const std::vector<uint8_t>& file) {
  Reader r(file.data(), file.size());
  std::vector<OracleCase> cases(size_t(r.array_length(8)));
  for (OracleCase& c : cases) {
    c.producer_id = r.i64();
    c.producer_epoch = r.i16();
    c.base_sequence = r.i32();
    c.leader_epoch = r.i32();
    c.transactional = r.i8() != 0;
    c.base_timestamp = r.i64();
    c.records.resize(size_t(r.array_length(16)));
    for (OracleRecord& rec : c.records) {
      rec.timestamp = r.i64();
      rec.key = r.nullable_bytes();
      rec.value = r.nullable_bytes();
      rec.headers.resize(size_t(r.array_length(8)));
      for (OracleHeader& h : rec.headers) {
        h.key = r.bytes();
        h.value = r.nullable_bytes();
      }
    }
    c.batch = r.bytes();
  }
  REQUIRE(r.ok());
  REQUIRE(r.empty());
  return cases;
}

bool same(const std::optional<Bytes>& a, const std::optional<Bytes>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || as_string(*a) == as_string(*b);
}

}  // namespace

TEST_CASE("batches encoded by franz-go's kmsg parse, and our writer reproduces their bytes") {
  if (!have_go()) {
    MESSAGE("SKIPPED: `go` is not installed; the franz-go oracle cannot run");
    return;
  }
  const std::string src = RAWKAFKA_RECORDBATCH_ORACLE_DIR;
  const std::string build = RAWKAFKA_RECORDBATCH_ORACLE_BUILD_DIR;
  const std::string exe = build + "/recordbatch-oracle";
  const std::string fixtures = build + "/recordbatch-fixtures.bin";
  const std::string cmd = "cd " + shell_quote(src) + " && GOFLAGS=-mod=mod go build -o " + shell_quote(exe) +
                          " . && " + shell_quote(exe) + " " + shell_quote(fixtures);
  INFO("oracle command: " << cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);

  std::ifstream in(fixtures, std::ios::binary);
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<OracleCase> cases = parse_fixtures(file);
  REQUIRE(cases.size() >= 5);

  std::vector<uint8_t> buffer(1 << 20);
  std::vector<uint8_t> scratch;
  for (size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    const OracleCase& c = cases[i];

    // Our reader parses kmsg's batch.
    RecordBatchView view;
    ReadResult pr = view.parse(c.batch);
    REQUIRE(pr.ok());
    CHECK(view.size() == c.batch.size());
    CHECK(view.producer_id() == c.producer_id);
    CHECK(view.producer_epoch() == c.producer_epoch);
    CHECK(view.base_sequence() == c.base_sequence);
    CHECK(view.partition_leader_epoch() == c.leader_epoch);
    CHECK(view.is_transactional() == c.transactional);
    CHECK(view.base_timestamp() == c.base_timestamp);
    CHECK(view.record_count() == int32_t(c.records.size()));
    RecordBatchReader reader;
    REQUIRE(reader.open(view, nullptr, scratch).ok());
    RecordView rec;
    size_t n = 0;
    while (reader.next(rec)) {
      REQUIRE(n < c.records.size());
      const OracleRecord& want = c.records[n];
      CHECK(rec.offset == int64_t(n));
      CHECK(rec.timestamp == want.timestamp);
      CHECK(same(rec.key, want.key));
      CHECK(same(rec.value, want.value));
      REQUIRE(rec.header_count == want.headers.size());
      RecordHeaderIterator it(rec);
      RecordHeader h;
      size_t k = 0;
      while (it.next(h)) {
        CHECK(std::string(h.key) == as_string(want.headers[k].key));
        CHECK(same(h.value, want.headers[k].value));
        ++k;
      }
      CHECK(k == want.headers.size());
      ++n;
    }
    CHECK(reader.result().ok());
    CHECK(n == c.records.size());

    // Our writer, given the same inputs, produces the same bytes.
    RecordBatchWriter w;
    REQUIRE(w.reset(buffer, c.base_timestamp));
    std::vector<RecordHeader> hs;
    for (const OracleRecord& r : c.records) {
      hs.clear();
      for (const OracleHeader& h : r.headers) hs.push_back({std::string_view(reinterpret_cast<const char*>(h.key.data()), h.key.size()), h.value});
      REQUIRE(w.append(r.timestamp, r.key, r.value, hs));
    }
    FinishOptions o;
    o.producer_id = c.producer_id;
    o.producer_epoch = c.producer_epoch;
    o.base_sequence = c.base_sequence;
    o.partition_leader_epoch = c.leader_epoch;
    o.transactional = c.transactional;
    FinishResult f = w.finish(o);
    REQUIRE(f.ok());
    CHECK(as_string(f.batch) == as_string(c.batch));
  }
}
