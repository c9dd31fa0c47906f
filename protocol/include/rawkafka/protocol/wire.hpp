#pragma once
// Kafka wire primitives: an append-only Writer over a caller-owned buffer and a Reader over a
// span with a sticky failure flag. See the protocol guide's "Protocol Primitive Types".

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace rawkafka::protocol {

using Bytes = std::span<const uint8_t>;

struct Uuid {
  std::array<uint8_t, 16> bytes{};
  friend bool operator==(const Uuid&, const Uuid&) = default;
  bool is_zero() const { return *this == Uuid{}; }
};

namespace detail {
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}
inline uint16_t load_be16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t load_be64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
constexpr uint32_t zigzag32(int32_t v) { return (uint32_t(v) << 1) ^ uint32_t(v >> 31); }
constexpr uint64_t zigzag64(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
constexpr int32_t unzigzag32(uint32_t v) { return int32_t(v >> 1) ^ -int32_t(v & 1); }
constexpr int64_t unzigzag64(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }
}  // namespace detail

// Bytes an unsigned varint takes on the wire.
constexpr size_t uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
constexpr size_t varint_size(int32_t v) { return uvarint_size(detail::zigzag32(v)); }
constexpr size_t varlong_size(int64_t v) { return uvarint_size(detail::zigzag64(v)); }

// Appends encoded fields to a caller-owned buffer. Two modes:
//  - fixed: a span; writing past its end sets a sticky overflow flag and writes nothing more;
//  - growable: a std::vector the Writer resizes as needed (for requests of unknown size).
// Fixed-size fields can be reserved now and patched later (lengths, counts, CRC).
class Writer {
 public:
  Writer() = default;
  Writer(uint8_t* data, size_t capacity) : data_(data), capacity_(capacity) {}
  explicit Writer(std::span<uint8_t> buffer) : Writer(buffer.data(), buffer.size()) {}
  // Appends after what `buffer` already holds; the vector's size tracks what was written
  // once finish() is called (the vector may hold spare capacity before that).
  explicit Writer(std::vector<uint8_t>& buffer)
      : data_(buffer.data()), size_(buffer.size()), capacity_(buffer.size()), growable_(&buffer) {}

  bool ok() const { return !overflow_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  Bytes written() const { return {data_, size_}; }
  // For the growable mode: trims the vector to what was written.
  void finish() {
    if (growable_) growable_->resize(size_);
  }

  void i8(int8_t v) {
    if (uint8_t* p = take(1)) *p = uint8_t(v);
  }
  void boolean(bool v) { i8(v ? 1 : 0); }
  void i16(int16_t v) {
    if (uint8_t* p = take(2)) detail::store_be16(p, uint16_t(v));
  }
  void i32(int32_t v) {
    if (uint8_t* p = take(4)) detail::store_be32(p, uint32_t(v));
  }
  void u32(uint32_t v) {
    if (uint8_t* p = take(4)) detail::store_be32(p, v);
  }
  void i64(int64_t v) {
    if (uint8_t* p = take(8)) detail::store_be64(p, uint64_t(v));
  }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    i64(int64_t(bits));
  }
  void uuid(const Uuid& v) { raw(v.bytes.data(), v.bytes.size()); }

  void uvarint(uint32_t v) { uvarlong(v); }
  void uvarlong(uint64_t v) {
    uint8_t* p = take(uvarint_size(v));
    if (!p) return;
    while (v >= 0x80) {
      *p++ = uint8_t(v | 0x80);
      v >>= 7;
    }
    *p = uint8_t(v);
  }
  void varint(int32_t v) { uvarlong(detail::zigzag32(v)); }
  void varlong(int64_t v) { uvarlong(detail::zigzag64(v)); }

  void raw(const void* src, size_t n) {
    if (n == 0) return;
    if (uint8_t* p = take(n)) std::memcpy(p, src, n);
  }
  void raw(Bytes b) { raw(b.data(), b.size()); }

  // STRING / NULLABLE_STRING: int16 length (-1 = null).
  void string(std::string_view s) {
    i16(int16_t(s.size()));
    raw(s.data(), s.size());
  }
  void nullable_string(std::optional<std::string_view> s) {
    if (!s) return i16(-1);
    string(*s);
  }
  // COMPACT_STRING / COMPACT_NULLABLE_STRING: uvarint length + 1 (0 = null).
  void compact_string(std::string_view s) {
    uvarint(uint32_t(s.size() + 1));
    raw(s.data(), s.size());
  }
  void compact_nullable_string(std::optional<std::string_view> s) {
    if (!s) return uvarint(0);
    compact_string(*s);
  }
  // BYTES / NULLABLE_BYTES: int32 length (-1 = null).
  void bytes(Bytes b) {
    i32(int32_t(b.size()));
    raw(b);
  }
  void nullable_bytes(std::optional<Bytes> b) {
    if (!b) return i32(-1);
    bytes(*b);
  }
  void compact_bytes(Bytes b) {
    uvarint(uint32_t(b.size() + 1));
    raw(b);
  }
  void compact_nullable_bytes(std::optional<Bytes> b) {
    if (!b) return uvarint(0);
    compact_bytes(*b);
  }
  // ARRAY: int32 count (-1 = null). COMPACT_ARRAY: uvarint count + 1 (0 = null).
  void array_length(int32_t n) { i32(n); }
  void compact_array_length(int32_t n) { uvarint(n < 0 ? 0 : uint32_t(n) + 1); }
  // Flexible versions end every struct with a tagged-field section; we never write tags.
  void empty_tagged_fields() { uvarint(0); }

  // Reserves n bytes at the current position and returns their offset for a later patch.
  size_t reserve(size_t n) {
    size_t at = size_;
    take(n);
    return at;
  }
  void patch_i8(size_t at, int8_t v) {
    if (fits(at, 1)) data_[at] = uint8_t(v);
  }
  void patch_i16(size_t at, int16_t v) {
    if (fits(at, 2)) detail::store_be16(data_ + at, uint16_t(v));
  }
  void patch_i32(size_t at, int32_t v) {
    if (fits(at, 4)) detail::store_be32(data_ + at, uint32_t(v));
  }
  void patch_u32(size_t at, uint32_t v) {
    if (fits(at, 4)) detail::store_be32(data_ + at, v);
  }
  void patch_i64(size_t at, int64_t v) {
    if (fits(at, 8)) detail::store_be64(data_ + at, uint64_t(v));
  }

  // Returns a pointer to n writable bytes and advances, or nullptr once the buffer is full.
  uint8_t* take(size_t n) {
    if (__builtin_expect(size_ + n > capacity_, 0)) {
      if (!grow(n)) return nullptr;
    }
    uint8_t* p = data_ + size_;
    size_ += n;
    return p;
  }

 private:
  bool fits(size_t at, size_t n) const { return !overflow_ && at + n <= size_; }
  bool grow(size_t n) {
    if (overflow_) return false;
    if (!growable_) {
      overflow_ = true;
      return false;
    }
    size_t want = size_ + n;
    size_t cap = capacity_ < 256 ? 256 : capacity_;
    while (cap < want) cap *= 2;
    growable_->resize(cap);
    data_ = growable_->data();
    capacity_ = cap;
    return true;
  }

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  std::vector<uint8_t>* growable_ = nullptr;
  bool overflow_ = false;
};

// Reads fields from a span. Any short or malformed read sets a sticky failure flag: every later
// read returns zero/empty and nothing outside the span is touched. Check ok() once at the end.
class Reader {
 public:
  Reader() = default;
  explicit Reader(Bytes data) : data_(data.data()), size_(data.size()) {}
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool ok() const { return !failed_; }
  void fail() {
    failed_ = true;
    pos_ = size_;
  }
  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  bool empty() const { return pos_ == size_; }
  const uint8_t* current() const { return data_ + pos_; }

  int8_t i8() {
    const uint8_t* p = take(1);
    return p ? int8_t(*p) : 0;
  }
  bool boolean() { return i8() != 0; }
  int16_t i16() {
    const uint8_t* p = take(2);
    return p ? int16_t(detail::load_be16(p)) : 0;
  }
  int32_t i32() {
    const uint8_t* p = take(4);
    return p ? int32_t(detail::load_be32(p)) : 0;
  }
  uint32_t u32() {
    const uint8_t* p = take(4);
    return p ? detail::load_be32(p) : 0;
  }
  int64_t i64() {
    const uint8_t* p = take(8);
    return p ? int64_t(detail::load_be64(p)) : 0;
  }
  double f64() {
    uint64_t bits = uint64_t(i64());
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  Uuid uuid() {
    Uuid u;
    if (const uint8_t* p = take(16)) std::memcpy(u.bytes.data(), p, 16);
    return u;
  }

  uint64_t uvarlong() { return read_uvar(10); }
  uint32_t uvarint() {
    uint64_t v = read_uvar(5);
    if (v > 0xffffffffu) {
      fail();
      return 0;
    }
    return uint32_t(v);
  }
  int32_t varint() { return detail::unzigzag32(uvarint()); }
  int64_t varlong() { return detail::unzigzag64(uvarlong()); }

  Bytes raw(size_t n) {
    const uint8_t* p = take(n);
    return p ? Bytes{p, n} : Bytes{};
  }
  void skip(size_t n) { take(n); }

  std::string_view string() {
    int16_t n = i16();
    if (n < 0) {
      fail();
      return {};
    }
    return as_view(raw(size_t(n)));
  }
  std::optional<std::string_view> nullable_string() {
    int16_t n = i16();
    if (n < -1) fail();
    if (n < 0 || failed_) return std::nullopt;
    return as_view(raw(size_t(n)));
  }
  std::string_view compact_string() {
    uint32_t n = uvarint();
    if (n == 0) {
      fail();
      return {};
    }
    return as_view(raw(n - 1));
  }
  std::optional<std::string_view> compact_nullable_string() {
    uint32_t n = uvarint();
    if (n == 0 || failed_) return std::nullopt;
    return as_view(raw(n - 1));
  }
  Bytes bytes() {
    int32_t n = i32();
    if (n < 0) {
      fail();
      return {};
    }
    return raw(size_t(n));
  }
  std::optional<Bytes> nullable_bytes() {
    int32_t n = i32();
    if (n < -1) fail();
    if (n < 0 || failed_) return std::nullopt;
    return raw(size_t(n));
  }
  Bytes compact_bytes() {
    uint32_t n = uvarint();
    if (n == 0) {
      fail();
      return {};
    }
    return raw(n - 1);
  }
  std::optional<Bytes> compact_nullable_bytes() {
    uint32_t n = uvarint();
    if (n == 0 || failed_) return std::nullopt;
    return raw(n - 1);
  }

  // Array counts: -1 means null. A count that cannot fit in the bytes left (at least
  // min_element_size each) fails the reader, so callers may reserve() by it safely.
  int32_t array_length(size_t min_element_size = 1) {
    int32_t n = i32();
    return checked_count(n, min_element_size);
  }
  int32_t compact_array_length(size_t min_element_size = 1) {
    uint32_t n = uvarint();
    if (failed_) return 0;
    if (n == 0) return -1;
    if (n - 1 > 0x7fffffffu) {
      fail();
      return 0;
    }
    return checked_count(int32_t(n - 1), min_element_size);
  }

  // Skips a tagged-field section (unknown tags are skipped by length).
  void skip_tagged_fields() {
    tagged_fields([](uint32_t, Reader&) {});
  }
  // Calls on_tag(tag, reader_over_that_field) for each tagged field; fields it does not
  // consume fully are skipped.
  template <class OnTag>
  void tagged_fields(OnTag&& on_tag) {
    uint32_t count = uvarint();
    for (uint32_t i = 0; i < count && !failed_; ++i) {
      uint32_t tag = uvarint();
      uint32_t size = uvarint();
      Bytes field = raw(size);
      if (failed_) return;
      Reader sub(field);
      on_tag(tag, sub);
    }
  }

  // A reader over the next n bytes; this reader advances past them.
  Reader sub(size_t n) {
    Bytes b = raw(n);
    Reader r(b);
    if (failed_) r.fail();
    return r;
  }

  const uint8_t* take(size_t n) {
    if (__builtin_expect(n > size_ - pos_, 0)) {
      fail();
      return nullptr;
    }
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }

 private:
  static std::string_view as_view(Bytes b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  int32_t checked_count(int32_t n, size_t min_element_size) {
    if (failed_) return 0;
    if (n < -1) {
      fail();
      return 0;
    }
    if (n > 0 && size_t(n) * (min_element_size ? min_element_size : 1) > remaining()) {
      fail();
      return 0;
    }
    return n;
  }
  uint64_t read_uvar(int max_bytes) {
    uint64_t v = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (pos_ >= size_) {
        fail();
        return 0;
      }
      uint8_t b = data_[pos_++];
      v |= uint64_t(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) return v;
    }
    fail();  // overlong varint
    return 0;
  }

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace rawkafka::protocol
