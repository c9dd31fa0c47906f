#pragma once
// How a record travels through an SpscByteRing from an application thread to the core that
// owns its partition: a fixed header, then key, value and headers, copied once.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

#include "rawkafka/protocol/record_batch.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::client::detail {

struct RecordEntryHeader {
  uint32_t topic_index = 0;
  int32_t partition = -1;
  int32_t key_size = -1;    // -1: null key
  int32_t value_size = -1;  // -1: null value
  uint32_t header_count = 0;
  uint32_t headers_size = 0;  // encoded headers bytes
  int64_t timestamp_ms = 0;
  int64_t enqueue_ns = 0;
  uint64_t user_token = 0;
};

// Headers are stored as [u32 key size][key][i32 value size (-1 null)][value]...
inline size_t encoded_headers_size(std::span<const protocol::RecordHeader> headers) {
  size_t n = 0;
  for (const auto& h : headers) n += 8 + h.key.size() + (h.value ? h.value->size() : 0);
  return n;
}

inline RecordEntryHeader entry_header_for(uint32_t topic_index, int32_t partition,
                                          const std::optional<protocol::Bytes>& key,
                                          const std::optional<protocol::Bytes>& value,
                                          std::span<const protocol::RecordHeader> headers,
                                          int64_t timestamp_ms, int64_t enqueue_ns, uint64_t token) {
  RecordEntryHeader h;
  h.topic_index = topic_index;
  h.partition = partition;
  h.key_size = key ? int32_t(key->size()) : -1;
  h.value_size = value ? int32_t(value->size()) : -1;
  h.header_count = uint32_t(headers.size());
  h.headers_size = uint32_t(encoded_headers_size(headers));
  h.timestamp_ms = timestamp_ms;
  h.enqueue_ns = enqueue_ns;
  h.user_token = token;
  return h;
}

inline size_t record_entry_size(const std::optional<protocol::Bytes>& key,
                                const std::optional<protocol::Bytes>& value, size_t headers_size) {
  return sizeof(RecordEntryHeader) + (key ? key->size() : 0) + (value ? value->size() : 0) +
         headers_size;
}

inline void write_record_entry(uint8_t* out, const RecordEntryHeader& h,
                               const std::optional<protocol::Bytes>& key,
                               const std::optional<protocol::Bytes>& value,
                               std::span<const protocol::RecordHeader> headers) {
  std::memcpy(out, &h, sizeof h);
  uint8_t* p = out + sizeof h;
  if (key && !key->empty()) std::memcpy(p, key->data(), key->size());
  if (key) p += key->size();
  if (value && !value->empty()) std::memcpy(p, value->data(), value->size());
  if (value) p += value->size();
  for (const auto& hd : headers) {
    uint32_t ks = uint32_t(hd.key.size());
    std::memcpy(p, &ks, 4);
    p += 4;
    if (ks) std::memcpy(p, hd.key.data(), ks);
    p += ks;
    int32_t vs = hd.value ? int32_t(hd.value->size()) : -1;
    std::memcpy(p, &vs, 4);
    p += 4;
    if (vs > 0) std::memcpy(p, hd.value->data(), size_t(vs));
    if (vs > 0) p += vs;
  }
}

// A record too large for its ring travels as a small entry that points to a heap copy of the
// whole entry: its header says key_size == kIndirectEntry, and the pointer follows it.
inline constexpr int32_t kIndirectEntry = -2;
inline constexpr size_t kIndirectEntrySize = sizeof(RecordEntryHeader) + sizeof(uint8_t*);

inline void write_indirect_entry(uint8_t* out, uint8_t* copy) {
  RecordEntryHeader h;
  h.key_size = kIndirectEntry;
  std::memcpy(out, &h, sizeof h);
  std::memcpy(out + sizeof h, &copy, sizeof copy);
}

// The heap copy an entry points to, or nullptr for an ordinary entry.
inline uint8_t* indirect_copy(std::span<const uint8_t> entry) {
  RecordEntryHeader h;
  std::memcpy(&h, entry.data(), sizeof h);
  if (h.key_size != kIndirectEntry) return nullptr;
  uint8_t* copy;
  std::memcpy(&copy, entry.data() + sizeof h, sizeof copy);
  return copy;
}

// A record read back from an entry; views into the ring.
struct RecordEntryView {
  RecordEntryHeader header;
  std::optional<protocol::Bytes> key;
  std::optional<protocol::Bytes> value;
  protocol::Bytes headers_raw;
};

inline RecordEntryView read_record_entry(std::span<const uint8_t> entry) {
  RecordEntryView v;
  const uint8_t* copy = indirect_copy(entry);
  std::memcpy(&v.header, copy ? copy : entry.data(), sizeof v.header);
  const uint8_t* p = (copy ? copy : entry.data()) + sizeof v.header;
  if (v.header.key_size >= 0) {
    v.key = protocol::Bytes{p, size_t(v.header.key_size)};
    p += v.header.key_size;
  }
  if (v.header.value_size >= 0) {
    v.value = protocol::Bytes{p, size_t(v.header.value_size)};
    p += v.header.value_size;
  }
  v.headers_raw = protocol::Bytes{p, v.header.headers_size};
  return v;
}

// Decodes the stored headers into `out` (which must hold header_count entries).
inline void decode_entry_headers(protocol::Bytes raw, std::span<protocol::RecordHeader> out) {
  const uint8_t* p = raw.data();
  for (auto& h : out) {
    uint32_t ks;
    std::memcpy(&ks, p, 4);
    p += 4;
    h.key = std::string_view(reinterpret_cast<const char*>(p), ks);
    p += ks;
    int32_t vs;
    std::memcpy(&vs, p, 4);
    p += 4;
    if (vs < 0) {
      h.value.reset();
    } else {
      h.value = protocol::Bytes{p, size_t(vs)};
      p += vs;
    }
  }
}

}  // namespace rawkafka::client::detail
