#include "rawkafka/protocol/messages/list_offsets.hpp"

#include "field_codec.hpp"

namespace rawkafka::protocol {

void ListOffsetsRequest::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  w.i32(replica_id);
  if (version >= 2) w.i8(isolation_level);
  e.array_length(topics.size());
  for (const ListOffsetsTopic& t : topics) {
    e.string(t.name);
    e.array_length(t.partitions.size());
    for (const ListOffsetsPartition& p : t.partitions) {
      w.i32(p.partition_index);
      if (version >= 4) w.i32(p.current_leader_epoch);
      w.i64(p.timestamp);
      e.no_tags();
    }
    e.no_tags();
  }
  if (version >= 10) w.i32(timeout_ms);
  e.no_tags();
}

bool ListOffsetsRequest::decode(Reader& r, int16_t version) {
  *this = ListOffsetsRequest{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  replica_id = r.i32();
  if (version >= 2) isolation_level = r.i8();
  int32_t nt = d.sized_array(topics, 2);
  for (int32_t i = 0; i < nt; ++i) {
    ListOffsetsTopic& t = topics[size_t(i)];
    t.name = d.string();
    int32_t np = d.sized_array(t.partitions, 12);
    for (int32_t j = 0; j < np; ++j) {
      ListOffsetsPartition& p = t.partitions[size_t(j)];
      p.partition_index = r.i32();
      if (version >= 4) p.current_leader_epoch = r.i32();
      p.timestamp = r.i64();
      d.skip_tags();
    }
    d.skip_tags();
  }
  if (version >= 10) timeout_ms = r.i32();
  d.skip_tags();
  return r.ok();
}

void ListOffsetsResponse::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  if (version >= 2) w.i32(throttle_time_ms);
  e.array_length(topics.size());
  for (const ListOffsetsTopicResponse& t : topics) {
    e.string(t.name);
    e.array_length(t.partitions.size());
    for (const ListOffsetsPartitionResponse& p : t.partitions) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
      w.i64(p.timestamp);
      w.i64(p.offset);
      if (version >= 4) w.i32(p.leader_epoch);
      e.no_tags();
    }
    e.no_tags();
  }
  e.no_tags();
}

bool ListOffsetsResponse::decode(Reader& r, int16_t version) {
  *this = ListOffsetsResponse{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  if (version >= 2) throttle_time_ms = r.i32();
  int32_t nt = d.sized_array(topics, 2);
  for (int32_t i = 0; i < nt; ++i) {
    ListOffsetsTopicResponse& t = topics[size_t(i)];
    t.name = d.string();
    int32_t np = d.sized_array(t.partitions, 22);
    for (int32_t j = 0; j < np; ++j) {
      ListOffsetsPartitionResponse& p = t.partitions[size_t(j)];
      p.partition_index = r.i32();
      p.error_code = r.i16();
      p.timestamp = r.i64();
      p.offset = r.i64();
      if (version >= 4) p.leader_epoch = r.i32();
      d.skip_tags();
    }
    d.skip_tags();
  }
  d.skip_tags();
  return r.ok();
}

}  // namespace rawkafka::protocol
