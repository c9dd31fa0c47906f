#include "rawkafka/io/frame_decoder.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

#include "loopback_peer.hpp"

using rawkafka::io::FrameDecoder;
using namespace rawkafka::io::test;

namespace {

// Feeds `stream` in pieces of `piece` bytes; returns the frames or stops at the first error.
std::vector<Bytes> feed(FrameDecoder& decoder, const Bytes& stream, size_t piece,
                        FrameDecoder::Status* error = nullptr) {
  std::vector<Bytes> frames;
  size_t at = 0;
  while (at < stream.size()) {
    std::span<uint8_t> space = decoder.writable();
    REQUIRE(!space.empty());
    size_t n = std::min({piece, space.size(), stream.size() - at});
    std::memcpy(space.data(), stream.data() + at, n);
    decoder.commit(n);
    at += n;
    std::span<const uint8_t> frame;
    for (;;) {
      FrameDecoder::Status status = decoder.next(frame);
      if (status == FrameDecoder::Status::frame) {
        frames.emplace_back(frame.begin(), frame.end());
        continue;
      }
      if (status != FrameDecoder::Status::need_more) {
        if (error) *error = status;
        return frames;
      }
      break;
    }
  }
  return frames;
}

}  // namespace

TEST_CASE("frame decoder: every split of a stream yields the same frames") {
  std::vector<Bytes> bodies = {pattern(0, 1), pattern(1, 2), pattern(300, 3), pattern(5, 4)};
  Bytes stream;
  for (const Bytes& body : bodies) {
    Bytes frame = make_frame(body);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  for (size_t piece : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{64}, stream.size()}) {
    FrameDecoder decoder(1 << 20, 64);
    CHECK(feed(decoder, stream, piece) == bodies);
    CHECK(decoder.buffered() == 0);
  }
}

TEST_CASE("frame decoder: a frame larger than the buffer is assembled contiguously") {
  Bytes body = pattern(3u << 20, 9);
  FrameDecoder decoder(8u << 20, 4096);
  auto frames = feed(decoder, make_frame(body), 70000);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0] == body);
  // Grown to hold the frame once, not doubled past it.
  CHECK(decoder.capacity() <= body.size() + 4 + 4096);
}

TEST_CASE("frame decoder: negative and oversized lengths are errors naming the length") {
  FrameDecoder::Status status = FrameDecoder::Status::frame;
  FrameDecoder negative(1024);
  CHECK(feed(negative, Bytes{0xff, 0xff, 0xff, 0xfe, 1, 2}, 6, &status).empty());
  CHECK(status == FrameDecoder::Status::negative_length);
  CHECK(negative.rejected_length() == -2);

  FrameDecoder large(1024);
  CHECK(feed(large, Bytes{0, 0, 4, 1}, 4, &status).empty());
  CHECK(status == FrameDecoder::Status::too_large);
  CHECK(large.rejected_length() == 1025);

  // Exactly the limit is fine.
  FrameDecoder limit(1024);
  CHECK(feed(limit, make_frame(pattern(1024, 1)), 100).size() == 1);
}

TEST_CASE("frame decoder: a partial length prefix is held back") {
  FrameDecoder decoder(1024, 64);
  CHECK(feed(decoder, Bytes{0, 0}, 2).empty());
  CHECK(decoder.buffered() == 2);
  CHECK(feed(decoder, Bytes{0, 1, 42}, 3) == std::vector<Bytes>{Bytes{42}});
  CHECK(decoder.buffered() == 0);
}
