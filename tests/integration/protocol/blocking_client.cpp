#include "blocking_client.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rawkafka::testing {

BlockingClient::BlockingClient(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    error_ = "address without a port: " + address;
    return;
  }
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &list); rc != 0) {
    error_ = std::string("getaddrinfo: ") + gai_strerror(rc);
    return;
  }
  for (addrinfo* ai = list; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      timeval tv{30, 0};  // a broker that stops answering fails the test instead of hanging it
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      fd_ = fd;
      break;
    }
    error_ = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(list);
}

BlockingClient::~BlockingClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool BlockingClient::exchange(const std::vector<uint8_t>& frame) {
  if (fd_ < 0) return fail("not connected");
  size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return fail(std::string("send: ") + std::strerror(errno));
    }
    sent += size_t(n);
  }
  auto read_exact = [this](uint8_t* p, size_t want) {
    size_t got = 0;
    while (got < want) {
      ssize_t n = ::recv(fd_, p + got, want - got, 0);
      if (n == 0) return fail("connection closed by the broker");
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(std::string("recv: ") + std::strerror(errno));
      }
      got += size_t(n);
    }
    return true;
  };
  uint8_t size_bytes[4];
  if (!read_exact(size_bytes, 4)) return false;
  int32_t size = int32_t(protocol::detail::load_be32(size_bytes));
  if (size < 4 || size > (256 << 20)) return fail("bad response size " + std::to_string(size));
  response_.resize(size_t(size));
  return read_exact(response_.data(), response_.size());
}

}  // namespace rawkafka::testing
