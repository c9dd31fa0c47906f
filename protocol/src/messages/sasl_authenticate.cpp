#include "rawkafka/protocol/messages/sasl_authenticate.hpp"

#include "field_codec.hpp"

namespace rawkafka::protocol {

void SaslAuthenticateRequest::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  e.bytes(auth_bytes);
  e.no_tags();
}

bool SaslAuthenticateRequest::decode(Reader& r, int16_t version) {
  *this = SaslAuthenticateRequest{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  Bytes b = d.bytes();
  auth_bytes.assign(b.begin(), b.end());
  d.skip_tags();
  return r.ok();
}

void SaslAuthenticateResponse::encode(Writer& w, int16_t version) const {
  fields::Encoder e{w, traits.is_flexible(version)};
  w.i16(error_code);
  e.nullable_string(error_message);
  e.bytes(auth_bytes);
  if (version >= 1) w.i64(session_lifetime_ms);
  e.no_tags();
}

bool SaslAuthenticateResponse::decode(Reader& r, int16_t version) {
  *this = SaslAuthenticateResponse{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, traits.is_flexible(version)};
  error_code = r.i16();
  error_message = d.nullable_string();
  Bytes b = d.bytes();
  auth_bytes.assign(b.begin(), b.end());
  if (version >= 1) session_lifetime_ms = r.i64();
  d.skip_tags();
  return r.ok();
}

}  // namespace rawkafka::protocol
