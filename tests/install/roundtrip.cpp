// Encodes a few Kafka primitives with the installed rawkafka Writer, reads them back with the
// Reader, and checks the CRC-32C check value: exit 0 when everything matches.
#include <rawkafka/protocol/crc32c.hpp>
#include <rawkafka/protocol/wire.hpp>

#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

int main() {
  using namespace rawkafka::protocol;
  std::vector<uint8_t> buffer;
  Writer writer(buffer);
  size_t length_at = writer.reserve(4);
  writer.i16(0);  // ApiKey Produce
  writer.varlong(-1234567890123);
  writer.compact_string("installed rawkafka");
  writer.patch_i32(length_at, int32_t(writer.size() - 4));
  writer.finish();

  Reader reader(Bytes(buffer.data(), buffer.size()));
  int32_t length = reader.i32();
  int16_t api_key = reader.i16();
  int64_t value = reader.varlong();
  std::string_view text = reader.compact_string();
  bool round_trip = writer.ok() && reader.ok() && reader.empty() && length == int32_t(buffer.size() - 4) &&
                    api_key == 0 && value == -1234567890123 && text == "installed rawkafka";

  const std::string_view check = "123456789";
  bool crc = crc32c(reinterpret_cast<const uint8_t*>(check.data()), check.size()) == 0xE3069283u;

  std::printf("round trip %s, crc32c %s\n", round_trip ? "ok" : "FAILED", crc ? "ok" : "FAILED");
  return round_trip && crc ? 0 : 1;
}
