// The io_uring reactor with ReactorOptions::zero_copy_send_threshold on: the same data-path
// cases as reactor_test.cpp, every write going out as IORING_OP_SENDMSG_ZC. Skipped where
// io_uring or the opcode is unavailable.

#include <liburing.h>
#include <sys/socket.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "loopback_peer.hpp"

using namespace rawkafka::io;
using namespace rawkafka::io::test;
using namespace std::chrono_literals;

namespace {

std::span<const uint8_t> view(const Bytes& b) { return {b.data(), b.size()}; }

void send_frame(Reactor& reactor, ConnectionId id, const Bytes& frame, uint64_t token) {
  std::span<const uint8_t> parts[2] = {view(frame).first(4), view(frame).subspan(4)};
  reactor.send(id, parts, token);
}

bool kernel_has_sendmsg_zc() {
  io_uring_probe* probe = io_uring_get_probe();
  if (probe == nullptr) return false;
  bool supported = io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC) != 0;
  io_uring_free_probe(probe);
  return supported;
}

// An io_uring reactor sending every write of at least `threshold` bytes zero-copy; nullptr
// (with a message) where that cannot be had.
std::unique_ptr<Reactor> make_zero_copy_reactor(size_t threshold = 1) {
  if (!kernel_has_sendmsg_zc()) {
    MESSAGE("kernel lacks IORING_OP_SENDMSG_ZC, skipping");
    return nullptr;
  }
  ReactorOptions options;
  options.backend = Backend::uring;
  options.zero_copy_send_threshold = threshold;
  return make_reactor(options);
}

}  // namespace

// Each case checks first that zero-copy can be had, so that a skip starts no peer, and makes
// its reactor after the peer thread, so that the reactor goes first and the peer sees EOF
// even when a REQUIRE ends the case early.

TEST_CASE("zero-copy: a 1 MiB frame sent to an echo peer comes back whole") {
  if (!make_zero_copy_reactor()) return;
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept();
    if (auto body = read_frame(fd)) {
      Bytes out = make_frame(*body);
      write_all(fd, out.data(), out.size());
    }
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  auto reactor = make_zero_copy_reactor();
  REQUIRE(reactor);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  Bytes body = pattern(1u << 20, 7);
  Bytes frame = make_frame(body);
  send_frame(*reactor, id, frame, 42);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == 1 || rec.closed; }));
  CHECK(rec.frames[0] == body);
  CHECK(rec.sent == std::vector<uint64_t>{42});
  CHECK(reactor->stats().zero_copy_sends >= 1);
  CHECK(reactor->stats().zero_copy_sends == reactor->stats().send_requests);
  reactor->close(id);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
  CHECK(rec.closed->code == 0);
  CHECK(rec.callbacks_after_close == 0);
}

TEST_CASE("zero-copy: pipelined requests are written and answered in order") {
  if (!make_zero_copy_reactor()) return;
  constexpr uint32_t total = 300;
  constexpr uint32_t in_flight = 5;
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept();
    for (uint32_t i = 0; i < total; ++i) {
      auto request = read_frame(fd);
      if (!request) break;
      Bytes reply = *request;
      reply.push_back('r');
      Bytes frame = make_frame(reply);
      write_all(fd, frame.data(), frame.size());
    }
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  std::vector<Bytes> requests;
  for (uint32_t i = 0; i < total; ++i) requests.push_back(make_frame(pattern(1 + i % 300, i)));
  auto reactor = make_zero_copy_reactor();
  REQUIRE(reactor);
  Recorder rec;
  uint32_t next = 0;
  ConnectionId id = 0;
  auto send_next = [&] {
    if (next < total) {
      send_frame(*reactor, id, requests[next], next);
      ++next;
    }
  };
  rec.frame_hook = [&](ConnectionId, std::span<const uint8_t>) { send_next(); };
  id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  for (uint32_t i = 0; i < in_flight; ++i) send_next();
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == total || rec.closed; }));
  REQUIRE(rec.sent.size() == total);
  for (uint32_t i = 0; i < total; ++i) {
    CHECK(rec.sent[i] == i);
    Bytes expected(requests[i].begin() + 4, requests[i].end());
    expected.push_back('r');
    CHECK(rec.frames[i] == expected);
  }
  CHECK(reactor->stats().zero_copy_sends == reactor->stats().send_requests);
  reactor->close(id);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
}

