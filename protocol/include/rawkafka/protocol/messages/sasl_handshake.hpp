#pragma once
// SaslHandshake (key 17). SaslHandshakeRequest.json / SaslHandshakeResponse.json.

#include <cstdint>
#include <string>
#include <vector>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

struct SaslHandshakeRequest {
  static constexpr ApiTraits traits{ApiKey::sasl_handshake, 0, 1, never_flexible};

  std::string mechanism;

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const SaslHandshakeRequest&, const SaslHandshakeRequest&) = default;
};

struct SaslHandshakeResponse {
  static constexpr ApiTraits traits = SaslHandshakeRequest::traits;

  int16_t error_code = 0;
  std::vector<std::string> mechanisms;

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const SaslHandshakeResponse&, const SaslHandshakeResponse&) = default;
};

}  // namespace rawkafka::protocol
