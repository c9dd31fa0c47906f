// Fuzzes every message decoder, responses (what a broker sends us) and requests (what the
// null sink reads). The first byte picks the message, kind and version; the rest is decoded.
// Nothing may read out of bounds, and whatever decodes must survive encode -> decode
// unchanged. Seeds: tests/fuzz/corpus/fuzz_responses/ (selector byte + a valid encoding).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rawkafka/protocol/messages/all.hpp"

using namespace rawkafka::protocol;

namespace {

using DecodeFn = void (*)(const uint8_t* data, size_t size, int16_t version);

template <class Message>
void decode_one(const uint8_t* data, size_t size, int16_t version) {
  Reader r(data, size);
  Message m;
  if (!m.decode(r, version)) return;
  // A message that decoded must encode, and decoding that must give the same message.
  std::vector<uint8_t> again;
  Writer w(again);
  m.encode(w, version);
  w.finish();
  Reader r2(again.data(), again.size());
  Message m2;
  if (!m2.decode(r2, version) || !r2.empty() || !(m == m2)) std::abort();
}

struct Target {
  DecodeFn decode;
  int16_t version;
};

template <class Request, class Response>
void add(std::vector<Target>& out, int16_t max_version = Request::traits.max_version) {
  // Same order as the seed generator: the request's versions, then the response's.
  for (int16_t v = Request::traits.min_version; v <= max_version; ++v) {
    out.push_back({&decode_one<Request>, v});
  }
  for (int16_t v = Request::traits.min_version; v <= max_version; ++v) {
    out.push_back({&decode_one<Response>, v});
  }
}

const std::vector<Target>& targets() {
  static const std::vector<Target> t = [] {
    std::vector<Target> out;
    add<ProduceRequest, ProduceResponse>(out);
    add<FetchRequest, FetchResponse>(out);
    add<ListOffsetsRequest, ListOffsetsResponse>(out);
    add<MetadataRequest, MetadataResponse>(out);
    add<SaslHandshakeRequest, SaslHandshakeResponse>(out);
    add<ApiVersionsRequest, ApiVersionsResponse>(out, ApiVersionsRequest::codec_max_version);
    add<CreateTopicsRequest, CreateTopicsResponse>(out);
    add<InitProducerIdRequest, InitProducerIdResponse>(out);
    add<SaslAuthenticateRequest, SaslAuthenticateResponse>(out);
    return out;
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto& t = targets();
  const Target& target = t[data[0] % t.size()];
  // Copy so that the sanitizer sees the exact end of the input.
  std::vector<uint8_t> body(data + 1, data + size);
  target.decode(body.data(), body.size(), target.version);
  // Also read the frame as a request header + body, as the null sink does.
  Reader r(body.data(), body.size());
  RequestHeader header;
  if (read_request_header(r, header)) {
    (void)header;
  }
  return 0;
}
