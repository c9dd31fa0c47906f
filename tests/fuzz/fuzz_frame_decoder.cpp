// libFuzzer target for the FrameDecoder that splits a connection's bytes into frames. The first
// byte picks the size of the pieces the rest arrives in; the stream goes through both ways of
// feeding it: reads into writable() (the plain receive) and buffers handed to next_from() (the
// provided buffers of a multishot receive). Invariants: both yield the same frames and the same
// final status, every frame lies inside memory the decoder or the piece owns (ASan), a bad
// length is reported with the length that was read, and nothing is held back past a frame.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "rawkafka/io/frame_decoder.hpp"

using rawkafka::io::FrameDecoder;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr size_t max_frame = 4096;

struct Outcome {
  std::vector<std::vector<uint8_t>> frames;
  FrameDecoder::Status status = FrameDecoder::Status::need_more;
  int64_t rejected = 0;
};

Outcome through_reads(std::span<const uint8_t> stream, size_t piece) {
  Outcome out;
  FrameDecoder decoder(max_frame, 64);
  size_t at = 0;
  while (at < stream.size()) {
    std::span<uint8_t> space = decoder.writable();
    check(!space.empty());
    size_t n = std::min({piece, space.size(), stream.size() - at});
    std::memcpy(space.data(), stream.data() + at, n);
    decoder.commit(n);
    at += n;
    std::span<const uint8_t> frame;
    for (;;) {
      out.status = decoder.next(frame);
      if (out.status != FrameDecoder::Status::frame) break;
      check(frame.size() <= max_frame);
      out.frames.emplace_back(frame.begin(), frame.end());
    }
    if (out.status != FrameDecoder::Status::need_more) {
      out.rejected = decoder.rejected_length();
      return out;
    }
  }
  return out;
}

Outcome through_buffers(std::span<const uint8_t> stream, size_t piece) {
  Outcome out;
  FrameDecoder decoder(max_frame, 64);
  for (size_t at = 0; at < stream.size(); at += piece) {
    // A buffer of exactly the piece, so ASan sees any read past it.
    std::vector<uint8_t> buffer(stream.begin() + static_cast<ptrdiff_t>(at),
                                stream.begin() + static_cast<ptrdiff_t>(
                                                     std::min(stream.size(), at + piece)));
    std::span<const uint8_t> input(buffer);
    std::span<const uint8_t> frame;
    for (;;) {
      out.status = decoder.next_from(input, frame);
      if (out.status != FrameDecoder::Status::frame) break;
      check(frame.size() <= max_frame);
      out.frames.emplace_back(frame.begin(), frame.end());
    }
    if (out.status != FrameDecoder::Status::need_more) {
      out.rejected = decoder.rejected_length();
      return out;
    }
    check(input.empty());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t piece = size_t{data[0]} + 1;  // 1..256 bytes per read or buffer
  std::span<const uint8_t> stream(data + 1, size - 1);
  Outcome reads = through_reads(stream, piece);
  Outcome buffers = through_buffers(stream, piece);
  check(reads.frames == buffers.frames);
  check(reads.status == buffers.status);
  check(reads.rejected == buffers.rejected);
  if (reads.status == FrameDecoder::Status::negative_length) check(reads.rejected < 0);
  if (reads.status == FrameDecoder::Status::too_large) {
    check(reads.rejected > static_cast<int64_t>(max_frame));
  }
  return 0;
}
