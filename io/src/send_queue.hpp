#pragma once
// The ordered chain of buffers a connection still has to write, shared by both backends.
// Each send() is one chain with a token; a chain is done when its last byte is written.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace rawkafka::io::detail {

class SendQueue {
 public:
  void push(std::span<const std::span<const uint8_t>> buffers, uint64_t token);

  bool empty() const { return chains_.empty(); }
  size_t unsent_bytes() const { return unsent_bytes_; }

  // Appends up to `max_iov` iovecs covering at most `max_bytes` of the unsent bytes, in order;
  // returns how many.
  size_t gather(std::vector<iovec>& out, size_t max_iov, size_t max_bytes) const;

  // `n` bytes from the front were written. Appends the tokens of chains now fully written
  // (including empty chains at the front) to `done`, in order.
  void consume(size_t n, std::vector<uint64_t>& done);

  // Forgets everything queued and appends every token to `tokens`, in order.
  void drain(std::vector<uint64_t>& tokens);

  // consume(n), then on_done(token) for each chain now fully written, in order; returns how
  // many. The tokens are collected into `scratch` (reused, so no allocation in steady state)
  // before any callback runs, because a callback may send() again on this queue.
  template <class OnDone>
  size_t consume_and_report(size_t n, std::vector<uint64_t>& scratch, OnDone&& on_done) {
    std::vector<uint64_t> done;
    done.swap(scratch);  // a nested call from on_done gets an empty scratch of its own
    consume(n, done);
    for (uint64_t token : done) on_done(token);
    const size_t count = done.size();
    done.clear();
    scratch.swap(done);
    return count;
  }

 private:
  struct Chain {
    uint64_t token;
    size_t iov_left;  // iovecs of this chain still in iov_
  };
  void pop_finished(std::vector<uint64_t>& done);

  std::deque<iovec> iov_;  // unsent buffers; the first is partly written by head_offset_
  size_t head_offset_ = 0;
  std::deque<Chain> chains_;
  size_t unsent_bytes_ = 0;
};

}  // namespace rawkafka::io::detail
