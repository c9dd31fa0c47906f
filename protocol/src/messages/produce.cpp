#include "rawkafka/protocol/messages/produce.hpp"

#include "field_codec.hpp"

namespace rawkafka::protocol {

namespace {

// Writes the topic identity: name up to v12, topic_id from v13 (KIP-516).
void encode_topic(const fields::Encoder& e, const std::string& name, const Uuid& topic_id,
                  int16_t version) {
  if (version <= 12) {
    e.string(name);
  } else {
    e.w.uuid(topic_id);
  }
}

void decode_topic(const fields::Decoder& d, std::string& name, Uuid& topic_id, int16_t version) {
  if (version <= 12) {
    name = d.string();
  } else {
    topic_id = d.r.uuid();
  }
}

}  // namespace

void ProduceRequest::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  if (version >= 3) e.nullable_string(transactional_id);
  w.i16(acks);
  w.i32(timeout_ms);
  e.array_length(topic_data.size());
  for (const TopicData& t : topic_data) {
    encode_topic(e, t.name, t.topic_id, version);
    e.array_length(t.partition_data.size());
    for (const PartitionData& p : t.partition_data) {
      w.i32(p.index);
      e.nullable_bytes(p.records);
      e.no_tags();
    }
    e.no_tags();
  }
  e.no_tags();
}

size_t ProduceRequest::encoded_size(int16_t version) const {
  const bool flexible = traits.is_flexible(version);
  size_t n = 0;
  if (version >= 3) n += fields::nullable_string_size(flexible, transactional_id);
  n += 2 + 4;
  n += fields::array_length_size(flexible, topic_data.size());
  for (const TopicData& t : topic_data) {
    n += version <= 12 ? fields::string_size(flexible, t.name.size()) : 16;
    n += fields::array_length_size(flexible, t.partition_data.size());
    for (const PartitionData& p : t.partition_data) {
      n += 4 + fields::nullable_bytes_size(flexible, p.records);
      if (flexible) n += 1;
    }
    if (flexible) n += 1;
  }
  if (flexible) n += 1;
  return n;
}

bool ProduceRequest::encode_gather(Writer& scratch, std::vector<std::span<const uint8_t>>& out,
                                   int16_t version) const {
  fields::Encoder e{scratch, traits.is_flexible(version)};
  // Spans point into scratch, so it must not move: a growable Writer that reallocates would
  // leave them dangling, and is reported as a failure like an overflow.
  const uint8_t* const base = scratch.data();
  size_t piece_start = scratch.size();
  // Closes the scratch piece written since piece_start; a piece that continues the last span
  // (e.g. the request header the caller put there) extends it instead of adding an iovec.
  auto cut = [&] {
    if (scratch.size() > piece_start) {
      const uint8_t* begin = scratch.data() + piece_start;
      const size_t n = scratch.size() - piece_start;
      if (!out.empty() && out.back().data() + out.back().size() == begin) {
        out.back() = std::span<const uint8_t>(out.back().data(), out.back().size() + n);
      } else {
        out.emplace_back(begin, n);
      }
    }
    piece_start = scratch.size();
  };
  if (version >= 3) e.nullable_string(transactional_id);
  scratch.i16(acks);
  scratch.i32(timeout_ms);
  e.array_length(topic_data.size());
  for (const TopicData& t : topic_data) {
    encode_topic(e, t.name, t.topic_id, version);
    e.array_length(t.partition_data.size());
    for (const PartitionData& p : t.partition_data) {
      scratch.i32(p.index);
      if (!p.records) {
        e.nullable_bytes(std::nullopt);
      } else {
        // The length prefix goes into scratch, the bytes themselves are referenced.
        size_t len = p.records->size();
        if (e.flexible) {
          scratch.uvarint(uint32_t(len + 1));
        } else {
          scratch.i32(int32_t(len));
        }
        if (!scratch.ok() || scratch.data() != base) return false;
        if (len > 0) {
          cut();
          out.push_back(*p.records);
        }
      }
      e.no_tags();
    }
    e.no_tags();
  }
  e.no_tags();
  if (!scratch.ok() || scratch.data() != base) return false;
  cut();
  return true;
}

