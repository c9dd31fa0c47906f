#include "rawkafka/protocol/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define RAWKAFKA_CRC32C_X86 1
#endif

namespace rawkafka::protocol {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // Castagnoli, reflected

// ---- Portable path: slicing-by-8 ----------------------------------------------------------

using SliceTables = std::array<std::array<uint32_t, 256>, 8>;

constexpr SliceTables make_slice_tables() {
  SliceTables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (size_t k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}
constexpr SliceTables kSlice = make_slice_tables();

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // the host is little-endian (x86-64, aarch64 Linux)
}

// ---- Shifting a CRC register over runs of zero bytes (to combine parallel streams) --------
// In the reflected representation bit 31 is x^0. multmodp(a, b) = a(x)·b(x) mod P(x).

constexpr uint32_t multmodp(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;
  }
  return product;
}

// x^(8n) mod P: the operator that appends n zero bytes to a (non-inverted) CRC register.
constexpr uint32_t x_pow_8n(size_t n) {
  uint32_t result = 1u << 31;  // x^0
  uint32_t square = 1u << 23;  // x^8
  while (n) {
    if (n & 1) result = multmodp(square, result);
    square = multmodp(square, square);
    n >>= 1;
  }
  return result;
}

using ShiftTable = std::array<std::array<uint32_t, 256>, 4>;

// Per byte lane of the register, the shifted value of each byte: shift(c) is then four lookups.
constexpr ShiftTable make_shift_table(size_t zero_bytes) {
  ShiftTable t{};
  const uint32_t op = x_pow_8n(zero_bytes);
  for (uint32_t lane = 0; lane < 4; ++lane) {
    for (uint32_t b = 0; b < 256; ++b) t[lane][b] = multmodp(op, b << (8 * lane));
  }
  return t;
}

[[maybe_unused]] inline uint32_t shift(const ShiftTable& t, uint32_t c) {
  return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

#if RAWKAFKA_CRC32C_X86

// Three independent streams hide the crc32 instruction's 3-cycle latency (one issues per
// cycle): each of three consecutive blocks gets its own register, and the registers are
// joined by shifting over the following block's length.
constexpr size_t kLongBlock = 8192;
constexpr size_t kShortBlock = 256;
constexpr ShiftTable kLongShift = make_shift_table(kLongBlock);
constexpr ShiftTable kShortShift = make_shift_table(kShortBlock);

__attribute__((target("sse4.2"))) inline uint64_t three_way(const uint8_t*& p, size_t& n, uint64_t c,
                                                              size_t block, const ShiftTable& table) {
  while (n >= 3 * block) {
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    const uint8_t* end = p + block;
    do {
      c = _mm_crc32_u64(c, load_le64(p));
      c1 = _mm_crc32_u64(c1, load_le64(p + block));
      c2 = _mm_crc32_u64(c2, load_le64(p + 2 * block));
      p += 8;
    } while (p < end);
    c = shift(table, uint32_t(c)) ^ c1;
    c = shift(table, uint32_t(c)) ^ c2;
    p += 2 * block;
    n -= 3 * block;
  }
  return c;
}

__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(const uint8_t* p, size_t n, uint32_t crc) {
  uint64_t c = uint32_t(~crc);
  if (n >= 3 * kShortBlock) {
    while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
      c = _mm_crc32_u8(uint32_t(c), *p++);
      --n;
    }
    c = three_way(p, n, c, kLongBlock, kLongShift);
    c = three_way(p, n, c, kShortBlock, kShortShift);
  }
  while (n >= 32) {
    c = _mm_crc32_u64(c, load_le64(p));
    c = _mm_crc32_u64(c, load_le64(p + 8));
    c = _mm_crc32_u64(c, load_le64(p + 16));
    c = _mm_crc32_u64(c, load_le64(p + 24));
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    c = _mm_crc32_u64(c, load_le64(p));
    p += 8;
    n -= 8;
  }
  uint32_t c32 = uint32_t(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool detect_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

#endif

using CrcFunction = uint32_t (*)(const uint8_t*, size_t, uint32_t);

CrcFunction choose() {
#if RAWKAFKA_CRC32C_X86
  if (detect_sse42()) return &crc32c_sse42;
#endif
  return &crc32c_software;
}

}  // namespace

uint32_t crc32c_software(const uint8_t* p, size_t n, uint32_t crc) {
  uint32_t c = ~crc;
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
    c = (c >> 8) ^ kSlice[0][(c ^ *p++) & 0xff];
    --n;
  }
  while (n >= 8) {
    const uint64_t w = load_le64(p) ^ c;
    c = kSlice[7][w & 0xff] ^ kSlice[6][(w >> 8) & 0xff] ^ kSlice[5][(w >> 16) & 0xff] ^
        kSlice[4][(w >> 24) & 0xff] ^ kSlice[3][(w >> 32) & 0xff] ^ kSlice[2][(w >> 40) & 0xff] ^
        kSlice[1][(w >> 48) & 0xff] ^ kSlice[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ kSlice[0][(c ^ *p++) & 0xff];
  return ~c;
}

bool crc32c_hardware_available() {
#if RAWKAFKA_CRC32C_X86
  static const bool available = detect_sse42();
  return available;
#else
  return false;
#endif
}

uint32_t crc32c_hardware(const uint8_t* data, size_t n, uint32_t crc) {
#if RAWKAFKA_CRC32C_X86
  return crc32c_sse42(data, n, crc);
#else
  return crc32c_software(data, n, crc);
#endif
}

uint32_t crc32c(const uint8_t* data, size_t n, uint32_t crc) {
  // A function-local static: safe even when called from another translation unit's static
  // initializer; after the first call it costs one predictable branch.
  static const CrcFunction impl = choose();
  return impl(data, n, crc);
}

}  // namespace rawkafka::protocol
