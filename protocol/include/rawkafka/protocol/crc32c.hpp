#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2.
// crc32c() picks the SSE4.2 instruction path at run time when the CPU has it and falls back
// to a portable slicing-by-8 table path otherwise. Both give identical results.

#include <cstddef>
#include <cstdint>
#include <span>

namespace rawkafka::protocol {

// Standard CRC-32C with the usual initial and final inversion: crc32c("123456789") ==
// 0xE3069283. `crc` is a previous result to continue from, so
// crc32c(b, nb, crc32c(a, na)) == crc32c(a ++ b).
uint32_t crc32c(const uint8_t* data, size_t n, uint32_t crc = 0);
inline uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc = 0) {
  return crc32c(data.data(), data.size(), crc);
}

// The portable path, always available (tests and benchmarks compare it with the fast one).
uint32_t crc32c_software(const uint8_t* data, size_t n, uint32_t crc = 0);

// Whether this CPU runs the SSE4.2 path.
bool crc32c_hardware_available();

// The SSE4.2 path. Only call it when crc32c_hardware_available() is true.
uint32_t crc32c_hardware(const uint8_t* data, size_t n, uint32_t crc = 0);

}  // namespace rawkafka::protocol
