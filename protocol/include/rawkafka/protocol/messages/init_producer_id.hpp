#pragma once
// InitProducerId (key 22): a producer id and epoch for idempotent/transactional producing.
// InitProducerIdRequest.json / InitProducerIdResponse.json.

#include <cstdint>
#include <optional>
#include <string>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

struct InitProducerIdRequest {
  static constexpr ApiTraits traits{ApiKey::init_producer_id, 0, 5, 2};

  std::optional<std::string> transactional_id;  // null for an idempotent-only producer
  int32_t transaction_timeout_ms = 0;
  int64_t producer_id = -1;     // v3+: the current id, to bump the epoch (KIP-360)
  int16_t producer_epoch = -1;  // v3+

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const InitProducerIdRequest&, const InitProducerIdRequest&) = default;
};

struct InitProducerIdResponse {
  static constexpr ApiTraits traits = InitProducerIdRequest::traits;

  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = 0;

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const InitProducerIdResponse&, const InitProducerIdResponse&) = default;
};

}  // namespace rawkafka::protocol