bool ProduceRequest::decode(Reader& r, int16_t version) {
  // Every field is assigned, but the vectors and strings keep their storage: a server (the
  // null sink) decodes one of these per request into the same struct.
  const bool flexible = traits.is_flexible(version);
  fields::Decoder d{r, flexible};
  transactional_id.reset();
  if (version >= 3) {
    auto id = flexible ? r.compact_nullable_string() : r.nullable_string();
    if (id) transactional_id.emplace(*id);
  }
  acks = r.i16();
  timeout_ms = r.i32();
  int32_t nt = d.array_length(2);
  topic_data.resize(size_t(nt < 0 ? 0 : nt));
  for (TopicData& t : topic_data) {
    if (version <= 12) {
      t.name.assign(flexible ? r.compact_string() : r.string());
      t.topic_id = Uuid{};
    } else {
      t.name.clear();
      t.topic_id = r.uuid();
    }
    int32_t np = d.array_length(5);
    t.partition_data.resize(size_t(np < 0 ? 0 : np));
    for (PartitionData& p : t.partition_data) {
      p.index = r.i32();
      p.records = d.nullable_bytes();
      d.skip_tags();
    }
    d.skip_tags();
  }
  d.skip_tags();
  return r.ok();
}

void ProduceResponse::encode(Writer& w, int16_t version) const {
  const bool flexible = traits.is_flexible(version);
  fields::Encoder e{w, flexible};
  e.array_length(responses.size());
  for (const TopicResponse& t : responses) {
    encode_topic(e, t.name, t.topic_id, version);
    e.array_length(t.partition_responses.size());
    for (const PartitionResponse& p : t.partition_responses) {
      w.i32(p.index);
      w.i16(p.error_code);
      w.i64(p.base_offset);
      w.i64(p.log_append_time_ms);
      if (version >= 5) w.i64(p.log_start_offset);
      if (version >= 8) {
        e.array_length(p.record_errors.size());
        for (const BatchIndexAndErrorMessage& re : p.record_errors) {
          w.i32(re.batch_index);
          e.nullable_string(re.batch_index_error_message);
          e.no_tags();
        }
        e.nullable_string(p.error_message);
      }
      if (flexible) {
        if (version >= 10 && !p.current_leader.is_default()) {
          w.uvarint(1);
          fields::write_tag(w, 0, [&](Writer& tw) {
            tw.i32(p.current_leader.leader_id);
            tw.i32(p.current_leader.leader_epoch);
            tw.empty_tagged_fields();
          });
        } else {
          w.empty_tagged_fields();
        }
      }
    }
    e.no_tags();
  }
  w.i32(throttle_time_ms);
  if (flexible) {
    if (version >= 10 && !node_endpoints.empty()) {
      w.uvarint(1);
      fields::write_tag(w, 0, [&](Writer& tw) { fields::encode_node_endpoints(tw, node_endpoints); });
    } else {
      w.empty_tagged_fields();
    }
  }
}

bool ProduceResponse::decode(Reader& r, int16_t version) {
  *this = ProduceResponse{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  int32_t nt = d.sized_array(responses, 2);
  for (int32_t i = 0; i < nt; ++i) {
    TopicResponse& t = responses[size_t(i)];
    decode_topic(d, t.name, t.topic_id, version);
    int32_t np = d.sized_array(t.partition_responses, 22);
    for (int32_t j = 0; j < np; ++j) {
      PartitionResponse& p = t.partition_responses[size_t(j)];
      p.index = r.i32();
      p.error_code = r.i16();
      p.base_offset = r.i64();
      p.log_append_time_ms = r.i64();
      if (version >= 5) p.log_start_offset = r.i64();
      if (version >= 8) {
        int32_t ne = d.sized_array(p.record_errors, 5);
        for (int32_t k = 0; k < ne; ++k) {
          BatchIndexAndErrorMessage& re = p.record_errors[size_t(k)];
          re.batch_index = r.i32();
          re.batch_index_error_message = d.nullable_string();
          d.skip_tags();
        }
        p.error_message = d.nullable_string();
      }
      d.tags([&](uint32_t tag, Reader& tr) {
        if (tag == 0 && version >= 10) {
          p.current_leader.leader_id = tr.i32();
          p.current_leader.leader_epoch = tr.i32();
          tr.skip_tagged_fields();
        }
      });
    }
    d.skip_tags();
  }
  throttle_time_ms = r.i32();
  d.tags([&](uint32_t tag, Reader& tr) {
    if (tag == 0 && version >= 10) fields::decode_node_endpoints(tr, node_endpoints);
  });
  return r.ok();
}

}  // namespace rawkafka::protocol
