// ProduceRequest::encode_gather / encoded_size agree with encode() byte for byte.

#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "fixtures.hpp"

using namespace rawkafka::protocol;

namespace {

ProduceRequest many_partitions(const std::vector<std::vector<uint8_t>>& batches) {
  ProduceRequest req;
  req.transactional_id = "tx";
  req.acks = 1;
  req.timeout_ms = 2000;
  for (size_t t = 0; t < 3; ++t) {
    ProduceRequest::TopicData td;
    td.name = "topic-" + std::to_string(t);
    td.topic_id.bytes[0] = uint8_t(t + 1);
    for (size_t p = 0; p < batches.size(); ++p) {
      if (p == 1) {
        td.partition_data.push_back({int32_t(p), std::nullopt});
      } else {
        td.partition_data.push_back({int32_t(p), Bytes(batches[p])});
      }
    }
    req.topic_data.push_back(td);
  }
  return req;
}

std::vector<uint8_t> join(const std::vector<std::span<const uint8_t>>& spans) {
  std::vector<uint8_t> out;
  for (auto s : spans) out.insert(out.end(), s.begin(), s.end());
  return out;
}

}  // namespace

TEST_CASE("encode_gather concatenates to exactly what encode writes, without copying records") {
  std::vector<std::vector<uint8_t>> batches;
  batches.push_back(std::vector<uint8_t>(200, 0xab));
  batches.push_back({});
  batches.push_back(std::vector<uint8_t>(0));  // empty but present
  batches.push_back(std::vector<uint8_t>(300, 0xcd));
  ProduceRequest req = many_partitions(batches);
  for (int16_t v = ProduceRequest::traits.min_version; v <= ProduceRequest::traits.max_version; ++v) {
    CAPTURE(v);
    std::vector<uint8_t> plain;
    Writer w(plain);
    req.encode(w, v);
    w.finish();
    CHECK(req.encoded_size(v) == plain.size());

    std::array<uint8_t, 512> scratch_buf{};
    Writer scratch(scratch_buf.data(), scratch_buf.size());
    std::vector<std::span<const uint8_t>> spans;
    REQUIRE(req.encode_gather(scratch, spans, v));
    CHECK(join(spans) == plain);
    // The record bytes are referenced where they live.
    int referenced = 0;
    for (auto s : spans) {
      if (s.data() == batches[0].data() || s.data() == batches[3].data()) ++referenced;
    }
    CHECK(referenced == 6);
    CHECK(scratch.size() + 6 * 250 == plain.size());
  }
}

TEST_CASE("encode_gather appends after what the scratch and span list already hold") {
  ProduceRequest req = fixtures::produce_request(9);
  std::array<uint8_t, 256> scratch_buf{};
  Writer scratch(scratch_buf.data(), scratch_buf.size());
  size_t at = begin_request(scratch, ApiKey::produce, 9, 77, "cid");
  std::vector<std::span<const uint8_t>> spans;
  spans.emplace_back(scratch.data(), scratch.size());  // the header, cut by the caller
  size_t header = scratch.size();
  REQUIRE(req.encode_gather(scratch, spans, 9));
  end_frame(scratch, at, req.encoded_size(9) - (scratch.size() - header));
  std::vector<uint8_t> frame = join(spans);
  // header + body prefix are one span, then the records, then the rest of the body.
  CHECK(spans.size() == 3);

  std::vector<uint8_t> plain;
  Writer w(plain);
  size_t pat = begin_request(w, ApiKey::produce, 9, 77, "cid");
  req.encode(w, 9);
  end_frame(w, pat);
  w.finish();
  CHECK(frame == plain);
}

TEST_CASE("encode_gather reports a scratch buffer that is too small") {
  ProduceRequest req = fixtures::produce_request(3);
  for (size_t cap : {size_t(0), size_t(4), size_t(20), size_t(30)}) {
    std::vector<uint8_t> small(cap);
    Writer scratch(small.data(), small.size());
    std::vector<std::span<const uint8_t>> spans;
    CHECK_FALSE(req.encode_gather(scratch, spans, 3));
  }
}

TEST_CASE("encode_gather refuses a growable scratch that reallocates under its spans") {
  ProduceRequest req = fixtures::produce_request(9);
  std::vector<uint8_t> storage;  // empty: the first write reallocates
  Writer scratch(storage);
  std::vector<std::span<const uint8_t>> spans;
  CHECK_FALSE(req.encode_gather(scratch, spans, 9));
}
