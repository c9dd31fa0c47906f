#pragma once
// ApiVersions (key 18): which versions of each API a broker accepts.
// ApiVersionsRequest.json / ApiVersionsResponse.json. The response header is always v0.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::protocol {

struct ApiVersionsRequest {
  static constexpr ApiTraits traits{ApiKey::api_versions, 0, 4, 3};
  // ApiVersions goes out before anything is negotiated, and a broker that does not know the
  // version answers with a v0 body, so we send at most v4 (every Kafka 4.x knows it). The
  // codec also reads and writes v5 (Kafka 4.4+: cluster_id, node_id), e.g. for a server that
  // receives it from a newer client.
  static constexpr int16_t codec_max_version = 5;

  std::string client_software_name;     // v3+
  std::string client_software_version;  // v3+
  std::optional<std::string> cluster_id;  // v5+: set together with node_id, or neither
  int32_t node_id = -1;                   // v5+

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const ApiVersionsRequest&, const ApiVersionsRequest&) = default;
};

struct ApiVersionsResponse {
  static constexpr ApiTraits traits = ApiVersionsRequest::traits;
  static constexpr int16_t codec_max_version = ApiVersionsRequest::codec_max_version;

  using ApiKeyVersion = ApiVersionRange;  // {api_key, min_version, max_version}

  struct SupportedFeatureKey {
    std::string name;
    int16_t min_version = 0;
    int16_t max_version = 0;
    friend bool operator==(const SupportedFeatureKey&, const SupportedFeatureKey&) = default;
  };
  struct FinalizedFeatureKey {
    std::string name;
    int16_t max_version_level = 0;
    int16_t min_version_level = 0;
    friend bool operator==(const FinalizedFeatureKey&, const FinalizedFeatureKey&) = default;
  };

  int16_t error_code = 0;
  std::vector<ApiKeyVersion> api_keys;
  int32_t throttle_time_ms = 0;                        // v1+
  std::vector<SupportedFeatureKey> supported_features;  // v3+, tag 0
  int64_t finalized_features_epoch = -1;                // v3+, tag 1
  std::vector<FinalizedFeatureKey> finalized_features;  // v3+, tag 2
  bool zk_migration_ready = false;                      // v3+, tag 3

  // The broker's range for `key`, or nullptr when it does not list it.
  const ApiKeyVersion* find(ApiKey key) const;

  void encode(Writer& w, int16_t version) const;
  bool decode(Reader& r, int16_t version);
  friend bool operator==(const ApiVersionsResponse&, const ApiVersionsResponse&) = default;
};

}  // namespace rawkafka::protocol
