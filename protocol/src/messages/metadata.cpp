#include "rawkafka/protocol/messages/metadata.hpp"

#include "field_codec.hpp"

namespace rawkafka::protocol {

void MetadataRequest::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  if (version == 0 && !topics) {
    e.array_length(0);  // v0 has no null: an empty list means all topics
  } else {
    e.nullable_array_length(topics);
  }
  if (topics) {
    for (const Topic& t : *topics) {
      if (version >= 10) w.uuid(t.topic_id);
      if (version >= 10) {
        e.nullable_string(t.name);
      } else {
        e.string(t.name ? std::string_view(*t.name) : std::string_view());
      }
      e.no_tags();
    }
  }
  if (version >= 4) w.boolean(allow_auto_topic_creation);
  if (version >= 8 && version <= 10) w.boolean(include_cluster_authorized_operations);
  if (version >= 8) w.boolean(include_topic_authorized_operations);
  e.no_tags();
}

bool MetadataRequest::decode(Reader& r, int16_t version) {
  *this = MetadataRequest{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  int32_t n = d.array_length(1);
  if (n < 0 || (version == 0 && n == 0)) {
    topics.reset();
  } else {
    topics.emplace(size_t(n));
    for (Topic& t : *topics) {
      if (version >= 10) t.topic_id = r.uuid();
      if (version >= 10) {
        t.name = d.nullable_string();
      } else {
        t.name = d.string();
      }
      d.skip_tags();
    }
  }
  if (version >= 4) allow_auto_topic_creation = r.boolean();
  if (version >= 8 && version <= 10) include_cluster_authorized_operations = r.boolean();
  if (version >= 8) include_topic_authorized_operations = r.boolean();
  d.skip_tags();
  return r.ok();
}

const MetadataResponse::Broker* MetadataResponse::find_broker(int32_t node_id) const {
  for (const Broker& b : brokers) {
    if (b.node_id == node_id) return &b;
  }
  return nullptr;
}

void MetadataResponse::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  if (version >= 3) w.i32(throttle_time_ms);
  e.array_length(brokers.size());
  for (const Broker& b : brokers) {
    w.i32(b.node_id);
    e.string(b.host);
    w.i32(b.port);
    if (version >= 1) e.nullable_string(b.rack);
    e.no_tags();
  }
  if (version >= 2) e.nullable_string(cluster_id);
  if (version >= 1) w.i32(controller_id);
  e.array_length(topics.size());
  for (const Topic& t : topics) {
    w.i16(t.error_code);
    if (version >= 12) {
      e.nullable_string(t.name);
    } else {
      e.string(t.name ? std::string_view(*t.name) : std::string_view());
    }
    if (version >= 10) w.uuid(t.topic_id);
    if (version >= 1) w.boolean(t.is_internal);
    e.array_length(t.partitions.size());
    for (const Partition& p : t.partitions) {
      w.i16(p.error_code);
      w.i32(p.partition_index);
      w.i32(p.leader_id);
      if (version >= 7) w.i32(p.leader_epoch);
      e.int32_array(p.replica_nodes);
      e.int32_array(p.isr_nodes);
      if (version >= 5) e.int32_array(p.offline_replicas);
      e.no_tags();
    }
    if (version >= 8) w.i32(t.topic_authorized_operations);
    e.no_tags();
  }
  if (version >= 8 && version <= 10) w.i32(cluster_authorized_operations);
  if (version >= 13) w.i16(error_code);
  e.no_tags();
}

bool MetadataResponse::decode(Reader& r, int16_t version) {
  *this = MetadataResponse{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  if (version >= 3) throttle_time_ms = r.i32();
  int32_t nb = d.sized_array(brokers, 10);
  for (int32_t i = 0; i < nb; ++i) {
    Broker& b = brokers[size_t(i)];
    b.node_id = r.i32();
    b.host = d.string();
    b.port = r.i32();
    if (version >= 1) b.rack = d.nullable_string();
    d.skip_tags();
  }
  if (version >= 2) cluster_id = d.nullable_string();
  if (version >= 1) controller_id = r.i32();
  int32_t nt = d.sized_array(topics, 7);
  for (int32_t i = 0; i < nt; ++i) {
    Topic& t = topics[size_t(i)];
    t.error_code = r.i16();
    if (version >= 12) {
      t.name = d.nullable_string();
    } else {
      t.name = d.string();
    }
    if (version >= 10) t.topic_id = r.uuid();
    if (version >= 1) t.is_internal = r.boolean();
    int32_t np = d.sized_array(t.partitions, 18);
    for (int32_t j = 0; j < np; ++j) {
      Partition& p = t.partitions[size_t(j)];
      p.error_code = r.i16();
      p.partition_index = r.i32();
      p.leader_id = r.i32();
      if (version >= 7) p.leader_epoch = r.i32();
      d.int32_array(p.replica_nodes);
      d.int32_array(p.isr_nodes);
      if (version >= 5) d.int32_array(p.offline_replicas);
      d.skip_tags();
    }
    if (version >= 8) t.topic_authorized_operations = r.i32();
    d.skip_tags();
  }
  if (version >= 8 && version <= 10) cluster_authorized_operations = r.i32();
  if (version >= 13) error_code = r.i16();
  d.skip_tags();
  return r.ok();
}

}  // namespace rawkafka::protocol
