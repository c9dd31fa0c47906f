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

namespace {

// Hands `stream` to next_from() in pieces of `piece` bytes, as provided receive buffers would.
// `copied` counts frames that came from the decoder's buffer rather than straight from input.
std::vector<Bytes> feed_from(FrameDecoder& decoder, const Bytes& stream, size_t piece,
                             size_t* copied = nullptr, FrameDecoder::Status* error = nullptr) {
  std::vector<Bytes> frames;
  for (size_t at = 0; at < stream.size(); at += piece) {
    Bytes chunk(stream.begin() + static_cast<ptrdiff_t>(at),
                stream.begin() + static_cast<ptrdiff_t>(std::min(stream.size(), at + piece)));
    std::span<const uint8_t> input(chunk);
    std::span<const uint8_t> frame;
    for (;;) {
      FrameDecoder::Status status = decoder.next_from(input, frame);
      if (status == FrameDecoder::Status::need_more) break;
      if (status != FrameDecoder::Status::frame) {
        if (error) *error = status;
        return frames;
      }
      bool from_input = frame.data() >= chunk.data() && frame.data() < chunk.data() + chunk.size();
      if (copied && !from_input) ++*copied;
      frames.emplace_back(frame.begin(), frame.end());
    }
    CHECK(input.empty());
  }
  return frames;
}

}  // namespace

TEST_CASE("frame decoder: next_from yields the same frames for every split, copying only "
          "split ones") {
  std::vector<Bytes> bodies;
  Bytes stream;
  for (uint32_t i = 0; i < 40; ++i) {
    bodies.push_back(pattern((i * 37) % 300, i));
    Bytes frame = make_frame(bodies.back());
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  for (size_t piece : {size_t{1}, size_t{3}, size_t{7}, size_t{100}, size_t{1000},
                       stream.size()}) {
    CAPTURE(piece);
    FrameDecoder decoder(1 << 20, 64);
    size_t copied = 0;
    CHECK(feed_from(decoder, stream, piece, &copied) == bodies);
    CHECK(decoder.buffered() == 0);
    if (piece == stream.size()) CHECK(copied == 0);  // all in one buffer: no frame copied
    if (piece == 1) CHECK(copied == bodies.size());
  }
}

TEST_CASE("frame decoder: next_from assembles a frame spanning many buffers, then goes back to "
          "taking frames in place") {
  Bytes big = pattern(3u << 20, 5);
  Bytes small = pattern(10, 6);
  Bytes stream = make_frame(big);
  for (int i = 0; i < 3; ++i) {
    Bytes frame = make_frame(small);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  FrameDecoder decoder(8u << 20, 4096);
  size_t copied = 0;
  // 64 KiB pieces: the big frame ends 4 bytes into a piece that also holds all three small ones.
  auto frames = feed_from(decoder, stream, 64 * 1024, &copied);
  REQUIRE(frames.size() == 4);
  CHECK(frames[0] == big);
  CHECK(frames[3] == small);
  CHECK(copied == 1);
}

TEST_CASE("frame decoder: next_from reports bad lengths like next") {
  FrameDecoder::Status status = FrameDecoder::Status::frame;
  FrameDecoder negative(1024);
  CHECK(feed_from(negative, Bytes{0xff, 0xff, 0xff, 0xfe, 1, 2}, 6, nullptr, &status).empty());
  CHECK(status == FrameDecoder::Status::negative_length);
  CHECK(negative.rejected_length() == -2);

  FrameDecoder large(1024);
  Bytes stream = make_frame(pattern(8, 1));
  stream.insert(stream.end(), {0, 0, 4, 1, 0});
  CHECK(feed_from(large, stream, stream.size(), nullptr, &status).size() == 1);
  CHECK(status == FrameDecoder::Status::too_large);
  CHECK(large.rejected_length() == 1025);
}
