// Request/response headers and version negotiation (protocol guide, "Headers"; KIP-482 for
// the flexible header versions; KIP-511 for ApiVersions' always-v0 response header).

#include <doctest/doctest.h>

#include <vector>

#include "rawkafka/protocol/messages/all.hpp"

using namespace rawkafka::protocol;

namespace {
std::vector<uint8_t> bytes_of(const Writer& w) { return {w.data(), w.data() + w.size()}; }
}  // namespace

TEST_CASE("request header v1 (non-flexible): key, version, correlation id, int16 client id") {
  std::vector<uint8_t> buf;
  Writer w(buf);
  size_t at = begin_request(w, ApiKey::metadata, 1, 7, "rk");
  CHECK(at == 0);
  end_frame(w, at);
  std::vector<uint8_t> want = {0, 0, 0, 12, 0, 3, 0, 1, 0, 0, 0, 7, 0, 2, 'r', 'k'};
  CHECK(bytes_of(w) == want);
  CHECK(request_frame_prefix_size(ApiKey::metadata, 1, "rk") == w.size());
}

TEST_CASE("request header v2 (flexible) keeps an int16 client id and adds an empty tag section") {
  std::vector<uint8_t> buf;
  Writer w(buf);
  size_t at = begin_request(w, ApiKey::produce, 9, 0x01020304, "ab");
  end_frame(w, at);
  std::vector<uint8_t> want = {0, 0, 0, 13, 0, 0, 0, 9, 1, 2, 3, 4, 0, 2, 'a', 'b', 0};
  CHECK(bytes_of(w) == want);
  CHECK(request_frame_prefix_size(ApiKey::produce, 9, "ab") == w.size());
  // Produce v8 is the last non-flexible version.
  CHECK(request_frame_prefix_size(ApiKey::produce, 8, "ab") == w.size() - 1);
}

TEST_CASE("request headers read back, flexible or not") {
  for (auto [key, version] : {std::pair{ApiKey::produce, int16_t(3)}, {ApiKey::produce, int16_t(13)},
                              {ApiKey::api_versions, int16_t(3)}, {ApiKey::sasl_handshake, int16_t(1)}}) {
    std::vector<uint8_t> buf;
    Writer w(buf);
    size_t at = begin_request(w, key, version, 42, "client-x");
    w.i32(0x5a5a5a5a);  // first body field
    end_frame(w, at);
    Reader r(w.data() + 4, w.size() - 4);
    RequestHeader h;
    REQUIRE(read_request_header(r, h));
    CHECK(h.api_key == key);
    CHECK(h.api_version == version);
    CHECK(h.correlation_id == 42);
    REQUIRE(h.client_id.has_value());
    CHECK(*h.client_id == "client-x");
    CHECK(r.i32() == 0x5a5a5a5a);
    CHECK(r.empty());
  }
}

TEST_CASE("a request header with an unknown api key or a short read fails") {
  uint8_t unknown[] = {0, 99, 0, 0, 0, 0, 0, 1, 0xff, 0xff};
  Reader r1(unknown, sizeof unknown);
  RequestHeader h;
  CHECK_FALSE(read_request_header(r1, h));
  uint8_t shortread[] = {0, 0, 0, 9, 0, 0};
  Reader r2(shortread, sizeof shortread);
  CHECK_FALSE(read_request_header(r2, h));
}

