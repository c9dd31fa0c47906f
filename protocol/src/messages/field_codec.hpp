#pragma once
// Internal: the version-dependent halves of Kafka's field types. Non-flexible versions use
// int16/int32 lengths, flexible versions compact (uvarint length + 1) forms and tag sections.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rawkafka/protocol/messages/common.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol::fields {

struct Encoder {
  Writer& w;
  bool flexible;

  void string(std::string_view s) const { flexible ? w.compact_string(s) : w.string(s); }
  void nullable_string(const std::optional<std::string>& s) const {
    std::optional<std::string_view> v;
    if (s) v = *s;
    flexible ? w.compact_nullable_string(v) : w.nullable_string(v);
  }
  void bytes(Bytes b) const { flexible ? w.compact_bytes(b) : w.bytes(b); }
  void nullable_bytes(const std::optional<Bytes>& b) const {
    flexible ? w.compact_nullable_bytes(b) : w.nullable_bytes(b);
  }
  void array_length(size_t n) const {
    flexible ? w.compact_array_length(int32_t(n)) : w.array_length(int32_t(n));
  }
  template <class T>
  void nullable_array_length(const std::optional<std::vector<T>>& v) const {
    int32_t n = v ? int32_t(v->size()) : -1;
    flexible ? w.compact_array_length(n) : w.array_length(n);
  }
  void int32_array(const std::vector<int32_t>& v) const {
    array_length(v.size());
    for (int32_t x : v) w.i32(x);
  }
  // An empty tag section (flexible versions only).
  void no_tags() const {
    if (flexible) w.empty_tagged_fields();
  }
};

// Writes one tagged field: tag, size, then what `body` writes. The body goes through a small
// temporary buffer because its size precedes it; tagged fields are rare and small.
template <class Body>
void write_tag(Writer& w, uint32_t tag, Body&& body) {
  std::vector<uint8_t> buf;
  Writer tmp(buf);
  body(tmp);
  tmp.finish();
  w.uvarint(tag);
  w.uvarint(uint32_t(buf.size()));
  w.raw(buf.data(), buf.size());
}

struct Decoder {
  Reader& r;
  bool flexible;

  std::string string() const {
    std::string_view v = flexible ? r.compact_string() : r.string();
    return std::string(v);
  }
  std::optional<std::string> nullable_string() const {
    std::optional<std::string_view> v = flexible ? r.compact_nullable_string() : r.nullable_string();
    if (!v) return std::nullopt;
    return std::string(*v);
  }
  Bytes bytes() const { return flexible ? r.compact_bytes() : r.bytes(); }
  std::optional<Bytes> nullable_bytes() const {
    return flexible ? r.compact_nullable_bytes() : r.nullable_bytes();
  }
  // Element count (-1 = null). A count that cannot fit in the bytes left, at least
  // min_element_size each, fails the reader.
  int32_t array_length(size_t min_element_size) const {
    return flexible ? r.compact_array_length(min_element_size) : r.array_length(min_element_size);
  }
  // Reads a non-nullable array's count (null reads as empty) and sizes `v` for it.
  template <class T>
  int32_t sized_array(std::vector<T>& v, size_t min_element_size) const {
    int32_t n = array_length(min_element_size);
    if (n < 0) n = 0;
    v.clear();
    v.resize(size_t(n));
    return n;
  }
  void int32_array(std::vector<int32_t>& v) const {
    int32_t n = sized_array(v, 4);
    for (int32_t i = 0; i < n; ++i) v[size_t(i)] = r.i32();
  }
  // Skips a tag section (flexible versions only).
  void skip_tags() const {
    if (flexible) r.skip_tagged_fields();
  }
  // Reads a tag section, handing each field to on_tag(tag, sub_reader); a field whose reader
  // fails fails `r`. Unknown tags are skipped.
  template <class OnTag>
  void tags(OnTag&& on_tag) const {
    if (!flexible) return;
    Reader& outer = r;
    outer.tagged_fields([&](uint32_t tag, Reader& sub) {
      on_tag(tag, sub);
      if (!sub.ok()) outer.fail();
    });
  }
};

// Encoded sizes, for encoded_size().
inline size_t string_size(bool flexible, size_t n) {
  return flexible ? uvarint_size(n + 1) + n : 2 + n;
}
inline size_t nullable_string_size(bool flexible, const std::optional<std::string>& s) {
  if (!s) return flexible ? 1 : 2;
  return string_size(flexible, s->size());
}
inline size_t nullable_bytes_size(bool flexible, const std::optional<Bytes>& b) {
  if (!b) return flexible ? 1 : 4;
  return flexible ? uvarint_size(b->size() + 1) + b->size() : 4 + b->size();
}
inline size_t array_length_size(bool flexible, size_t n) {
  return flexible ? uvarint_size(n + 1) : 4;
}

// Produce v10+ / Fetch v16+ NodeEndpoints (always inside a flexible tagged field).
inline void encode_node_endpoints(Writer& w, const std::vector<NodeEndpoint>& endpoints) {
  Encoder e{w, true};
  e.array_length(endpoints.size());
  for (const NodeEndpoint& n : endpoints) {
    w.i32(n.node_id);
    e.string(n.host);
    w.i32(n.port);
    e.nullable_string(n.rack);
    e.no_tags();
  }
}

inline void decode_node_endpoints(Reader& r, std::vector<NodeEndpoint>& endpoints) {
  Decoder d{r, true};
  int32_t n = d.sized_array(endpoints, 11);
  for (int32_t i = 0; i < n; ++i) {
    NodeEndpoint& ep = endpoints[size_t(i)];
    ep.node_id = r.i32();
    ep.host = d.string();
    ep.port = r.i32();
    ep.rack = d.nullable_string();
    d.skip_tags();
  }
}

}  // namespace rawkafka::protocol::fields
