#include "loopback_peer.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>

namespace rawkafka::io::test {

Listener::Listener(bool ipv6, int backlog, int rcvbuf) {
  int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_storage storage{};
  socklen_t length;
  if (ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    length = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(sockaddr_in);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
      ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
  port_ = ipv6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port)
               : ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

Listener::~Listener() {
  if (fd_ >= 0) ::close(fd_);
}

int Listener::accept(std::chrono::milliseconds timeout) const {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return -1;
  int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // A failing test must not hang on its peer.
    timeval limit{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  }
  return fd;
}

uint16_t unused_port() {
  Listener l;
  return l.port();  // closed when l goes: nothing listens there any more
}

Bytes make_frame(const Bytes& body) {
  Bytes out(4 + body.size());
  uint32_t n = static_cast<uint32_t>(body.size());
  out[0] = static_cast<uint8_t>(n >> 24);
  out[1] = static_cast<uint8_t>(n >> 16);
  out[2] = static_cast<uint8_t>(n >> 8);
  out[3] = static_cast<uint8_t>(n);
  if (!body.empty()) std::memcpy(out.data() + 4, body.data(), body.size());
  return out;
}

Bytes pattern(size_t size, uint32_t seed) {
  Bytes out(size);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return out;
}

bool write_all(int fd, const uint8_t* data, size_t size) {
  while (size != 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool read_exact(int fd, uint8_t* data, size_t size) {
  while (size != 0) {
    ssize_t n = ::recv(fd, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::optional<Bytes> read_frame(int fd) {
  uint8_t prefix[4];
  if (!read_exact(fd, prefix, 4)) return std::nullopt;
  uint32_t n = (uint32_t{prefix[0]} << 24) | (uint32_t{prefix[1]} << 16) |
               (uint32_t{prefix[2]} << 8) | prefix[3];
  Bytes body(n);
  if (n != 0 && !read_exact(fd, body.data(), n)) return std::nullopt;
  return body;
}

void close_fd(int fd) {
  if (fd >= 0) ::close(fd);
}

struct PeerThread::Impl {
  std::thread thread;
};

PeerThread::PeerThread(std::function<void()> body) : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread(std::move(body));
}

PeerThread::~PeerThread() { impl_->thread.join(); }

void Recorder::on_connected(ConnectionId) {
  if (closed) ++callbacks_after_close;
  connected = true;
}

void Recorder::on_frame(ConnectionId id, std::span<const uint8_t> frame) {
  if (closed) ++callbacks_after_close;
  frames.emplace_back(frame.begin(), frame.end());
  if (frame_hook) frame_hook(id, frame);
}

void Recorder::on_sent(ConnectionId id, uint64_t token) {
  if (closed) ++callbacks_after_close;
  sent.push_back(token);
  if (sent_hook) sent_hook(id, token);
}

void Recorder::on_closed(ConnectionId, const IoError& error) {
  if (closed) ++callbacks_after_close;
  closed = error;
}

bool poll_until(Reactor& reactor, const std::function<bool()>& done,
                std::chrono::milliseconds timeout) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    reactor.poll(std::chrono::milliseconds(10));
  }
  return true;
}

std::unique_ptr<Reactor> make_reactor(Backend backend, size_t max_frame_size,
                                      bool multishot_receive) {
  ReactorOptions options;
  options.backend = backend;
  options.max_frame_size = max_frame_size;
  options.multishot_receive = multishot_receive;
  return make_reactor(options);
}

std::unique_ptr<Reactor> make_reactor(const ReactorOptions& options) {
  try {
    return Reactor::create(options);
  } catch (const std::runtime_error& e) {
    MESSAGE("io_uring unavailable here, skipping: " << std::string(e.what()));
    return nullptr;
  }
}

int thread_count() {
  int count = 0;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(dir);
  }
  return count;
}

}  // namespace rawkafka::io::test
