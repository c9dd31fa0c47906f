#pragma once
// Splits a TCP byte stream into frames: a 4-byte big-endian signed length, then that many bytes.
// The owner reads into writable(), commits what arrived, then takes frames with next() until it
// says need_more. A frame view stays valid until the next call to writable().
// Framing::none passes the stream through unsplit: each "frame" is whatever bytes are held
// (how a TLS layer above the reactor receives its records).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace rawkafka::io {

class FrameDecoder {
 public:
  enum class Status : uint8_t { frame, need_more, negative_length, too_large };
  enum class Framing : uint8_t { length_prefixed, none };

  // min_read: free space offered to each read while no large frame is being assembled.
  explicit FrameDecoder(size_t max_frame_size, size_t min_read = 64 * 1024,
                        Framing framing = Framing::length_prefixed);

  // Free space after the buffered bytes. Compacts or grows the buffer so a frame whose length
  // is already known fits whole (one contiguous view for on_frame), so a frame is copied at
  // most once after its first read.
  std::span<uint8_t> writable();
  // `n` bytes were written at the start of the last writable() span.
  void commit(size_t n) { end_ += n; }

  // The next complete frame body, or why there is none. Errors are sticky: the stream cannot
  // be resynchronised after a bad length.
  Status next(std::span<const uint8_t>& frame);

  // For bytes that arrived in a buffer the caller owns (io_uring's provided buffers): the next
  // frame, taken straight from `input` while nothing is held back (no copy), else from the
  // buffer after copying in as much of `input` as it takes. `input` is advanced past what was
  // used; need_more means all of it was. A frame view stays valid until the next call.
  Status next_from(std::span<const uint8_t>& input, std::span<const uint8_t>& frame);

  // Bytes of an incomplete frame (or length prefix) held back.
  size_t buffered() const { return end_ - begin_; }
  size_t capacity() const { return capacity_; }
  // The length prefix that next() rejected.
  int64_t rejected_length() const { return rejected_length_; }
  size_t max_frame_size() const { return max_frame_size_; }

 private:
  void reallocate(size_t new_capacity);

  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_ = 0;
  size_t begin_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // one past the last received byte
  size_t max_frame_size_;
  size_t min_read_;
  int64_t rejected_length_ = 0;
  Framing framing_;
};

}  // namespace rawkafka::io
