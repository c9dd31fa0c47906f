#include "send_queue.hpp"

#include <algorithm>

namespace rawkafka::io::detail {

void SendQueue::push(std::span<const std::span<const uint8_t>> buffers, uint64_t token) {
  size_t count = 0;
  for (auto buffer : buffers) {
    if (buffer.empty()) continue;
    iov_.push_back({const_cast<uint8_t*>(buffer.data()), buffer.size()});
    unsent_bytes_ += buffer.size();
    ++count;
  }
  chains_.push_back({token, count});
}

size_t SendQueue::gather(std::vector<iovec>& out, size_t max_iov, size_t max_bytes) const {
  size_t added = 0;
  for (auto it = iov_.begin(); it != iov_.end() && added < max_iov && max_bytes != 0;
       ++it, ++added) {
    iovec v = *it;
    if (added == 0) {
      v.iov_base = static_cast<uint8_t*>(v.iov_base) + head_offset_;
      v.iov_len -= head_offset_;
    }
    v.iov_len = std::min(v.iov_len, max_bytes);
    max_bytes -= v.iov_len;
    out.push_back(v);
  }
  return added;
}

void SendQueue::pop_finished(std::vector<uint64_t>& done) {
  while (!chains_.empty() && chains_.front().iov_left == 0) {
    done.push_back(chains_.front().token);
    chains_.pop_front();
  }
}

void SendQueue::consume(size_t n, std::vector<uint64_t>& done) {
  unsent_bytes_ -= n;
  pop_finished(done);
  while (n != 0 && !iov_.empty()) {
    size_t left = iov_.front().iov_len - head_offset_;
    if (n < left) {
      head_offset_ += n;
      return;
    }
    n -= left;
    iov_.pop_front();
    head_offset_ = 0;
    --chains_.front().iov_left;
    pop_finished(done);
  }
}

void SendQueue::drain(std::vector<uint64_t>& tokens) {
  for (const Chain& chain : chains_) tokens.push_back(chain.token);
  chains_.clear();
  iov_.clear();
  head_offset_ = 0;
  unsent_bytes_ = 0;
}

}  // namespace rawkafka::io::detail
