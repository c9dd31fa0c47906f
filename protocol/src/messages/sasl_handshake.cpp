#include "rawkafka/protocol/messages/sasl_handshake.hpp"

#include "field_codec.hpp"

namespace rawkafka::protocol {

void SaslHandshakeRequest::encode(Writer& w, int16_t) const { w.string(mechanism); }

bool SaslHandshakeRequest::decode(Reader& r, int16_t) {
  *this = SaslHandshakeRequest{};  // fields a version lacks keep their defaults
  mechanism = std::string(r.string());
  return r.ok();
}

void SaslHandshakeResponse::encode(Writer& w, int16_t) const {
  w.i16(error_code);
  w.array_length(int32_t(mechanisms.size()));
  for (const std::string& m : mechanisms) w.string(m);
}

bool SaslHandshakeResponse::decode(Reader& r, int16_t) {
  *this = SaslHandshakeResponse{};  // fields a version lacks keep their defaults
  fields::Decoder d{r, false};
  error_code = r.i16();
  int32_t n = d.sized_array(mechanisms, 2);
  for (int32_t i = 0; i < n; ++i) mechanisms[size_t(i)] = d.string();
  return r.ok();
}

}  // namespace rawkafka::protocol
