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
  size_t have = 0;
  for (;;) {
    ssize_t n = recv(fd, in.data() + have, in.size() - have, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += size_t(n);

    answers.clear();
    protocol::Writer out(answers);
    size_t pos = 0;
    bool keep_open = true;
    while (have - pos >= 4) {
      size_t size = protocol::detail::load_be32(in.data() + pos);
      if (size > kMaxFrame) {
        std::fprintf(stderr, "null_sink: closing a connection that sent a %zu-byte frame\n", size);
        keep_open = false;
        break;
      }
      if (have - pos - 4 < size) {
        if (size + 4 > in.size()) in.resize(size + 4);
        break;
      }
      if (!responder.handle({in.data() + pos + 4, size}, out)) {
        std::fprintf(stderr, "null_sink: closing a connection: %s\n", responder.error().c_str());
        keep_open = false;
        break;
      }
      pos += 4 + size;
    }
    if (pos > 0 && pos < have) std::memmove(in.data(), in.data() + pos, have - pos);
    have -= pos;
    out.finish();
    if (!answers.empty() && !send_all(fd, answers.data(), answers.size())) break;
    if (!keep_open) break;
  }
  close(fd);
}

}  // namespace rawkafka::bench