TEST_CASE("response header v0 and v1; ApiVersions' response header is always v0") {
  {
    std::vector<uint8_t> buf;
    Writer w(buf);
    end_frame(w, begin_response(w, ApiKey::metadata, 8, 5));
    CHECK(bytes_of(w) == std::vector<uint8_t>{0, 0, 0, 4, 0, 0, 0, 5});
  }
  {
    std::vector<uint8_t> buf;
    Writer w(buf);
    end_frame(w, begin_response(w, ApiKey::metadata, 9, 5));
    CHECK(bytes_of(w) == std::vector<uint8_t>{0, 0, 0, 5, 0, 0, 0, 5, 0});
  }
  {
    std::vector<uint8_t> buf;
    Writer w(buf);
    end_frame(w, begin_response(w, ApiKey::api_versions, 3, 5));
    CHECK(bytes_of(w) == std::vector<uint8_t>{0, 0, 0, 4, 0, 0, 0, 5});
  }
  // Reading: v1 skips tagged fields (here one unknown tag), v0 leaves the body alone.
  uint8_t v1[] = {0, 0, 0, 9, 1, 7, 2, 0xaa, 0xbb, 0x11};
  Reader r1(v1, sizeof v1);
  int32_t corr = 0;
  REQUIRE(read_response_header(r1, ApiKey::produce, 9, corr));
  CHECK(corr == 9);
  CHECK(r1.i8() == 0x11);
  uint8_t v0[] = {0, 0, 0, 9, 0};
  Reader r0(v0, sizeof v0);
  REQUIRE(read_response_header(r0, ApiKey::api_versions, 4, corr));
  CHECK(r0.remaining() == 1);
}

TEST_CASE("version traits follow Kafka 4's message definitions") {
  CHECK(traits_for(ApiKey::produce)->min_version == 3);
  CHECK(traits_for(ApiKey::produce)->max_version == 13);
  CHECK(traits_for(ApiKey::produce)->first_flexible == 9);
  CHECK(traits_for(ApiKey::fetch)->first_flexible == 12);
  CHECK(traits_for(ApiKey::metadata)->first_flexible == 9);
  CHECK(traits_for(ApiKey::api_versions)->first_flexible == 3);
  CHECK(traits_for(ApiKey::create_topics)->first_flexible == 5);
  CHECK(traits_for(ApiKey::init_producer_id)->first_flexible == 2);
  CHECK(traits_for(ApiKey::list_offsets)->first_flexible == 6);
  CHECK(traits_for(ApiKey::sasl_authenticate)->first_flexible == 2);
  CHECK_FALSE(traits_for(ApiKey::sasl_handshake)->is_flexible(1));
  CHECK(traits_for(ApiKey(99)) == nullptr);
  CHECK(all_api_traits().size() == 9);
  for (const ApiTraits& t : all_api_traits()) {
    CHECK(traits_for(t.key) == &t);
    CHECK(api_name(t.key) != "Unknown");
  }
}

TEST_CASE("negotiation picks the highest common version and never goes below our minimum") {
  std::vector<ApiVersionRange> broker = {{ApiKey::produce, 0, 12}, {ApiKey::fetch, 4, 17},
                                         {ApiKey::metadata, 0, 20}};
  CHECK(negotiate(ApiKey::produce, broker) == int16_t(12));
  CHECK(negotiate(ApiKey::fetch, broker) == int16_t(17));
  CHECK(negotiate(ApiKey::metadata, broker) == int16_t(13));
  CHECK_FALSE(negotiate(ApiKey::api_versions, broker).has_value());  // not listed
  std::vector<ApiVersionRange> old_broker = {{ApiKey::produce, 0, 2}};
  CHECK_FALSE(negotiate(ApiKey::produce, old_broker).has_value());  // v0-v2 only: never used
  CHECK_FALSE(negotiate(ApiKey(99), broker).has_value());
  // The broker's own minimum is respected too.
  std::vector<ApiVersionRange> future = {{ApiKey::produce, 14, 20}};
  CHECK_FALSE(negotiate(*traits_for(ApiKey::produce), future).has_value());
}

TEST_CASE("negotiation works from a decoded ApiVersions response") {
  ApiVersionsResponse resp;
  resp.api_keys = {{ApiKey::produce, 0, 13}, {ApiKey::init_producer_id, 0, 6}};
  std::vector<uint8_t> buf;
  Writer w(buf);
  resp.encode(w, 3);
  Reader r(w.written());
  ApiVersionsResponse back;
  REQUIRE(back.decode(r, 3));
  CHECK(negotiate(ApiKey::produce, back.api_keys) == int16_t(13));
  CHECK(negotiate(ApiKey::init_producer_id, back.api_keys) == int16_t(5));
  REQUIRE(back.find(ApiKey::produce) != nullptr);
  CHECK(back.find(ApiKey::produce)->max_version == 13);
  CHECK(back.find(ApiKey::fetch) == nullptr);
}
