#pragma once
// Kafka API keys, per-API version rules, request/response headers and version negotiation.
// See the protocol guide's "Headers" section and each message's JSON definition
// (clients/src/main/resources/common/message/*.json in Apache Kafka).
//
// Every message struct (messages/*.hpp) has `void encode(Writer&, int16_t version) const`,
// which writes the body for that version (fields the version lacks are left out), and
// `bool decode(Reader&, int16_t version)`, which resets the struct, reads the body and returns
// the reader's ok(). Encoders write empty tag sections except for the few tagged fields we
// model, which are written when they differ from their defaults; decoders skip unknown tags.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

enum class ApiKey : int16_t {
  produce = 0,
  fetch = 1,
  list_offsets = 2,
  metadata = 3,
  sasl_handshake = 17,
  api_versions = 18,
  create_topics = 19,
  init_producer_id = 22,
  sasl_authenticate = 36,
};

// The versions of one API that this library encodes and decodes, as data.
// min_version may be above what brokers advertise: Kafka 4 lists Produce v0-v2 in its
// ApiVersions response but rejects them (KAFKA-18659), so our Produce starts at v3.
struct ApiTraits {
  ApiKey key;
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible;  // first version with compact types and tagged fields

  constexpr bool supports(int16_t version) const {
    return version >= min_version && version <= max_version;
  }
  constexpr bool is_flexible(int16_t version) const { return version >= first_flexible; }
};

// first_flexible of an API that has no flexible version.
inline constexpr int16_t never_flexible = INT16_MAX;

// Traits of every API we implement, or nullptr for a key we do not know.
const ApiTraits* traits_for(ApiKey key);
// All APIs we implement, in ApiKey order.
std::span<const ApiTraits> all_api_traits();
// "Produce", "Fetch", ... ("Unknown" for keys we do not implement).
std::string_view api_name(ApiKey key);

// Request header v1 (non-flexible) or v2 (flexible; ClientId stays an int16-length string,
// followed by an empty tag section).
constexpr int16_t request_header_version(const ApiTraits& t, int16_t version) {
  return t.is_flexible(version) ? 2 : 1;
}
// Response header v0, or v1 (tagged fields) when flexible — except ApiVersions, whose response
// header is always v0 so that a client can read it whatever version the broker understood.
constexpr int16_t response_header_version(const ApiTraits& t, int16_t version) {
  if (t.key == ApiKey::api_versions) return 0;
  return t.is_flexible(version) ? 1 : 0;
}

// ---- Framing ----------------------------------------------------------------------------
// A frame on the wire is an int32 size followed by that many bytes (header + body).

// Writes a 4-byte size placeholder and the request header for `key` at `version`; returns the
// offset of the placeholder for end_frame(). `key` must be one traits_for() knows.
size_t begin_request(Writer& w, ApiKey key, int16_t version, int32_t correlation_id,
                     std::string_view client_id);
// Writes a 4-byte size placeholder and the response header; returns the placeholder's offset.
size_t begin_response(Writer& w, ApiKey key, int16_t version, int32_t correlation_id);
// Patches the size placeholder at `size_offset` to cover everything written after it.
void end_frame(Writer& w, size_t size_offset);
// Patches the size placeholder when the frame's tail is sent from elsewhere (zero-copy
// gather): size = bytes written after the placeholder in `w` + `extra_bytes`.
void end_frame(Writer& w, size_t size_offset, size_t extra_bytes);
// Bytes of the size prefix plus request header that begin_request() writes.
size_t request_frame_prefix_size(ApiKey key, int16_t version, std::string_view client_id);

// Reads a response header. `r` is positioned just after the 4-byte frame size. Returns
// r.ok(); tagged fields of a v1 header are skipped.
bool read_response_header(Reader& r, ApiKey key, int16_t version, int32_t& correlation_id);

struct RequestHeader {
  ApiKey api_key{};
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string_view> client_id;  // view into the frame
};
// Reads a request header (v1 or v2, by the key's traits; a key we do not know fails, as the
// header's length would be unknown). `r` is positioned just after the 4-byte frame size.
// Versions above our max are still parsed: flexibility depends only on first_flexible.
bool read_request_header(Reader& r, RequestHeader& header);

// ---- Version negotiation ------------------------------------------------------------------

// One entry of an ApiVersions response: what a broker accepts for one API.
// ApiVersionsResponse::ApiKeyVersion is this type.
struct ApiVersionRange {
  ApiKey api_key{};
  int16_t min_version = 0;
  int16_t max_version = 0;
  friend bool operator==(const ApiVersionRange&, const ApiVersionRange&) = default;
};

// The highest version both we and the broker speak, never below our min_version (so never
// Produce < 3); nullopt when the broker does not list the API or the ranges do not meet.
std::optional<int16_t> negotiate(const ApiTraits& ours, std::span<const ApiVersionRange> broker);
// Same, by key (nullopt for keys we do not implement).
std::optional<int16_t> negotiate(ApiKey key, std::span<const ApiVersionRange> broker);

}  // namespace rawkafka::protocol
