// The seed corpus of the protocol fuzz targets comes from here: with RAWKAFKA_WRITE_FUZZ_CORPUS
// set to the source root, this test (re)writes tests/fuzz/corpus/{fuzz_record_batch,
// fuzz_wire_reader}/. Always, it checks that the committed record-batch seeds still parse.

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "batch_test_support.hpp"
#include "rawkafka/protocol/record_batch.hpp"
#include "rawkafka/protocol/wire.hpp"

using namespace rawkafka::protocol;
using namespace rawkafka::protocol::test;
namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> batch(std::initializer_list<std::pair<const char*, const char*>> kvs, const FinishOptions& o = {},
                           std::span<const RecordHeader> headers = {}) {
  std::vector<uint8_t> buffer(4096);
  RecordBatchWriter w;
  w.reset(buffer, 1700000000000);
  int64_t ts = 1700000000000;
  for (auto [k, v] : kvs) {
    std::optional<Bytes> key;
    if (k) key = as_bytes(k);
    std::optional<Bytes> value;
    if (v) value = as_bytes(v);
    REQUIRE(w.append(ts++, key, value, headers));
  }
  FinishResult f = w.finish(o);
  REQUIRE(f.ok());
  return {f.batch.begin(), f.batch.end()};
}

std::vector<std::pair<std::string, std::vector<uint8_t>>> record_batch_seeds() {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> seeds;
  seeds.emplace_back("one_record", batch({{"k", "hello"}}));
  seeds.emplace_back("null_key_empty_value", batch({{nullptr, ""}, {"", nullptr}}));
  const RecordHeader hs[] = {{"trace", as_bytes("abc")}, {"n", std::nullopt}};
  seeds.emplace_back("headers", batch({{"a", "1"}, {"b", "2"}}, {}, hs));
  FinishOptions idem;
  idem.producer_id = 42;
  idem.producer_epoch = 1;
  idem.base_sequence = 7;
  idem.transactional = true;
  seeds.emplace_back("transactional", batch({{"x", "y"}}, idem));
  std::vector<uint8_t> three;
  for (int i = 0; i < 3; ++i) {
    auto b = batch({{"k", "v"}, {nullptr, "w"}});
    detail::store_be64(b.data(), uint64_t(i * 2));
    three.insert(three.end(), b.begin(), b.end());
  }
  auto tail = batch({{"partial", "batch at the end"}});
  three.insert(three.end(), tail.begin(), tail.begin() + 40);
  seeds.emplace_back("three_batches_and_partial", three);
  CopyCodec codec(CompressionType::lz4);
  std::vector<uint8_t> out(4096);
  FinishOptions compressed;
  compressed.codec = &codec;
  compressed.compression_buffer = out;
  seeds.emplace_back("compressed_lz4", batch({{"c", "compressed"}}, compressed));
  auto legacy = batch({{"k", "v"}});
  legacy[kMagicOffset] = 1;
  seeds.emplace_back("legacy_magic1", legacy);
  return seeds;
}

std::vector<std::pair<std::string, std::vector<uint8_t>>> wire_reader_seeds() {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> seeds;
  auto make = [&](const char* name, auto&& fill) {
    std::vector<uint8_t> out;
    Writer w(out);
    fill(w);
    w.finish();
    seeds.emplace_back(name, out);
  };
  // Each read is preceded by its op byte (see fuzz_wire_reader.cpp: op % 28 picks the primitive).
  make("ints", [](Writer& w) { w.i8(3); w.i32(-5); w.i8(5); w.i64(1LL << 40); w.i8(10); w.varint(-300); w.i8(11); w.varlong(-(1LL << 50)); });
  make("strings", [](Writer& w) { w.i8(14); w.string("topic"); w.i8(15); w.nullable_string(std::nullopt); w.i8(16); w.compact_string("compact"); w.i8(17); w.compact_nullable_string("x"); });
  make("bytes", [](Writer& w) { w.i8(18); w.bytes(as_bytes("abc")); w.i8(19); w.nullable_bytes(std::nullopt); w.i8(20); w.compact_bytes(as_bytes("zz")); w.i8(21); w.compact_nullable_bytes(std::nullopt); });
  make("arrays_and_tags", [](Writer& w) { w.i8(22); w.array_length(2); w.i8(23); w.compact_array_length(3); w.i8(24); w.uvarint(1); w.uvarint(0); w.uvarint(2); w.i16(7); w.i8(25); w.uvarint(1); w.uvarint(5); w.uvarint(3); w.i32(9); });
  make("sub_and_uuid", [](Writer& w) { w.i8(7); w.uuid(Uuid{}); w.i8(int8_t(uint8_t(26 + 28 * 4))); w.i8(3); w.i8(0); w.i8(0); w.i8(0); });
  return seeds;
}

void write_dir(const fs::path& dir, const std::vector<std::pair<std::string, std::vector<uint8_t>>>& seeds) {
  fs::create_directories(dir);
  for (auto& [name, bytes] : seeds) {
    std::ofstream out(dir / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
}

}  // namespace

TEST_CASE("fuzz seed corpus: generated on request, committed seeds still parse") {
  if (const char* root = std::getenv("RAWKAFKA_WRITE_FUZZ_CORPUS")) {
    write_dir(fs::path(root) / "tests/fuzz/corpus/fuzz_record_batch", record_batch_seeds());
    write_dir(fs::path(root) / "tests/fuzz/corpus/fuzz_wire_reader", wire_reader_seeds());
  }
  const fs::path dir = fs::path(RAWKAFKA_SOURCE_ROOT) / "tests/fuzz/corpus/fuzz_record_batch";
  if (!fs::exists(dir)) {
    MESSAGE("no committed corpus at " << dir.string());
    return;
  }
  for (const auto& seed : record_batch_seeds()) {
    const std::string& name = seed.first;
    const std::vector<uint8_t>& expected = seed.second;
    CAPTURE(name);
    std::ifstream in(dir / name, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(bytes == expected);  // the committed seed is what the generator makes today
    RecordBatchIterator it(bytes);
    RecordBatchView view;
    int n = 0;
    while (it.next(view)) ++n;
    if (name == "legacy_magic1") {
      CHECK(it.result().status == ReadStatus::unsupported);
    } else {
      CHECK(it.result().ok());
      CHECK(n >= 1);
    }
  }
}
