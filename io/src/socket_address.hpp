#pragma once
// Name resolution, address formatting and the sentences both backends use for errors.

#include <sys/socket.h>

#include <chrono>
#include <string>
#include <vector>

#include "rawkafka/io/reactor.hpp"

namespace rawkafka::io::detail {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // "127.0.0.1:9092", "[::1]:9092"

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// Numeric IPv4/IPv6 literals (brackets allowed) are parsed without a lookup; names go through
// getaddrinfo (blocking). On failure returns false and fills `error`.
bool resolve(const Endpoint& endpoint, std::vector<SocketAddress>& out, IoError& error);

std::string format_address(const sockaddr* address, socklen_t length);

IoError connect_failed(int code, const std::string& address);
IoError connect_timed_out(const std::string& address, std::chrono::milliseconds timeout);
IoError peer_closed(const std::string& address, bool mid_frame);
IoError receive_failed(int code, const std::string& address);
IoError send_failed(int code, const std::string& address);
IoError bad_frame_length(const std::string& address, int64_t length, size_t max_frame_size);
IoError closed_locally();

}  // namespace rawkafka::io::detail
