// libFuzzer target for the wire Reader: each input byte picks the next primitive to read from
// the rest of the input, so every primitive meets short, overlong and negative encodings.
// Invariants: nothing is read outside the span, a failed reader stays failed and yields
// zero/empty, and the position never passes the end. A second phase writes values decoded
// from the input with Writer and reads them back.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "rawkafka/protocol/wire.hpp"

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
void touch(std::string_view s) { touch(Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size())); }

void read_one(Reader& r, uint8_t op, int depth) {
  switch (op % 28) {
    case 0: r.i8(); break;
    case 1: r.boolean(); break;
    case 2: r.i16(); break;
    case 3: r.i32(); break;
    case 4: r.u32(); break;
    case 5: r.i64(); break;
    case 6: r.f64(); break;
    case 7: r.uuid(); break;
    case 8: r.uvarint(); break;
    case 9: r.uvarlong(); break;
    case 10: r.varint(); break;
    case 11: r.varlong(); break;
    case 12: touch(r.raw(op / 28)); break;
    case 13: r.skip(op / 28); break;
    case 14: touch(r.string()); break;
    case 15: if (auto s = r.nullable_string()) touch(*s); break;
    case 16: touch(r.compact_string()); break;
    case 17: if (auto s = r.compact_nullable_string()) touch(*s); break;
    case 18: touch(r.bytes()); break;
    case 19: if (auto b = r.nullable_bytes()) touch(*b); break;
    case 20: touch(r.compact_bytes()); break;
    case 21: if (auto b = r.compact_nullable_bytes()) touch(*b); break;
    case 22: {
      const int32_t n = r.array_length(op / 28 + 1);
      check(n >= -1);
      if (r.ok() && n > 0) check(size_t(n) * (op / 28 + 1) <= r.remaining());
      break;
    }
    case 23: {
      const int32_t n = r.compact_array_length(op / 28 + 1);
      check(n >= -1);
      if (r.ok() && n > 0) check(size_t(n) * (op / 28 + 1) <= r.remaining());
      break;
    }
    case 24: r.skip_tagged_fields(); break;
    case 25:
      r.tagged_fields([depth](uint32_t, Reader& field) {
        if (depth < 3 && !field.empty()) read_one(field, field.i8() == 0 ? 9 : uint8_t(field.remaining()), depth + 1);
      });
      break;
    case 26: {
      Reader sub = r.sub(op / 28);
      while (depth < 3 && sub.ok() && !sub.empty()) read_one(sub, uint8_t(sub.i8()), depth + 1);
      break;
    }
    default: touch(Bytes(r.current(), r.remaining())); break;
  }
}

void drive_reader(Bytes input) {
  Reader r(input);
  size_t last = 0;
  while (r.ok() && !r.empty()) {
    const uint8_t op = uint8_t(r.i8());
    read_one(r, op, 0);
    check(r.position() <= input.size());
    check(r.position() >= last || !r.ok());
    last = r.position();
  }
  if (!r.ok()) {
    // Sticky failure: everything reads as zero/empty and nothing moves.
    check(r.remaining() == 0);
    check(r.i64() == 0 && r.varint() == 0 && r.raw(1).empty() && !r.nullable_bytes().has_value());
    check(!r.ok());
  }
}

// Writes values taken from the input with Writer, reads them back, and requires equality.
void round_trip(Bytes input) {
  Reader src(input);
  std::vector<uint8_t> out;
  Writer w(out);
  const int64_t a = src.i64();
  const int32_t b = src.i32();
  const uint32_t c = src.u32();
  const int16_t d = src.i16();
  const Bytes e = src.raw(src.remaining() < 40 ? src.remaining() : 40);
  const std::string_view s(reinterpret_cast<const char*>(e.data()), e.size());
  w.varlong(a);
  w.varint(b);
  w.uvarint(c);
  w.uvarlong(uint64_t(a));
  w.i16(d);
  w.compact_string(s);
  w.compact_nullable_bytes(b & 1 ? std::nullopt : std::optional<Bytes>(e));
  w.nullable_string(b & 2 ? std::nullopt : std::optional<std::string_view>(s));
  w.bytes(e);
  w.compact_array_length(d < -1 ? -1 : d);
  w.empty_tagged_fields();
  w.finish();
  check(w.ok());
  Reader r(out.data(), out.size());
  check(r.varlong() == a);
  check(r.varint() == b);
  check(r.uvarint() == c);
  check(r.uvarlong() == uint64_t(a));
  check(r.i16() == d);
  check(r.compact_string() == s);
  auto nb = r.compact_nullable_bytes();
  check(nb.has_value() == !(b & 1));
  auto ns = r.nullable_string();
  check(ns.has_value() == !(b & 2));
  if (ns) check(*ns == s);
  check(r.bytes().size() == e.size());
  check(r.uvarint() == (d < 0 ? 0u : uint32_t(d) + 1));
  r.skip_tagged_fields();
  check(r.ok() && r.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> copy(data, data + size);
  drive_reader(Bytes(copy.data(), copy.size()));
  round_trip(Bytes(copy.data(), copy.size()));
  return 0;
}
