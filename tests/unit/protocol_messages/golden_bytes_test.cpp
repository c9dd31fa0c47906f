// Hand-checked byte vectors, written out from the protocol guide's primitive types.

#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "rawkafka/protocol/messages/all.hpp"

using namespace rawkafka::protocol;

namespace {

std::vector<uint8_t> str_bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

TEST_CASE("ApiVersions v3 request with client software name and version, whole frame") {
  ApiVersionsRequest req;
  req.client_software_name = "rawkafka";
  req.client_software_version = "0.1.0";
  std::vector<uint8_t> buf;
  Writer w(buf);
  size_t at = begin_request(w, ApiKey::api_versions, 3, 1, "rk");
  req.encode(w, 3);
  end_frame(w, at);
  w.finish();
  std::vector<uint8_t> want = cat({
      {0, 0, 0, 29},               // size: 13 header bytes + 16 body bytes
      {0, 18, 0, 3, 0, 0, 0, 1},   // api key 18, version 3, correlation id 1
      {0, 2, 'r', 'k'},            // client id: int16 length string, even in header v2
      {0},                         // header tagged fields
      {9}, str_bytes("rawkafka"),  // COMPACT_STRING: uvarint(len + 1)
      {6}, str_bytes("0.1.0"),
      {0},  // body tagged fields
  });
  CHECK(buf == want);
  CHECK(want.size() - 4 == 29);
}

TEST_CASE("Metadata v1 request for one topic and for all topics") {
  MetadataRequest req;
  req.topics = std::vector<MetadataRequest::Topic>{{Uuid{}, "alpha"}};
  std::vector<uint8_t> buf;
  Writer w(buf);
  req.encode(w, 1);
  w.finish();
  CHECK(buf == cat({{0, 0, 0, 1}, {0, 5}, str_bytes("alpha")}));

  MetadataRequest all;
  std::vector<uint8_t> b2;
  Writer w2(b2);
  all.encode(w2, 1);
  w2.finish();
  CHECK(b2 == std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff});  // null array = all topics
}

TEST_CASE("Produce v3 request with one partition") {
  const uint8_t records[] = {0xde, 0xad, 0xbe};
  ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  req.topic_data.push_back({"alpha", Uuid{}, {{0, Bytes(records, 3)}}});
  std::vector<uint8_t> buf;
  Writer w(buf);
  req.encode(w, 3);
  w.finish();
  std::vector<uint8_t> want = cat({
      {0xff, 0xff},              // transactional_id: null NULLABLE_STRING
      {0xff, 0xff},              // acks -1
      {0x00, 0x00, 0x75, 0x30},  // timeout 30000
      {0, 0, 0, 1},              // one topic
      {0, 5}, str_bytes("alpha"),
      {0, 0, 0, 1},  // one partition
      {0, 0, 0, 0},  // index 0
      {0, 0, 0, 3}, {0xde, 0xad, 0xbe},  // records: int32 length + bytes
  });
  CHECK(buf == want);
  CHECK(req.encoded_size(3) == want.size());
}

TEST_CASE("Produce v9 request uses compact forms and tag sections") {
  const uint8_t records[] = {1, 2};
  ProduceRequest req;
  req.transactional_id = "t";
  req.acks = 1;
  req.timeout_ms = 1000;
  req.topic_data.push_back({"ab", Uuid{}, {{7, Bytes(records, 2)}}});
  std::vector<uint8_t> buf;
  Writer w(buf);
  req.encode(w, 9);
  w.finish();
  std::vector<uint8_t> want = {
      2, 't',              // COMPACT_NULLABLE_STRING "t"
      0, 1,                // acks 1
      0, 0, 0x03, 0xe8,    // timeout 1000
      2,                   // COMPACT_ARRAY of 1
      3, 'a', 'b',         // topic name
      2,                   // one partition
      0, 0, 0, 7,          // index 7
      3, 1, 2,             // COMPACT_RECORDS: uvarint(len + 1) + bytes
      0,                   // partition tags
      0,                   // topic tags
      0,                   // request tags
  };
  CHECK(buf == want);
}

TEST_CASE("Produce v13 request names the topic by id") {
  ProduceRequest req;
  Uuid id;
  for (size_t i = 0; i < 16; ++i) id.bytes[i] = uint8_t(0xa0 + i);
  req.topic_data.push_back({"ignored", id, {{0, std::nullopt}}});
  req.acks = 0;
  req.timeout_ms = 0;
  std::vector<uint8_t> buf;
  Writer w(buf);
  req.encode(w, 13);
  w.finish();
  std::vector<uint8_t> want = {0, 0, 0, 0, 0, 0, 0, 2};  // null txn id, acks 0, timeout 0, 1 topic
  want.insert(want.end(), id.bytes.begin(), id.bytes.end());
  std::vector<uint8_t> tail = {2, 0, 0, 0, 0, 0 /* null records */, 0, 0, 0};
  want.insert(want.end(), tail.begin(), tail.end());
  CHECK(buf == want);
}

TEST_CASE("ApiVersions v0 response decodes") {
  std::vector<uint8_t> bytes = {0, 0,  // error
                                0, 0, 0, 2, 0, 0, 0, 3, 0, 9, 0, 18, 0, 0, 0, 4};
  Reader r(bytes.data(), bytes.size());
  ApiVersionsResponse resp;
  REQUIRE(resp.decode(r, 0));
  REQUIRE(resp.api_keys.size() == 2);
  CHECK(resp.api_keys[0] == ApiVersionRange{ApiKey::produce, 3, 9});
  CHECK(resp.api_keys[1] == ApiVersionRange{ApiKey::api_versions, 0, 4});
}
