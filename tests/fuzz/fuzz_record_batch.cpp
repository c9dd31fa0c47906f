// libFuzzer target: the input is a Fetch `records` blob. Every batch is parsed and every
// record and header walked; compressed batches have no codec here and must report
// "unsupported" cleanly. Then the input is also used as record material for the writer, and
// the finished batch must read back exactly (sizes, keys, values, headers).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "rawkafka/protocol/record_batch.hpp"

using namespace rawkafka::protocol;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

volatile uint8_t sink;

void touch(Bytes b) {
  uint8_t x = 0;
  for (uint8_t c : b) x ^= c;
  sink = x;
}

void parse_all(Bytes input) {
  RecordBatchIterator batches(input);
  RecordBatchView batch;
  std::vector<uint8_t> scratch;
  while (batches.next(batch)) {
    check(batch.size() >= kRecordBatchHeaderSize && batch.size() <= input.size());
    RecordBatchReader reader;
    ReadResult opened = reader.open(batch, nullptr, scratch);
    if (batch.is_compressed()) check(opened.status == ReadStatus::unsupported);
    if (!opened.ok()) continue;
    RecordView rec;
    int32_t n = 0;
    while (reader.next(rec)) {
      ++n;
      if (rec.key) touch(*rec.key);
      if (rec.value) touch(*rec.value);
      RecordHeaderIterator headers(rec);
      RecordHeader h;
      uint32_t count = 0;
      while (headers.next(h)) {
        ++count;
        touch(Bytes(reinterpret_cast<const uint8_t*>(h.key.data()), h.key.size()));
        if (h.value) touch(*h.value);
      }
      check(count == rec.header_count);  // headers were validated with the record
    }
    check(n <= batch.record_count());
    if (reader.result().ok()) check(n == batch.record_count());
  }
  check(batches.position() <= input.size());
  if (batches.result().ok() && !batches.partial()) check(batches.position() == input.size());
}

// Slices the input into records: each byte of a small control prefix says how long the next
// key / value / header pieces are.
void write_and_read_back(Bytes input) {
  if (input.size() < 4) return;
  struct Piece {
    int64_t ts;
    std::optional<Bytes> key, value;
    std::vector<RecordHeader> headers;
  };
  std::vector<Piece> pieces;
  size_t pos = 0;
  auto take = [&](size_t n) {
    n = n < input.size() - pos ? n : input.size() - pos;
    Bytes b = input.subspan(pos, n);
    pos += n;
    return b;
  };
  while (pos < input.size() && pieces.size() < 64) {
    const uint8_t c = input[pos++];
    Piece p;
    p.ts = int64_t(c & 0x0f) << ((c >> 4) * 3);
    if (c & 0x10) p.key = take(c & 0x07);
    if (!(c & 0x20)) p.value = take(size_t(c) * 3);
    for (int h = (c >> 6); h > 0; --h) {
      Bytes k = take(c & 3);
      p.headers.push_back({std::string_view(reinterpret_cast<const char*>(k.data()), k.size()),
                           (c & 1) ? std::optional<Bytes>(take(5)) : std::nullopt});
    }
    pieces.push_back(std::move(p));
  }
  std::vector<uint8_t> buffer(kRecordBatchHeaderSize + input.size() * 2 + pieces.size() * 40);
  RecordBatchWriter w;
  check(w.reset(buffer, 1000));
  for (const Piece& p : pieces) {
    const size_t before = w.size();
    const size_t want = w.record_wire_size(1000 + p.ts, p.key, p.value, p.headers);
    check(w.append(1000 + p.ts, p.key, p.value, p.headers));
    check(w.size() - before == want);
  }
  FinishResult f = w.finish();
  check(f.ok() == !pieces.empty());
  if (!f.ok()) return;
  RecordBatchView view;
  check(view.parse(f.batch).ok());
  std::vector<uint8_t> scratch;
  RecordBatchReader reader;
  check(reader.open(view, nullptr, scratch).ok());
  RecordView rec;
  size_t i = 0;
  while (reader.next(rec)) {
    const Piece& p = pieces[i];
    check(rec.timestamp == 1000 + p.ts && rec.offset == int64_t(i));
    check(rec.key.has_value() == p.key.has_value() && rec.value.has_value() == p.value.has_value());
    if (p.key) check(rec.key->size() == p.key->size() && std::equal(p.key->begin(), p.key->end(), rec.key->begin()));
    if (p.value) check(rec.value->size() == p.value->size());
    check(rec.header_count == p.headers.size());
    ++i;
  }
  check(reader.result().ok() && i == pieces.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy so that any read past the end is an ASan report.
  std::vector<uint8_t> copy(data, data + size);
  parse_all(Bytes(copy.data(), copy.size()));
  write_and_read_back(Bytes(copy.data(), copy.size()));
  return 0;
}
