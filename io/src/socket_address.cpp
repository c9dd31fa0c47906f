#include "socket_address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace rawkafka::io::detail {
namespace {

std::string strip_brackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

SocketAddress make_address(const sockaddr* address, socklen_t length) {
  SocketAddress out;
  std::memcpy(&out.storage, address, length);
  out.length = length;
  out.text = format_address(address, length);
  return out;
}

}  // namespace

std::string format_address(const sockaddr* address, socklen_t length) {
  char host[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    std::string out(host);
    out.append(":").append(std::to_string(ntohs(v4->sin_port)));
    return out;
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    std::string out("[");
    out.append(host).append("]:").append(std::to_string(ntohs(v6->sin6_port)));
    return out;
  }
  return "(unknown address family " + std::to_string(address->sa_family) + ")";
}

bool resolve(const Endpoint& endpoint, std::vector<SocketAddress>& out, IoError& error) {
  out.clear();
  std::string host = strip_brackets(endpoint.host);

  sockaddr_in v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(endpoint.port);
    out.push_back(make_address(reinterpret_cast<const sockaddr*>(&v4), sizeof v4));
    return true;
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(endpoint.port);
    out.push_back(make_address(reinterpret_cast<const sockaddr*>(&v6), sizeof v6));
    return true;
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  std::string port = std::to_string(endpoint.port);
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    error.code = rc == EAI_SYSTEM ? errno : EHOSTUNREACH;
    error.message = "cannot resolve " + endpoint.to_string() + ": " + gai_strerror(rc);
    return false;
  }
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
      out.push_back(make_address(ai->ai_addr, ai->ai_addrlen));
    }
  }
  freeaddrinfo(list);
  if (out.empty()) {
    error.code = EHOSTUNREACH;
    error.message = "cannot resolve " + endpoint.to_string() + ": no IPv4 or IPv6 address";
    return false;
  }
  return true;
}

IoError connect_failed(int code, const std::string& address) {
  if (code == ECONNREFUSED) return {code, "connection to " + address + " refused"};
  return {code, "connect to " + address + " failed: " + std::strerror(code)};
}

IoError connect_timed_out(const std::string& address, std::chrono::milliseconds timeout) {
  return {ETIMEDOUT,
          "connect to " + address + " timed out after " + std::to_string(timeout.count()) + " ms"};
}

IoError peer_closed(const std::string& address, bool mid_frame) {
  return {ECONNRESET,
          "connection closed by " + address + (mid_frame ? " in the middle of a frame" : "")};
}

IoError receive_failed(int code, const std::string& address) {
  if (code == ECONNRESET) return {code, "connection reset by " + address};
  return {code, "receive from " + address + " failed: " + std::strerror(code)};
}

IoError send_failed(int code, const std::string& address) {
  if (code == ECONNRESET || code == EPIPE) return {code, "connection reset by " + address};
  return {code, "send to " + address + " failed: " + std::strerror(code)};
}

IoError bad_frame_length(const std::string& address, int64_t length, size_t max_frame_size) {
  if (length < 0) {
    return {EPROTO, "negative frame length " + std::to_string(length) + " from " + address};
  }
  // A TLS record header (handshake 0x16 or alert 0x15, version 3.x) read as a length: the peer
  // speaks TLS to a client that does not.
  const auto top = static_cast<uint32_t>(length) >> 16;
  if (top == 0x1503 || top == 0x1603) {
    return {EPROTO, address + " answered with a TLS record: it is a TLS listener"};
  }
  return {EMSGSIZE, "frame of " + std::to_string(length) + " bytes from " + address +
                        " exceeds the limit of " + std::to_string(max_frame_size) + " bytes"};
}

IoError closed_locally() { return {0, "connection closed"}; }

}  // namespace rawkafka::io::detail
