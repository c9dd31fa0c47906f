#include "rawkafka/protocol/api.hpp"

#include <algorithm>

#include "rawkafka/protocol/messages/all.hpp"

namespace rawkafka::protocol {

namespace {

constexpr ApiTraits all_traits[] = {
    ProduceRequest::traits,        FetchRequest::traits,         ListOffsetsRequest::traits,
    MetadataRequest::traits,       SaslHandshakeRequest::traits, ApiVersionsRequest::traits,
    CreateTopicsRequest::traits,   InitProducerIdRequest::traits, SaslAuthenticateRequest::traits,
};

}  // namespace

const ApiTraits* traits_for(ApiKey key) {
  for (const ApiTraits& t : all_traits) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

std::span<const ApiTraits> all_api_traits() { return all_traits; }

std::string_view api_name(ApiKey key) {
  switch (key) {
    case ApiKey::produce: return "Produce";
    case ApiKey::fetch: return "Fetch";
    case ApiKey::list_offsets: return "ListOffsets";
    case ApiKey::metadata: return "Metadata";
    case ApiKey::sasl_handshake: return "SaslHandshake";
    case ApiKey::api_versions: return "ApiVersions";
    case ApiKey::create_topics: return "CreateTopics";
    case ApiKey::init_producer_id: return "InitProducerId";
    case ApiKey::sasl_authenticate: return "SaslAuthenticate";
  }
  return "Unknown";
}

size_t begin_request(Writer& w, ApiKey key, int16_t version, int32_t correlation_id,
                     std::string_view client_id) {
  size_t size_offset = w.reserve(4);
  w.i16(int16_t(key));
  w.i16(version);
  w.i32(correlation_id);
  w.string(client_id);  // a plain int16 string even in header v2
  const ApiTraits* t = traits_for(key);
  if (t && request_header_version(*t, version) >= 2) w.empty_tagged_fields();
  return size_offset;
}

size_t begin_response(Writer& w, ApiKey key, int16_t version, int32_t correlation_id) {
  size_t size_offset = w.reserve(4);
  w.i32(correlation_id);
  const ApiTraits* t = traits_for(key);
  if (t && response_header_version(*t, version) >= 1) w.empty_tagged_fields();
  return size_offset;
}

void end_frame(Writer& w, size_t size_offset) { end_frame(w, size_offset, 0); }

void end_frame(Writer& w, size_t size_offset, size_t extra_bytes) {
  w.patch_i32(size_offset, int32_t(w.size() - size_offset - 4 + extra_bytes));
}

size_t request_frame_prefix_size(ApiKey key, int16_t version, std::string_view client_id) {
  size_t n = 4 + 2 + 2 + 4 + 2 + client_id.size();
  const ApiTraits* t = traits_for(key);
  if (t && request_header_version(*t, version) >= 2) n += 1;
  return n;
}

bool read_response_header(Reader& r, ApiKey key, int16_t version, int32_t& correlation_id) {
  const ApiTraits* t = traits_for(key);
  if (!t) {
    r.fail();
    return false;
  }
  correlation_id = r.i32();
  if (response_header_version(*t, version) >= 1) r.skip_tagged_fields();
  return r.ok();
}

bool read_request_header(Reader& r, RequestHeader& header) {
  header.api_key = ApiKey(r.i16());
  header.api_version = r.i16();
  header.correlation_id = r.i32();
  header.client_id = r.nullable_string();
  if (!r.ok()) return false;
  const ApiTraits* t = traits_for(header.api_key);
  if (!t || header.api_version < 0) {
    r.fail();
    return false;
  }
  if (request_header_version(*t, header.api_version) >= 2) r.skip_tagged_fields();
  return r.ok();
}

std::optional<int16_t> negotiate(const ApiTraits& ours, std::span<const ApiVersionRange> broker) {
  for (const ApiVersionRange& b : broker) {
    if (b.api_key != ours.key) continue;
    int16_t lo = std::max(ours.min_version, b.min_version);
    int16_t hi = std::min(ours.max_version, b.max_version);
    if (lo > hi) return std::nullopt;
    return hi;
  }
  return std::nullopt;
}

std::optional<int16_t> negotiate(ApiKey key, std::span<const ApiVersionRange> broker) {
  const ApiTraits* t = traits_for(key);
  if (!t) return std::nullopt;
  return negotiate(*t, broker);
}

}  // namespace rawkafka::protocol
