#pragma once
// Shared by the codec implementations; not part of the public API.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "rawkafka/compression/codecs.hpp"

namespace rawkafka::compression::detail {

std::unique_ptr<Codec> make_none_codec();
std::unique_ptr<Codec> make_gzip_codec(int level);
std::unique_ptr<Codec> make_snappy_codec();
std::unique_ptr<Codec> make_lz4_codec(int level);
std::unique_ptr<Codec> make_zstd_codec(int level);

// Bytes a decompressor may write before it first grows `out`, when nothing better is known.
inline constexpr size_t kFirstOutputStep = 64 * 1024;

// Resizes `out` to `size`, reserving exactly that much when it must reallocate (resize() alone
// may double the capacity, past the caller's limit).
inline void grow_output(std::vector<uint8_t>& out, size_t size) {
  if (size > out.capacity()) out.reserve(size);
  out.resize(size);
}

// Sets up `out` as a decompressor's working area: at least `want` bytes and never more than
// `limit`. It is not shrunk below `want`: growing within the vector's capacity reuses it, so
// steady state allocates nothing and only bytes beyond the previous size get value-initialised.
inline void ensure_output_size(std::vector<uint8_t>& out, size_t want, size_t limit) {
  if (want > limit) want = limit;
  if (out.size() > limit) {
    out.resize(limit);
  } else if (out.size() < want) {
    grow_output(out, want);
  }
}

// The next size of a growing output: double, at least kFirstOutputStep, capped at `limit`.
inline size_t next_output_size(size_t current, size_t limit) {
  size_t next = current < kFirstOutputStep ? kFirstOutputStep : current * 2;
  if (next < current || next > limit) next = limit;
  return next;
}

// The first size to offer a streaming decompressor: the hint if any, else what `out` can hold
// already, else a few times the input; never more than `limit`.
inline size_t first_output_size(const std::vector<uint8_t>& out, size_t input_size, size_t hint,
                                size_t limit) {
  size_t want = hint;
  if (want == 0) {
    want = out.capacity();
    size_t guess = input_size * 4;
    if (guess / 4 != input_size) guess = SIZE_MAX;
    if (guess < kFirstOutputStep) guess = kFirstOutputStep;
    if (want < guess) want = guess;
  }
  return want > limit ? limit : want;
}

inline CodecResult failed(CodecStatus status) { return CodecResult{status, 0}; }
inline CodecResult written(size_t size) { return CodecResult{CodecStatus::ok, size}; }

}  // namespace rawkafka::compression::detail