TEST_CASE("zero-copy: writes below the threshold take the plain path") {
  if (!make_zero_copy_reactor()) return;
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept();
    while (auto body = read_frame(fd)) {
      Bytes out = make_frame(Bytes{uint8_t(body->size() & 0xff)});
      write_all(fd, out.data(), out.size());
    }
    close_fd(fd);
  });
  auto reactor = make_zero_copy_reactor(64 * 1024);
  REQUIRE(reactor);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  Bytes small = make_frame(pattern(100, 1));
  send_frame(*reactor, id, small, 1);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == 1 || rec.closed; }));
  CHECK(reactor->stats().zero_copy_sends == 0);
  Bytes large = make_frame(pattern(256 * 1024, 2));
  send_frame(*reactor, id, large, 2);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == 2 || rec.closed; }));
  CHECK(reactor->stats().zero_copy_sends >= 1);
  CHECK(rec.sent == std::vector<uint64_t>{1, 2});
  reactor->close(id);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
}

TEST_CASE("zero-copy: a slow reader forces partial writes that still arrive whole") {
  if (!make_zero_copy_reactor()) return;
  Listener listener;  // a tiny SO_RCVBUF collapses the window for zero-copy packets on loopback
  Bytes body = pattern(8u << 20, 11);
  std::atomic<bool> peer_ok{false};
  PeerThread peer([&] {
    int fd = listener.accept();
    Bytes got(4 + body.size());
    size_t at = 0;
    for (int slow = 0; slow < 100 && at < got.size(); ++slow) {
      ssize_t n = ::recv(fd, got.data() + at, std::min<size_t>(1000, got.size() - at), 0);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
      std::this_thread::sleep_for(1ms);
    }
    peer_ok = read_exact(fd, got.data() + at, got.size() - at) && got == make_frame(body);
    Bytes ack = make_frame(Bytes{1});
    write_all(fd, ack.data(), ack.size());
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  auto reactor = make_zero_copy_reactor();
  REQUIRE(reactor);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  Bytes frame = make_frame(body);
  send_frame(*reactor, id, frame, 1);
  REQUIRE(poll_until(*reactor, [&] { return !rec.frames.empty() || rec.closed; }));
  CHECK(peer_ok);
  CHECK(rec.sent == std::vector<uint64_t>{1});
  CHECK(reactor->stats().bytes_sent == frame.size());
  CHECK(reactor->stats().partial_sends > 0);
  CHECK(reactor->stats().zero_copy_sends > 1);
  reactor->close(id);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
}

TEST_CASE("zero-copy: closing with a send in flight releases the buffers, then closes") {
  if (!make_zero_copy_reactor()) return;
  Listener listener(false, 16, 4096);
  std::atomic<bool> release{false};
  PeerThread peer([&] {
    int fd = listener.accept();
    while (!release) std::this_thread::sleep_for(1ms);  // reads nothing: the send stays stuck
    close_fd(fd);
  });
  auto reactor = make_zero_copy_reactor();
  REQUIRE(reactor);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.connected || rec.closed; }));
  Bytes frame = make_frame(pattern(16u << 20, 3));
  send_frame(*reactor, id, frame, 7);
  reactor->poll(50ms);
  CHECK(rec.sent.empty());  // 16 MiB cannot fit in the socket buffers
  reactor->close(id);
  bool closed = poll_until(*reactor, [&] { return rec.closed.has_value(); }, 5s);
  release = true;
  REQUIRE(closed);
  CHECK(rec.sent == std::vector<uint64_t>{7});
  CHECK(rec.callbacks_after_close == 0);
}

TEST_CASE("zero-copy: destroying the reactor with a send in flight returns promptly") {
  if (!make_zero_copy_reactor()) return;
  Listener listener(false, 16, 4096);
  std::atomic<bool> release{false};
  PeerThread peer([&] {
    int fd = listener.accept();
    while (!release) std::this_thread::sleep_for(1ms);
    close_fd(fd);
  });
  auto reactor = make_zero_copy_reactor();
  REQUIRE(reactor);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.connected || rec.closed; }));
  auto frame = std::make_unique<Bytes>(make_frame(pattern(16u << 20, 4)));
  send_frame(*reactor, id, *frame, 9);
  reactor->poll(50ms);
  auto start = std::chrono::steady_clock::now();
  reactor.reset();
  auto took = std::chrono::steady_clock::now() - start;
  frame.reset();  // the destructor promised the kernel no longer references it
  release = true;
  CHECK(took < 2s);
  CHECK(rec.sent.empty());  // no handler runs from the destructor
}
