#include "rawkafka/protocol/messages/api_versions.hpp"

#include "field_codec.hpp"

namespace rawkafka::protocol {

void ApiVersionsRequest::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  if (version >= 3) {
    e.string(client_software_name);
    e.string(client_software_version);
  }
  if (version >= 5) {
    e.nullable_string(cluster_id);
    w.i32(node_id);
  }
  e.no_tags();
}

bool ApiVersionsRequest::decode(Reader& r, int16_t version) {
  *this = ApiVersionsRequest{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  if (version >= 3) {
    client_software_name = d.string();
    client_software_version = d.string();
  }
  if (version >= 5) {
    cluster_id = d.nullable_string();
    node_id = r.i32();
  }
  d.skip_tags();
  return r.ok();
}

const ApiVersionsResponse::ApiKeyVersion* ApiVersionsResponse::find(ApiKey key) const {
  for (const ApiKeyVersion& k : api_keys) {
    if (k.api_key == key) return &k;
  }
  return nullptr;
}

void ApiVersionsResponse::encode(Writer& w, int16_t version) const {
  const bool flexible = traits.is_flexible(version);
  fields::Encoder e{w, flexible};
  w.i16(error_code);
  e.array_length(api_keys.size());
  for (const ApiKeyVersion& k : api_keys) {
    w.i16(int16_t(k.api_key));
    w.i16(k.min_version);
    w.i16(k.max_version);
    e.no_tags();
  }
  if (version >= 1) w.i32(throttle_time_ms);
  if (!flexible) return;
  uint32_t count = uint32_t(!supported_features.empty()) + uint32_t(finalized_features_epoch != -1) +
                   uint32_t(!finalized_features.empty()) + uint32_t(zk_migration_ready);
  w.uvarint(count);
  if (!supported_features.empty()) {
    fields::write_tag(w, 0, [&](Writer& t) {
      fields::Encoder te{t, true};
      te.array_length(supported_features.size());
      for (const SupportedFeatureKey& f : supported_features) {
        te.string(f.name);
        t.i16(f.min_version);
        t.i16(f.max_version);
        te.no_tags();
      }
    });
  }
  if (finalized_features_epoch != -1) {
    fields::write_tag(w, 1, [&](Writer& t) { t.i64(finalized_features_epoch); });
  }
  if (!finalized_features.empty()) {
    fields::write_tag(w, 2, [&](Writer& t) {
      fields::Encoder te{t, true};
      te.array_length(finalized_features.size());
      for (const FinalizedFeatureKey& f : finalized_features) {
        te.string(f.name);
        t.i16(f.max_version_level);
        t.i16(f.min_version_level);
        te.no_tags();
      }
    });
  }
  if (zk_migration_ready) {
    fields::write_tag(w, 3, [&](Writer& t) { t.boolean(true); });
  }
}

bool ApiVersionsResponse::decode(Reader& r, int16_t version) {
  *this = ApiVersionsResponse{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  error_code = r.i16();
  int32_t n = d.sized_array(api_keys, 6);
  for (int32_t i = 0; i < n; ++i) {
    ApiKeyVersion& k = api_keys[size_t(i)];
    k.api_key = ApiKey(r.i16());
    k.min_version = r.i16();
    k.max_version = r.i16();
    d.skip_tags();
  }
  if (version >= 1) throttle_time_ms = r.i32();
  d.tags([&](uint32_t tag, Reader& t) {
    fields::Decoder td{t, true};
    switch (tag) {
      case 0: {
        int32_t m = td.sized_array(supported_features, 6);
        for (int32_t i = 0; i < m; ++i) {
          SupportedFeatureKey& f = supported_features[size_t(i)];
          f.name = td.string();
          f.min_version = t.i16();
          f.max_version = t.i16();
          td.skip_tags();
        }
        break;
      }
      case 1: finalized_features_epoch = t.i64(); break;
      case 2: {
        int32_t m = td.sized_array(finalized_features, 6);
        for (int32_t i = 0; i < m; ++i) {
          FinalizedFeatureKey& f = finalized_features[size_t(i)];
          f.name = td.string();
          f.max_version_level = t.i16();
          f.min_version_level = t.i16();
          td.skip_tags();
        }
        break;
      }
      case 3: zk_migration_ready = t.boolean(); break;
      default: break;
    }
  });
  return r.ok();
}

}  // namespace rawkafka::protocol
