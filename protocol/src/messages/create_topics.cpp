#include "rawkafka/protocol/messages/create_topics.hpp"

#include "field_codec.hpp"

namespace rawkafka::protocol {

void CreateTopicsRequest::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  e.array_length(topics.size());
  for (const CreatableTopic& t : topics) {
    e.string(t.name);
    w.i32(t.num_partitions);
    w.i16(t.replication_factor);
    e.array_length(t.assignments.size());
    for (const CreatableReplicaAssignment& a : t.assignments) {
      w.i32(a.partition_index);
      e.int32_array(a.broker_ids);
      e.no_tags();
    }
    e.array_length(t.configs.size());
    for (const CreatableTopicConfig& c : t.configs) {
      e.string(c.name);
      e.nullable_string(c.value);
      e.no_tags();
    }
    e.no_tags();
  }
  w.i32(timeout_ms);
  if (version >= 1) w.boolean(validate_only);
  e.no_tags();
}

bool CreateTopicsRequest::decode(Reader& r, int16_t version) {
  *this = CreateTopicsRequest{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  int32_t nt = d.sized_array(topics, 9);
  for (int32_t i = 0; i < nt; ++i) {
    CreatableTopic& t = topics[size_t(i)];
    t.name = d.string();
    t.num_partitions = r.i32();
    t.replication_factor = r.i16();
    int32_t na = d.sized_array(t.assignments, 5);
    for (int32_t j = 0; j < na; ++j) {
      CreatableReplicaAssignment& a = t.assignments[size_t(j)];
      a.partition_index = r.i32();
      d.int32_array(a.broker_ids);
      d.skip_tags();
    }
    int32_t nc = d.sized_array(t.configs, 2);
    for (int32_t j = 0; j < nc; ++j) {
      CreatableTopicConfig& c = t.configs[size_t(j)];
      c.name = d.string();
      c.value = d.nullable_string();
      d.skip_tags();
    }
    d.skip_tags();
  }
  timeout_ms = r.i32();
  if (version >= 1) validate_only = r.boolean();
  d.skip_tags();
  return r.ok();
}

void CreateTopicsResponse::encode(Writer& w, int16_t version) const {
  const bool flexible = traits.is_flexible(version);
  fields::Encoder e{w, flexible};
  if (version >= 2) w.i32(throttle_time_ms);
  e.array_length(topics.size());
  for (const CreatableTopicResult& t : topics) {
    e.string(t.name);
    if (version >= 7) w.uuid(t.topic_id);
    w.i16(t.error_code);
    if (version >= 1) e.nullable_string(t.error_message);
    if (version >= 5) {
      w.i32(t.num_partitions);
      w.i16(t.replication_factor);
      e.nullable_array_length(t.configs);
      if (t.configs) {
        for (const CreatableTopicConfigs& c : *t.configs) {
          e.string(c.name);
          e.nullable_string(c.value);
          w.boolean(c.read_only);
          w.i8(c.config_source);
          w.boolean(c.is_sensitive);
          e.no_tags();
        }
      }
    }
    if (flexible) {
      if (t.topic_config_error_code != 0) {
        w.uvarint(1);
        fields::write_tag(w, 0, [&](Writer& tw) { tw.i16(t.topic_config_error_code); });
      } else {
        w.empty_tagged_fields();
      }
    }
  }
  e.no_tags();
}

bool CreateTopicsResponse::decode(Reader& r, int16_t version) {
  *this = CreateTopicsResponse{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  if (version >= 2) throttle_time_ms = r.i32();
  int32_t nt = d.sized_array(topics, 4);
  for (int32_t i = 0; i < nt; ++i) {
    CreatableTopicResult& t = topics[size_t(i)];
    t.name = d.string();
    if (version >= 7) t.topic_id = r.uuid();
    t.error_code = r.i16();
    if (version >= 1) t.error_message = d.nullable_string();
    if (version >= 5) {
      t.num_partitions = r.i32();
      t.replication_factor = r.i16();
      int32_t nc = d.array_length(5);
      if (nc < 0) {
        t.configs.reset();
      } else {
        t.configs.emplace(size_t(nc));
        for (CreatableTopicConfigs& c : *t.configs) {
          c.name = d.string();
          c.value = d.nullable_string();
          c.read_only = r.boolean();
          c.config_source = r.i8();
          c.is_sensitive = r.boolean();
          d.skip_tags();
        }
      }
    }
    d.tags([&](uint32_t tag, Reader& tr) {
      if (tag == 0) t.topic_config_error_code = tr.i16();
    });
  }
  d.skip_tags();
  return r.ok();
}

}  // namespace rawkafka::protocol
