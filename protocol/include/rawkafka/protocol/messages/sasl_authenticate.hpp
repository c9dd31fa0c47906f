#pragma once
// SaslAuthenticate (key 36). SaslAuthenticateRequest.json / SaslAuthenticateResponse.json.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

struct SaslAuthenticateRequest {
  static constexpr ApiTraits traits{ApiKey::sasl_authenticate, 0, 2, 2};

  std::vector<uint8_t> auth_bytes;

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const SaslAuthenticateRequest&, const SaslAuthenticateRequest&) = default;
};

struct SaslAuthenticateResponse {
  static constexpr ApiTraits traits = SaslAuthenticateRequest::traits;

  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<uint8_t> auth_bytes;
  int64_t session_lifetime_ms = 0;  // v1+

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const SaslAuthenticateResponse&, const SaslAuthenticateResponse&) = default;
};

}  // namespace rawkafka::protocol
