// The data path of both reactor backends against raw blocking-socket peers on loopback.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "backends.hpp"
#include "loopback_peer.hpp"

using namespace rawkafka::io;
using namespace rawkafka::io::test;
using namespace std::chrono_literals;

namespace {

std::span<const uint8_t> view(const Bytes& b) { return {b.data(), b.size()}; }

// Sends `frame` as two buffers (prefix, body) so the gather path is used.
void send_frame(Reactor& reactor, ConnectionId id, const Bytes& frame, uint64_t token) {
  std::span<const uint8_t> parts[2] = {view(frame).first(4), view(frame).subspan(4)};
  reactor.send(id, parts, token);
}

std::string loopback(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

}  // namespace

TEST_CASE_TEMPLATE("a frame sent to an echo peer comes back whole", T, RAWKAFKA_IO_BACKENDS) {
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept();
    if (auto body = read_frame(fd)) {
      Bytes out = make_frame(*body);
      write_all(fd, out.data(), out.size());
    }
    uint8_t byte;
    read_exact(fd, &byte, 1);  // until the client closes
    close_fd(fd);
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  CHECK(reactor->backend() == T::backend);
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  Bytes body = pattern(1000, 7);
  Bytes frame = make_frame(body);
  send_frame(*reactor, id, frame, 42);  // queued while connecting
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == 1 || rec.closed; }));
  CHECK(rec.connected);
  CHECK(rec.frames[0] == body);
  CHECK(rec.sent == std::vector<uint64_t>{42});
  reactor->close(id);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
  CHECK(rec.closed->code == 0);
  CHECK(rec.callbacks_after_close == 0);
}

TEST_CASE_TEMPLATE("frames written one byte at a time are reassembled", T, RAWKAFKA_IO_BACKENDS) {
  Listener listener;
  std::vector<Bytes> bodies = {pattern(0, 1), pattern(7, 2), pattern(300, 3)};
  PeerThread peer([&] {
    int fd = listener.accept();
    for (const Bytes& body : bodies) {
      for (uint8_t byte : make_frame(body)) {
        write_all(fd, &byte, 1);
        std::this_thread::sleep_for(100us);
      }
    }
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == bodies.size() || rec.closed; }));
  CHECK(rec.frames == bodies);
  // Each byte arrived on its own, so partial length prefixes and bodies were held back.
  CHECK(reactor->stats().recv_requests > bodies.size());
}

TEST_CASE_TEMPLATE("a slow reader with a small receive buffer forces partial writes", T,
                   RAWKAFKA_IO_BACKENDS) {
  Listener listener(false, 16, 4096);
  constexpr size_t chunk = 64 * 1024;
  Bytes body = pattern(8u << 20, 11);
  Bytes small = pattern(100, 12);
  std::atomic<bool> peer_ok{false};
  PeerThread peer([&] {
    int fd = listener.accept();
    Bytes got(4 + body.size());
    size_t at = 0;
    for (int slow = 0; slow < 100 && at < got.size(); ++slow) {  // trickle first
      ssize_t n = ::recv(fd, got.data() + at, std::min<size_t>(1000, got.size() - at), 0);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
      std::this_thread::sleep_for(1ms);
    }
    bool ok = read_exact(fd, got.data() + at, got.size() - at) && got == make_frame(body);
    auto second = read_frame(fd);
    peer_ok = ok && second && *second == small;
    Bytes ack = make_frame(Bytes{1});
    write_all(fd, ack.data(), ack.size());
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.connected || rec.closed; }));
  Bytes prefix = make_frame({});
  uint32_t n = static_cast<uint32_t>(body.size());
  prefix = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
  std::vector<std::span<const uint8_t>> chain{view(prefix)};
  for (size_t at = 0; at < body.size(); at += chunk) chain.push_back(view(body).subspan(at, chunk));
  reactor->send(id, chain, 1);
  Bytes small_frame = make_frame(small);
  send_frame(*reactor, id, small_frame, 2);
  REQUIRE(poll_until(*reactor, [&] { return !rec.frames.empty() || rec.closed; }));
  CHECK(peer_ok);
  CHECK(rec.sent == std::vector<uint64_t>{1, 2});
  CHECK(reactor->stats().partial_sends > 0);
  CHECK(reactor->stats().bytes_sent == 4 + body.size() + small_frame.size());
}

TEST_CASE_TEMPLATE("an 8 MiB frame is received across many reads", T, RAWKAFKA_IO_BACKENDS) {
  Listener listener;
  Bytes body = pattern(8u << 20, 21);
  PeerThread peer([&] {
    int fd = listener.accept();
    Bytes frame = make_frame(body);
    write_all(fd, frame.data(), frame.size());
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return !rec.frames.empty() || rec.closed; }));
  CHECK(rec.frames.size() == 1);
  CHECK(rec.frames[0] == body);
  CHECK(reactor->stats().recv_requests > 1);
}

TEST_CASE_TEMPLATE("a thousand tiny frames in one write arrive in order", T, RAWKAFKA_IO_BACKENDS) {
  Listener listener;
  std::vector<Bytes> bodies;
  Bytes stream;
  for (uint32_t i = 0; i < 1000; ++i) {
    bodies.push_back(pattern(i % 17, i));
    Bytes frame = make_frame(bodies.back());
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  PeerThread peer([&] {
    int fd = listener.accept();
    ::send(fd, stream.data(), stream.size(), MSG_NOSIGNAL);  // one write
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() >= 1000 || rec.closed; }));
  CHECK(rec.frames == bodies);
}

