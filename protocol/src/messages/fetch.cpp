#include "rawkafka/protocol/messages/fetch.hpp"

#include "field_codec.hpp"

namespace rawkafka::protocol {

namespace {

bool is_default(const FetchRequest::ReplicaState& s) {
  return s.replica_id == -1 && s.replica_epoch == -1;
}

}  // namespace

void FetchRequest::encode(Writer& w, int16_t version) const {
  const bool flexible = traits.is_flexible(version);
  fields::Encoder e{w, flexible};
  if (version <= 14) w.i32(replica_id);
  w.i32(max_wait_ms);
  w.i32(min_bytes);
  if (version >= 3) w.i32(max_bytes);
  if (version >= 4) w.i8(isolation_level);
  if (version >= 7) {
    w.i32(session_id);
    w.i32(session_epoch);
  }
  e.array_length(topics.size());
  for (const FetchTopic& t : topics) {
    if (version <= 12) {
      e.string(t.topic);
    } else {
      w.uuid(t.topic_id);
    }
    e.array_length(t.partitions.size());
    for (const FetchPartition& p : t.partitions) {
      w.i32(p.partition);
      if (version >= 9) w.i32(p.current_leader_epoch);
      w.i64(p.fetch_offset);
      if (version >= 12) w.i32(p.last_fetched_epoch);
      if (version >= 5) w.i64(p.log_start_offset);
      w.i32(p.partition_max_bytes);
      if (flexible) {
        bool dir = version >= 17 && !p.replica_directory_id.is_zero();
        bool hw = version >= 18 && p.high_watermark != INT64_MAX;
        w.uvarint(uint32_t(dir) + uint32_t(hw));
        if (dir) fields::write_tag(w, 0, [&](Writer& tw) { tw.uuid(p.replica_directory_id); });
        if (hw) fields::write_tag(w, 1, [&](Writer& tw) { tw.i64(p.high_watermark); });
      }
    }
    e.no_tags();
  }
  if (version >= 7) {
    e.array_length(forgotten_topics_data.size());
    for (const ForgottenTopic& t : forgotten_topics_data) {
      if (version <= 12) {
        e.string(t.topic);
      } else {
        w.uuid(t.topic_id);
      }
      e.int32_array(t.partitions);
      e.no_tags();
    }
  }
  if (version >= 11) e.string(rack_id);
  if (flexible) {
    bool cluster = cluster_id.has_value();
    bool state = version >= 15 && !is_default(replica_state);
    w.uvarint(uint32_t(cluster) + uint32_t(state));
    if (cluster) {
      fields::write_tag(w, 0, [&](Writer& tw) { fields::Encoder{tw, true}.nullable_string(cluster_id); });
    }
    if (state) {
      fields::write_tag(w, 1, [&](Writer& tw) {
        tw.i32(replica_state.replica_id);
        tw.i64(replica_state.replica_epoch);
        tw.empty_tagged_fields();
      });
    }
  }
}

bool FetchRequest::decode(Reader& r, int16_t version) {
  *this = FetchRequest{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  if (version <= 14) replica_id = r.i32();
  max_wait_ms = r.i32();
  min_bytes = r.i32();
  if (version >= 3) max_bytes = r.i32();
  if (version >= 4) isolation_level = r.i8();
  if (version >= 7) {
    session_id = r.i32();
    session_epoch = r.i32();
  }
  int32_t nt = d.sized_array(topics, 3);
  for (int32_t i = 0; i < nt; ++i) {
    FetchTopic& t = topics[size_t(i)];
    if (version <= 12) {
      t.topic = d.string();
    } else {
      t.topic_id = r.uuid();
    }
    int32_t np = d.sized_array(t.partitions, 16);
    for (int32_t j = 0; j < np; ++j) {
      FetchPartition& p = t.partitions[size_t(j)];
      p.partition = r.i32();
      if (version >= 9) p.current_leader_epoch = r.i32();
      p.fetch_offset = r.i64();
      if (version >= 12) p.last_fetched_epoch = r.i32();
      if (version >= 5) p.log_start_offset = r.i64();
      p.partition_max_bytes = r.i32();
      d.tags([&](uint32_t tag, Reader& tr) {
        // Read only where they are defined, as encode() writes them.
        if (tag == 0 && version >= 17) p.replica_directory_id = tr.uuid();
        if (tag == 1 && version >= 18) p.high_watermark = tr.i64();
      });
    }
    d.skip_tags();
  }
  if (version >= 7) {
    int32_t nf = d.sized_array(forgotten_topics_data, 2);
    for (int32_t i = 0; i < nf; ++i) {
      ForgottenTopic& t = forgotten_topics_data[size_t(i)];
      if (version <= 12) {
        t.topic = d.string();
      } else {
        t.topic_id = r.uuid();
      }
      d.int32_array(t.partitions);
      d.skip_tags();
    }
  }
  if (version >= 11) rack_id = d.string();
  d.tags([&](uint32_t tag, Reader& tr) {
    if (tag == 0) cluster_id = fields::Decoder{tr, true}.nullable_string();
    if (tag == 1 && version >= 15) {
      replica_state.replica_id = tr.i32();
      replica_state.replica_epoch = tr.i64();
      tr.skip_tagged_fields();
    }
  });
  return r.ok();
}

void FetchResponse::encode(Writer& w, int16_t version) const {
  const bool flexible = traits.is_flexible(version);
  fields::Encoder e{w, flexible};
  if (version >= 1) w.i32(throttle_time_ms);
  if (version >= 7) {
    w.i16(error_code);
    w.i32(session_id);
  }
  e.array_length(responses.size());
  for (const FetchableTopicResponse& t : responses) {
    if (version <= 12) {
      e.string(t.topic);
    } else {
      w.uuid(t.topic_id);
    }
    e.array_length(t.partitions.size());
    for (const PartitionData& p : t.partitions) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
      w.i64(p.high_watermark);
      if (version >= 4) w.i64(p.last_stable_offset);
      if (version >= 5) w.i64(p.log_start_offset);
      if (version >= 4) {
        e.nullable_array_length(p.aborted_transactions);
        if (p.aborted_transactions) {
          for (const AbortedTransaction& a : *p.aborted_transactions) {
            w.i64(a.producer_id);
            w.i64(a.first_offset);
            e.no_tags();
          }
        }
      }
      if (version >= 11) w.i32(p.preferred_read_replica);
      e.nullable_bytes(p.records);
      if (flexible) {
        bool diverging = p.diverging_epoch != EpochEndOffset{};
        bool leader = !p.current_leader.is_default();
        bool snapshot = p.snapshot_id != SnapshotId{};
        w.uvarint(uint32_t(diverging) + uint32_t(leader) + uint32_t(snapshot));
        if (diverging) {
          fields::write_tag(w, 0, [&](Writer& tw) {
            tw.i32(p.diverging_epoch.epoch);
            tw.i64(p.diverging_epoch.end_offset);
            tw.empty_tagged_fields();
          });
        }
        if (leader) {
          fields::write_tag(w, 1, [&](Writer& tw) {
            tw.i32(p.current_leader.leader_id);
            tw.i32(p.current_leader.leader_epoch);
            tw.empty_tagged_fields();
          });
        }
        if (snapshot) {
          fields::write_tag(w, 2, [&](Writer& tw) {
            tw.i64(p.snapshot_id.end_offset);
            tw.i32(p.snapshot_id.epoch);
            tw.empty_tagged_fields();
          });
        }
      }
    }
    e.no_tags();
  }
  if (flexible) {
    if (version >= 16 && !node_endpoints.empty()) {
      w.uvarint(1);
      fields::write_tag(w, 0, [&](Writer& tw) { fields::encode_node_endpoints(tw, node_endpoints); });
    } else {
      w.empty_tagged_fields();
    }
  }
}

bool FetchResponse::decode(Reader& r, int16_t version) {
  *this = FetchResponse{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  if (version >= 1) throttle_time_ms = r.i32();
  if (version >= 7) {
    error_code = r.i16();
    session_id = r.i32();
  }
  int32_t nt = d.sized_array(responses, 2);
  for (int32_t i = 0; i < nt; ++i) {
    FetchableTopicResponse& t = responses[size_t(i)];
    if (version <= 12) {
      t.topic = d.string();
    } else {
      t.topic_id = r.uuid();
    }
    int32_t np = d.sized_array(t.partitions, 19);
    for (int32_t j = 0; j < np; ++j) {
      PartitionData& p = t.partitions[size_t(j)];
      p.partition_index = r.i32();
      p.error_code = r.i16();
      p.high_watermark = r.i64();
      if (version >= 4) p.last_stable_offset = r.i64();
      if (version >= 5) p.log_start_offset = r.i64();
      if (version >= 4) {
        int32_t na = d.array_length(16);
        if (na >= 0) {
          p.aborted_transactions.emplace(size_t(na));
          for (AbortedTransaction& a : *p.aborted_transactions) {
            a.producer_id = r.i64();
            a.first_offset = r.i64();
            d.skip_tags();
          }
        }
      }
      if (version >= 11) p.preferred_read_replica = r.i32();
      p.records = d.nullable_bytes();
      d.tags([&](uint32_t tag, Reader& tr) {
        switch (tag) {
          case 0:
            p.diverging_epoch.epoch = tr.i32();
            p.diverging_epoch.end_offset = tr.i64();
            tr.skip_tagged_fields();
            break;
          case 1:
            p.current_leader.leader_id = tr.i32();
            p.current_leader.leader_epoch = tr.i32();
            tr.skip_tagged_fields();
            break;
          case 2:
            p.snapshot_id.end_offset = tr.i64();
            p.snapshot_id.epoch = tr.i32();
            tr.skip_tagged_fields();
            break;
          default: break;
        }
      });
    }
    d.skip_tags();
  }
  d.tags([&](uint32_t tag, Reader& tr) {
    if (tag == 0 && version >= 16) fields::decode_node_endpoints(tr, node_endpoints);
  });
  return r.ok();
}

}  // namespace rawkafka::protocol
