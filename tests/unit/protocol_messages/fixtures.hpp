#pragma once
// Deterministic message fixtures, field for field the same as tests/oracle/kmsg/fixtures.go
// (the franz-go side of the oracle test). A field that a version does not carry keeps its
// default, so decoding either side's bytes gives back the fixture exactly.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rawkafka/protocol/messages/all.hpp"

namespace rawkafka::protocol::fixtures {

ProduceRequest produce_request(int16_t v);
ProduceResponse produce_response(int16_t v);
FetchRequest fetch_request(int16_t v);
FetchResponse fetch_response(int16_t v);
ListOffsetsRequest list_offsets_request(int16_t v);
ListOffsetsResponse list_offsets_response(int16_t v);
MetadataRequest metadata_request(int16_t v);
MetadataResponse metadata_response(int16_t v);
ApiVersionsRequest api_versions_request(int16_t v);
ApiVersionsResponse api_versions_response(int16_t v);
CreateTopicsRequest create_topics_request(int16_t v);
CreateTopicsResponse create_topics_response(int16_t v);
InitProducerIdRequest init_producer_id_request(int16_t v);
InitProducerIdResponse init_producer_id_response(int16_t v);
SaslHandshakeRequest sasl_handshake_request(int16_t v);
SaslHandshakeResponse sasl_handshake_response(int16_t v);
SaslAuthenticateRequest sasl_authenticate_request(int16_t v);
SaslAuthenticateResponse sasl_authenticate_response(int16_t v);

// Type-erased access to every fixture, for tests that loop over all messages and versions.
struct Codec {
  // Encodes the fixture for `version` (body only, no header).
  std::function<std::vector<uint8_t>(int16_t version)> encode_fixture;
  // Decodes `bytes` and reports whether decoding succeeded, consumed every byte and gave back
  // exactly the fixture; `reencoded` receives our encoding of what was decoded.
  std::function<bool(const std::vector<uint8_t>& bytes, int16_t version,
                     std::vector<uint8_t>& reencoded, std::string& why)>
      decode_and_compare;
  // Decodes arbitrary bytes (for truncation/fuzz-style checks); returns decode()'s result.
  std::function<bool(Bytes bytes, int16_t version)> decode_only;
};

struct MessageCase {
  std::string api;   // "produce", ... as in the oracle's file names
  std::string kind;  // "request" or "response"
  ApiTraits traits;
  Codec codec;
  int16_t max_version;  // highest version the codec handles (traits.max_version but ApiVersions)
};

// Every message x kind, in the oracle's order.
const std::vector<MessageCase>& all_cases();

}  // namespace rawkafka::protocol::fixtures
