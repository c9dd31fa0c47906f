#include "null_sink/connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace rawkafka::bench {

namespace {

constexpr size_t kInitialBuffer = size_t(8) << 20;
constexpr size_t kMaxFrame = size_t(256) << 20;

bool send_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= size_t(n);
  }
  return true;
}

}  // namespace

void serve_connection(int fd, const SinkConfig& config, SinkStats& stats, PartitionOffsets& offsets) {
  KafkaResponder responder(config, stats, offsets);
  std::vector<uint8_t> in(kInitialBuffer);
  std::vector<uint8_t> answers;
  size_t begin = 0;  // first unread byte: frames are parsed in place, [begin, end)
  size_t end = 0;
  size_t need = 4;   // bytes the frame at `begin` needs in all (size prefix included)
  for (;;) {
    // Make room for the frame in progress only when it cannot fit where it is: the partial
    // frame is moved to the front about once per buffer's worth of data, not once per read.
    if (begin + need > in.size()) {
      std::memmove(in.data(), in.data() + begin, end - begin);
      end -= begin;
      begin = 0;
      if (need > in.size()) in.resize(need);
    }
    ssize_t n = recv(fd, in.data() + end, in.size() - end, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    end += size_t(n);

    answers.clear();
    protocol::Writer out(answers);
    bool keep_open = true;
    need = 4;
    while (end - begin >= 4) {
      size_t size = protocol::detail::load_be32(in.data() + begin);
      if (size > kMaxFrame) {
        std::fprintf(stderr, "null_sink: closing a connection that sent a %zu-byte frame\n", size);
        keep_open = false;
        break;
      }
      if (end - begin - 4 < size) {
        need = size + 4;
        break;
      }
      if (!responder.handle({in.data() + begin + 4, size}, out)) {
        std::fprintf(stderr, "null_sink: closing a connection: %s\n", responder.error().c_str());
        keep_open = false;
        break;
      }
      begin += 4 + size;
    }
    if (begin == end) begin = end = 0;
    out.finish();
    if (!answers.empty() && !send_all(fd, answers.data(), answers.size())) break;
    if (!keep_open) break;
  }
  close(fd);
}

}  // namespace rawkafka::bench
