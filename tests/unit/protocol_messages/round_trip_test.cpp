// Every message, request and response, at every version we support: encode -> decode gives the
// same message, re-encoding gives the same bytes, and any truncation fails cleanly.

#include <doctest/doctest.h>

#include "fixtures.hpp"

using namespace rawkafka::protocol;
using rawkafka::protocol::fixtures::all_cases;

TEST_CASE("every message round-trips at every supported version") {
  int checked = 0;
  for (const auto& c : all_cases()) {
    for (int16_t v = c.traits.min_version; v <= c.max_version; ++v) {
      CAPTURE(c.api);
      CAPTURE(c.kind);
      CAPTURE(v);
      std::vector<uint8_t> bytes = c.codec.encode_fixture(v);
      std::vector<uint8_t> again;
      std::string why;
      CHECK_MESSAGE(c.codec.decode_and_compare(bytes, v, again, why), why);
      CHECK(again == bytes);
      ++checked;
    }
  }
  CHECK(checked == 2 * (11 + 15 + 11 + 14 + 2 + 6 + 6 + 6 + 3));
}

TEST_CASE("every strict prefix of an encoded message fails to decode") {
  for (const auto& c : all_cases()) {
    for (int16_t v = c.traits.min_version; v <= c.max_version; ++v) {
      CAPTURE(c.api);
      CAPTURE(c.kind);
      CAPTURE(v);
      std::vector<uint8_t> bytes = c.codec.encode_fixture(v);
      for (size_t n = 0; n < bytes.size(); ++n) {
        // A fresh copy of exactly n bytes, so a sanitizer catches any read past the end.
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + std::ptrdiff_t(n));
        bool ok = c.codec.decode_only(Bytes(prefix.data(), prefix.size()), v);
        if (ok) FAIL_CHECK("prefix of " << n << " bytes decoded as complete");
      }
    }
  }
}

TEST_CASE("corrupted bytes never crash a decoder") {
  uint32_t state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  for (const auto& c : all_cases()) {
    for (int16_t v = c.traits.min_version; v <= c.max_version; ++v) {
      std::vector<uint8_t> bytes = c.codec.encode_fixture(v);
      if (bytes.empty()) continue;  // ApiVersions v0-v2 requests have no body
      for (int round = 0; round < 200; ++round) {
        std::vector<uint8_t> copy = bytes;
        int flips = 1 + int(next() % 4);
        for (int i = 0; i < flips; ++i) copy[next() % copy.size()] = uint8_t(next());
        (void)c.codec.decode_only(Bytes(copy.data(), copy.size()), v);
      }
    }
  }
  CHECK(true);  // reaching here without a sanitizer report is the check
}

TEST_CASE("huge array counts fail instead of allocating") {
  // Metadata v1 response: throttle absent, brokers count 0x7fffffff with 4 bytes behind it.
  uint8_t bytes[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
  Reader r(bytes, sizeof bytes);
  MetadataResponse m;
  CHECK_FALSE(m.decode(r, 1));
  // Flexible: a compact count of 2^31 fails too.
  uint8_t flex[] = {0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x08};
  Reader rf(flex, sizeof flex);
  CHECK_FALSE(m.decode(rf, 9));
}

TEST_CASE("unknown tagged fields are skipped") {
  // InitProducerId v2 response: throttle, error, producer id, epoch, then one unknown tag.
  std::vector<uint8_t> bytes;
  Writer w(bytes);
  w.i32(0);
  w.i16(0);
  w.i64(55);
  w.i16(4);
  w.uvarint(1);
  w.uvarint(17);
  w.uvarint(3);
  w.raw("xyz", 3);
  w.finish();
  Reader r(bytes.data(), bytes.size());
  InitProducerIdResponse m;
  REQUIRE(m.decode(r, 2));
  CHECK(r.empty());
  CHECK(m.producer_id == 55);
  CHECK(m.producer_epoch == 4);
}

TEST_CASE("decoded records are views into the frame, not copies") {
  auto req = fixtures::produce_request(9);
  std::vector<uint8_t> bytes;
  Writer w(bytes);
  req.encode(w, 9);
  w.finish();
  Reader r(bytes.data(), bytes.size());
  ProduceRequest back;
  REQUIRE(back.decode(r, 9));
  const auto& rec = back.topic_data.at(0).partition_data.at(0).records;
  REQUIRE(rec.has_value());
  CHECK(rec->data() >= bytes.data());
  CHECK(rec->data() + rec->size() <= bytes.data() + bytes.size());

  auto resp = fixtures::fetch_response(12);
  std::vector<uint8_t> fb;
  Writer fw(fb);
  resp.encode(fw, 12);
  fw.finish();
  Reader fr(fb.data(), fb.size());
  FetchResponse fback;
  REQUIRE(fback.decode(fr, 12));
  const auto& frec = fback.responses.at(0).partitions.at(0).records;
  REQUIRE(frec.has_value());
  CHECK(frec->data() >= fb.data());
  CHECK(frec->data() + frec->size() <= fb.data() + fb.size());
}

TEST_CASE("Metadata v0 has no null topic list: all topics is an empty list") {
  MetadataRequest all;  // topics = nullopt
  std::vector<uint8_t> bytes;
  Writer w(bytes);
  all.encode(w, 0);
  w.finish();
  CHECK(bytes == std::vector<uint8_t>{0, 0, 0, 0});
  Reader r(bytes.data(), bytes.size());
  MetadataRequest back;
  back.topics.emplace();
  REQUIRE(back.decode(r, 0));
  CHECK_FALSE(back.topics.has_value());
  // v1+: null.
  std::vector<uint8_t> b1;
  Writer w1(b1);
  all.encode(w1, 1);
  w1.finish();
  CHECK(b1 == std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff});
}

TEST_CASE("decoding into a used struct gives the same result as into a fresh one") {
  ProduceRequest reused;
  for (int16_t v : {int16_t(9), int16_t(13), int16_t(3), int16_t(12), int16_t(13)}) {
    CAPTURE(v);
    std::vector<uint8_t> bytes;
    Writer w(bytes);
    fixtures::produce_request(v).encode(w, v);
    w.finish();
    Reader r(bytes.data(), bytes.size());
    REQUIRE(reused.decode(r, v));
    CHECK(reused == fixtures::produce_request(v));
  }
  FetchResponse fetch;
  for (int16_t v : {int16_t(16), int16_t(4), int16_t(12)}) {
    CAPTURE(v);
    std::vector<uint8_t> bytes;
    Writer w(bytes);
    fixtures::fetch_response(v).encode(w, v);
    w.finish();
    Reader r(bytes.data(), bytes.size());
    REQUIRE(fetch.decode(r, v));
    CHECK(fetch == fixtures::fetch_response(v));
  }
}
