#include "rawkafka/protocol/messages/init_producer_id.hpp"

#include "field_codec.hpp"

namespace rawkafka::protocol {

void InitProducerIdRequest::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  e.nullable_string(transactional_id);
  w.i32(transaction_timeout_ms);
  if (version >= 3) {
    w.i64(producer_id);
    w.i16(producer_epoch);
  }
  e.no_tags();
}

bool InitProducerIdRequest::decode(Reader& r, int16_t version) {
  *this = InitProducerIdRequest{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  transactional_id = d.nullable_string();
  transaction_timeout_ms = r.i32();
  if (version >= 3) {
    producer_id = r.i64();
    producer_epoch = r.i16();
  }
  d.skip_tags();
  return r.ok();
}

void InitProducerIdResponse::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  w.i32(throttle_time_ms);
  w.i16(error_code);
  w.i64(producer_id);
  w.i16(producer_epoch);
  e.no_tags();
}

bool InitProducerIdResponse::decode(Reader& r, int16_t version) {
  *this = InitProducerIdResponse{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  throttle_time_ms = r.i32();
  error_code = r.i16();
  producer_id = r.i64();
  producer_epoch = r.i16();
  d.skip_tags();
  return r.ok();
}

}  // namespace rawkafka::protocol