TEST_CASE_TEMPLATE("pipelined requests are written and answered in order", T,
                   RAWKAFKA_IO_BACKENDS) {
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
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  std::vector<Bytes> requests;
  for (uint32_t i = 0; i < total; ++i) requests.push_back(make_frame(pattern(1 + i % 300, i)));
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
  for (uint32_t i = 0; i < in_flight; ++i) send_next();  // back to back, before connecting
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() == total || rec.closed; }));
  REQUIRE(rec.sent.size() == total);
  for (uint32_t i = 0; i < total; ++i) {
    CHECK(rec.sent[i] == i);
    Bytes expected(requests[i].begin() + 4, requests[i].end());
    expected.push_back('r');
    CHECK(rec.frames[i] == expected);
  }
}

TEST_CASE_TEMPLATE("a peer closing in the middle of a frame ends the connection with an error", T,
                   RAWKAFKA_IO_BACKENDS) {
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept();
    Bytes partial = {0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    write_all(fd, partial.data(), partial.size());
    close_fd(fd);
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
  CHECK(rec.frames.empty());
  CHECK(rec.closed->code != 0);
  CHECK(rec.closed->message ==
        "connection closed by " + loopback(listener.port()) + " in the middle of a frame");
}

TEST_CASE_TEMPLATE("a peer closing between frames ends the connection naming the peer", T,
                   RAWKAFKA_IO_BACKENDS) {
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept();
    Bytes frame = make_frame(Bytes{9});
    write_all(fd, frame.data(), frame.size());
    close_fd(fd);
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
  CHECK(rec.frames == std::vector<Bytes>{Bytes{9}});
  CHECK(rec.closed->code == ECONNRESET);
  CHECK(rec.closed->message == "connection closed by " + loopback(listener.port()));
}

TEST_CASE_TEMPLATE("a refused connection names the address", T, RAWKAFKA_IO_BACKENDS) {
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  uint16_t port = unused_port();
  Recorder rec;
  reactor->connect({"127.0.0.1", port}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
  CHECK_FALSE(rec.connected);
  CHECK(rec.closed->code == ECONNREFUSED);
  CHECK(rec.closed->message == "connection to " + loopback(port) + " refused");
}

TEST_CASE_TEMPLATE("a connect that gets no answer times out naming the address", T,
                   RAWKAFKA_IO_BACKENDS) {
  // A listener that never accepts, with its accept queue full: Linux drops further SYNs, so a
  // new connect stays in SYN_SENT. Fill it until a connect stops completing.
  Listener listener(false, 0);
  std::vector<int> fillers;
  bool saturated = false;
  for (int i = 0; i < 32 && !saturated; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(listener.port());
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(fd);
    pollfd p{fd, POLLOUT, 0};
    saturated = ::poll(&p, 1, 300) == 0;
  }
  REQUIRE_MESSAGE(saturated, "could not fill the accept queue of a loopback listener");
  auto reactor = make_reactor_for<T>();
  if (reactor) {
    Recorder rec;
    auto start = std::chrono::steady_clock::now();
    reactor->connect({"127.0.0.1", listener.port()}, 200ms, rec);
    REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK_FALSE(rec.connected);
    CHECK(rec.closed->code == ETIMEDOUT);
    CHECK(rec.closed->message ==
          "connect to " + loopback(listener.port()) + " timed out after 200 ms");
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 3s);
  }
  for (int fd : fillers) close_fd(fd);
}

TEST_CASE_TEMPLATE("IPv6 loopback carries frames", T, RAWKAFKA_IO_BACKENDS) {
  Listener listener(true);
  if (listener.fd() < 0) {
    MESSAGE("no IPv6 loopback on this machine; skipped");
    return;
  }
  PeerThread peer([&] {
    for (int i = 0; i < 2; ++i) {
      int fd = listener.accept();
      if (auto body = read_frame(fd)) {
        Bytes out = make_frame(*body);
        write_all(fd, out.data(), out.size());
      }
      close_fd(fd);
    }
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  for (const char* host : {"::1", "[::1]"}) {
    Recorder rec;
    ConnectionId id = reactor->connect({host, listener.port()}, 5s, rec);
    Bytes frame = make_frame(pattern(64, 5));
    send_frame(*reactor, id, frame, 1);
    REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
    CHECK(rec.frames == std::vector<Bytes>{pattern(64, 5)});
    CHECK(rec.closed->message == "connection closed by [::1]:" + std::to_string(listener.port()));
  }
}

TEST_CASE_TEMPLATE("a host name is resolved, trying each address", T, RAWKAFKA_IO_BACKENDS) {
  Listener listener;  // 127.0.0.1 only: if localhost resolves to ::1 first, that one is refused
  PeerThread peer([&] {
    int fd = listener.accept();
    Bytes frame = make_frame(Bytes{7});
    write_all(fd, frame.data(), frame.size());
    close_fd(fd);
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  reactor->connect({"localhost", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
  CHECK(rec.connected);
  CHECK(rec.frames == std::vector<Bytes>{Bytes{7}});
}

TEST_CASE_TEMPLATE("non-blocking polls alone carry a request and its answer", T,
                   RAWKAFKA_IO_BACKENDS) {
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
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  Bytes frame = make_frame(pattern(100, 3));
  send_frame(*reactor, id, frame, 7);
  // Only poll(0), as a caller that spins for on_sent does: completions must still be reaped.
  auto give_up = std::chrono::steady_clock::now() + 20s;
  while ((rec.frames.empty() || rec.sent.empty()) && !rec.closed &&
         std::chrono::steady_clock::now() < give_up) {
    reactor->poll(0ns);
  }
  CHECK(rec.sent == std::vector<uint64_t>{7});
  CHECK(rec.frames == std::vector<Bytes>{pattern(100, 3)});
}
