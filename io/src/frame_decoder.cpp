#include "rawkafka/io/frame_decoder.hpp"

#include <algorithm>
#include <cstring>

namespace rawkafka::io {
namespace {

constexpr size_t length_prefix = 4;

int64_t read_length(const uint8_t* p) {
  uint32_t raw = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  return static_cast<int32_t>(raw);
}

}  // namespace

FrameDecoder::FrameDecoder(size_t max_frame_size, size_t min_read, Framing framing)
    : max_frame_size_(max_frame_size), min_read_(std::max<size_t>(min_read, 64)), framing_(framing) {}

void FrameDecoder::reallocate(size_t new_capacity) {
  std::unique_ptr<uint8_t[]> fresh(new uint8_t[new_capacity]);
  size_t held = end_ - begin_;
  if (held != 0) std::memcpy(fresh.get(), data_.get() + begin_, held);
  data_ = std::move(fresh);
  capacity_ = new_capacity;
  begin_ = 0;
  end_ = held;
}

std::span<uint8_t> FrameDecoder::writable() {
  size_t held = end_ - begin_;
  if (held == 0) begin_ = end_ = 0;

  // Room wanted after end_: the rest of a frame whose length is known, else a small minimum.
  size_t wanted = min_read_ / 4;
  if (framing_ == Framing::length_prefixed && held >= length_prefix) {
    int64_t length = read_length(data_.get() + begin_);
    if (length >= 0 && static_cast<size_t>(length) <= max_frame_size_) {
      size_t total = length_prefix + static_cast<size_t>(length);
      if (total > held) wanted = std::max<size_t>(total - held, 1);
    }
  }

  size_t tail = capacity_ - end_;
  if (tail < wanted || (tail < min_read_ / 4 && begin_ != 0)) {
    if (capacity_ - held >= wanted && capacity_ >= min_read_) {
      std::memmove(data_.get(), data_.get() + begin_, held);
      begin_ = 0;
      end_ = held;
    } else {
      reallocate(std::max(held + wanted, min_read_));
    }
  }
  return {data_.get() + end_, capacity_ - end_};
}

FrameDecoder::Status FrameDecoder::next(std::span<const uint8_t>& frame) {
  size_t held = end_ - begin_;
  if (framing_ == Framing::none) {
    if (held == 0) return Status::need_more;
    frame = {data_.get() + begin_, held};
    begin_ = end_;
    return Status::frame;
  }
  if (held < length_prefix) return Status::need_more;
  int64_t length = read_length(data_.get() + begin_);
  if (length < 0) {
    rejected_length_ = length;
    return Status::negative_length;
  }
  if (static_cast<size_t>(length) > max_frame_size_) {
    rejected_length_ = length;
    return Status::too_large;
  }
  size_t total = length_prefix + static_cast<size_t>(length);
  if (held < total) return Status::need_more;
  frame = {data_.get() + begin_ + length_prefix, static_cast<size_t>(length)};
  begin_ += total;
  return Status::frame;
}

FrameDecoder::Status FrameDecoder::next_from(std::span<const uint8_t>& input,
                                             std::span<const uint8_t>& frame) {
  if (framing_ == Framing::none) {
    if (end_ != begin_ || input.empty()) return next(frame);
    frame = input;
    input = {};
    return Status::frame;
  }
  for (;;) {
    if (end_ == begin_ && input.size() >= length_prefix) {
      int64_t length = read_length(input.data());
      size_t body = static_cast<size_t>(length);
      if (length >= 0 && body <= max_frame_size_ && input.size() - length_prefix >= body) {
        frame = input.subspan(length_prefix, body);
        input = input.subspan(length_prefix + body);
        return Status::frame;
      }
      // An incomplete frame, or a bad length that next() reports below.
    }
    Status status = next(frame);
    if (status != Status::need_more || input.empty()) return status;
    // Copy only what completes the held prefix or frame: the frames after it are taken in place.
    size_t held = end_ - begin_;
    size_t missing = length_prefix - std::min(held, length_prefix);
    if (missing == 0) {
      missing = length_prefix + static_cast<size_t>(read_length(data_.get() + begin_)) - held;
    }
    std::span<uint8_t> space = writable();
    size_t n = std::min({space.size(), input.size(), missing});
    std::memcpy(space.data(), input.data(), n);
    commit(n);
    input = input.subspan(n);
  }
}

}  // namespace rawkafka::io
