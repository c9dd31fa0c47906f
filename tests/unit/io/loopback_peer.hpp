#pragma once
// Raw blocking-socket peers on loopback and a recording handler, for the reactor tests.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rawkafka/io/reactor.hpp"

namespace rawkafka::io::test {

using Bytes = std::vector<uint8_t>;

// A listening socket on 127.0.0.1 (or ::1) with an ephemeral port.
class Listener {
 public:
  // Returns an invalid listener (fd() < 0) when the family is unavailable (IPv6 off).
  explicit Listener(bool ipv6 = false, int backlog = 16, int rcvbuf = 0);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int fd() const { return fd_; }
  uint16_t port() const { return port_; }
  // Accepts one connection, waiting up to `timeout`; -1 on timeout.
  int accept(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A port on 127.0.0.1 that nothing listens on (bound, then released).
uint16_t unused_port();

Bytes make_frame(const Bytes& body);
Bytes pattern(size_t size, uint32_t seed);
bool write_all(int fd, const uint8_t* data, size_t size);
bool read_exact(int fd, uint8_t* data, size_t size);
// Reads one frame body; nullopt on EOF/error.
std::optional<Bytes> read_frame(int fd);
void close_fd(int fd);

// A thread that runs `body` and is joined on destruction.
class PeerThread {
 public:
  explicit PeerThread(std::function<void()> body);
  ~PeerThread();
  PeerThread(const PeerThread&) = delete;
  PeerThread& operator=(const PeerThread&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Recorder : ConnectionHandler {
  bool connected = false;
  std::vector<Bytes> frames;
  std::vector<uint64_t> sent;
  std::optional<IoError> closed;
  int callbacks_after_close = 0;
  std::function<void(ConnectionId, std::span<const uint8_t>)> frame_hook;
  std::function<void(ConnectionId, uint64_t)> sent_hook;

  void on_connected(ConnectionId) override;
  void on_frame(ConnectionId id, std::span<const uint8_t> frame) override;
  void on_sent(ConnectionId id, uint64_t token) override;
  void on_closed(ConnectionId id, const IoError& error) override;
};

// Polls until `done` or `timeout`; returns done().
bool poll_until(Reactor& reactor, const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Creates a reactor for `backend`; nullptr (with a message) when io_uring is unavailable here.
std::unique_ptr<Reactor> make_reactor(Backend backend, size_t max_frame_size = 256u << 20,
                                      bool multishot_receive = false);
// The same with every option given.
std::unique_ptr<Reactor> make_reactor(const ReactorOptions& options);

int thread_count();

}  // namespace rawkafka::io::test
