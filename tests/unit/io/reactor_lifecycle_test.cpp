// Closing, destroying, timers, wake-ups, bad frames and backend selection, on both backends.

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "backends.hpp"
#include "loopback_peer.hpp"

using namespace rawkafka::io;
using namespace rawkafka::io::test;
using namespace std::chrono_literals;

namespace {

std::span<const uint8_t> view(const Bytes& b) { return {b.data(), b.size()}; }

// A peer that accepts and then neither reads nor writes until told to stop.
struct SilentPeer {
  Listener listener{false, 16, 4096};
  std::atomic<bool> stop{false};
  PeerThread thread{[this] {
    int fd = listener.accept();
    while (!stop) std::this_thread::sleep_for(5ms);
    close_fd(fd);
  }};
  ~SilentPeer() { stop = true; }
};

}  // namespace

TEST_CASE_TEMPLATE("close releases unsent buffers through on_sent, then on_closed, then nothing",
                   T, RAWKAFKA_IO_BACKENDS) {
  SilentPeer peer;
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", peer.listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.connected || rec.closed; }));
  Bytes big = make_frame(pattern(4u << 20, 3));  // far more than the socket buffers hold
  for (uint64_t token = 1; token <= 8; ++token) {
    std::span<const uint8_t> one[1] = {view(big)};
    reactor->send(id, one, token);
  }
  for (int i = 0; i < 5; ++i) reactor->poll(10ms);
  CHECK(rec.sent.size() < 8);  // the peer reads nothing, so most is still queued
  reactor->close(id);
  CHECK_FALSE(rec.closed.has_value());  // delivered from poll(), not inside close()
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
  CHECK(rec.sent == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(rec.closed->code == 0);
  reactor->send(id, std::span<const std::span<const uint8_t>>{}, 99);  // ignored: id is gone
  reactor->close(id);
  for (int i = 0; i < 5; ++i) reactor->poll(5ms);
  CHECK(rec.callbacks_after_close == 0);
  CHECK(rec.sent.size() == 8);
}

TEST_CASE_TEMPLATE("close while connecting reports a clean close and no connect", T,
                   RAWKAFKA_IO_BACKENDS) {
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Listener listener;
  Recorder rec;
  ConnectionId id = reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  reactor->close(id);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
  CHECK_FALSE(rec.connected);
  CHECK(rec.closed->code == 0);
  for (int i = 0; i < 5; ++i) reactor->poll(5ms);
  CHECK(rec.callbacks_after_close == 0);
}

TEST_CASE_TEMPLATE("a handler closing its connection inside on_frame gets no further frames", T,
                   RAWKAFKA_IO_BACKENDS) {
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept();
    Bytes stream;
    for (uint8_t i = 0; i < 10; ++i) {
      Bytes frame = make_frame(Bytes{i});
      stream.insert(stream.end(), frame.begin(), frame.end());
    }
    write_all(fd, stream.data(), stream.size());
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  Recorder rec;
  rec.frame_hook = [&](ConnectionId id, std::span<const uint8_t>) { reactor->close(id); };
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
  CHECK(rec.frames.size() == 1);
  CHECK(rec.closed->code == 0);
  CHECK(rec.callbacks_after_close == 0);
}

TEST_CASE_TEMPLATE("frames over the limit or with a negative length close with a clear error", T,
                   RAWKAFKA_IO_BACKENDS) {
  for (Bytes prefix : {Bytes{0, 0x10, 0, 1}, Bytes{0x80, 0, 0, 0}}) {
    Listener listener;
    PeerThread peer([&] {
      int fd = listener.accept();
      write_all(fd, prefix.data(), prefix.size());
      uint8_t byte;
      read_exact(fd, &byte, 1);
      close_fd(fd);
    });
    auto reactor = make_reactor_for<T>(1u << 20);
    if (!reactor) return;
    Recorder rec;
    reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
    REQUIRE(poll_until(*reactor, [&] { return rec.closed.has_value(); }));
    std::string peer_address = "127.0.0.1:" + std::to_string(listener.port());
    if (prefix[0] == 0) {
      CHECK(rec.closed->code == EMSGSIZE);
      CHECK(rec.closed->message == "frame of 1048577 bytes from " + peer_address +
                                       " exceeds the limit of 1048576 bytes");
    } else {
      CHECK(rec.closed->code == EPROTO);
      CHECK(rec.closed->message == "negative frame length -2147483648 from " + peer_address);
    }
    reactor.reset();  // closes our end, so the peer thread finishes
  }
}

TEST_CASE_TEMPLATE("destroying the reactor with open connections and pending sends", T,
                   RAWKAFKA_IO_BACKENDS) {
  int threads_before = thread_count();
  Recorder rec;
  Recorder connecting;
  {
    SilentPeer peer;
    Bytes big = make_frame(pattern(4u << 20, 5));
    {
      auto reactor = make_reactor_for<T>();
      if (!reactor) return;
      ConnectionId id = reactor->connect({"127.0.0.1", peer.listener.port()}, 5s, rec);
      REQUIRE(poll_until(*reactor, [&] { return rec.connected || rec.closed; }));
      for (uint64_t token = 0; token < 4; ++token) {
        std::span<const uint8_t> one[1] = {view(big)};
        reactor->send(id, one, token);
      }
      reactor->poll(10ms);
      reactor->connect({"127.0.0.1", peer.listener.port()}, 5s, connecting);  // not yet polled
      reactor->schedule(1h, [] { FAIL("a timer ran after its reactor was destroyed"); });
      REQUIRE(rec.sent.size() < 4);
    }
    // No handler ran while the reactor went, and the buffers are ours again (ASan checks).
    CHECK(rec.sent.size() < 4);
    CHECK_FALSE(rec.closed.has_value());
    CHECK_FALSE(connecting.connected);
    CHECK_FALSE(connecting.closed.has_value());
  }
  // io_uring's kernel workers, if any, leave with their ring.
  auto give_up = std::chrono::steady_clock::now() + 5s;
  while (thread_count() > threads_before && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(thread_count() == threads_before);
}

TEST_CASE_TEMPLATE("timers fire in deadline order and cancelled ones never do", T,
                   RAWKAFKA_IO_BACKENDS) {
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  std::vector<int> fired;
  auto start = std::chrono::steady_clock::now();
  reactor->schedule(40ms, [&] { fired.push_back(40); });
  reactor->schedule(10ms, [&] {
    fired.push_back(10);
    reactor->schedule(0ms, [&] { fired.push_back(11); });  // from inside a callback
  });
  TimerId cancelled = reactor->schedule(20ms, [&] { fired.push_back(20); });
  reactor->schedule(0ms, [&] { fired.push_back(0); });
  reactor->cancel(cancelled);
  REQUIRE(poll_until(*reactor, [&] { return fired.size() == 4; }));
  CHECK(std::chrono::steady_clock::now() - start >= 40ms);
  CHECK(fired == std::vector<int>{0, 10, 11, 40});
  for (int i = 0; i < 5; ++i) reactor->poll(10ms);
  CHECK(fired.size() == 4);
  reactor->cancel(12345);  // unknown ids are ignored
}

TEST_CASE_TEMPLATE("a blocked poll waits for its timer, not longer", T, RAWKAFKA_IO_BACKENDS) {
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  bool fired = false;
  auto start = std::chrono::steady_clock::now();
  reactor->schedule(50ms, [&] { fired = true; });
  while (!fired && std::chrono::steady_clock::now() - start < 5s) reactor->poll(10s);
  CHECK(fired);
  CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE_TEMPLATE("wake from another thread ends a blocked poll", T, RAWKAFKA_IO_BACKENDS) {
  auto reactor = make_reactor_for<T>();
  if (!reactor) return;
  std::thread waker([&] {
    std::this_thread::sleep_for(100ms);
    reactor->wake();
  });
  auto start = std::chrono::steady_clock::now();
  reactor->poll(10s);
  auto elapsed = std::chrono::steady_clock::now() - start;
  waker.join();
  CHECK(elapsed >= 90ms);
  CHECK(elapsed < 5s);

  reactor->wake();  // before the poll: it returns at once
  start = std::chrono::steady_clock::now();
  reactor->poll(10s);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  // and the wake-up is consumed: a later poll waits again
  start = std::chrono::steady_clock::now();
  reactor->poll(50ms);
  CHECK(std::chrono::steady_clock::now() - start >= 40ms);
}

TEST_CASE("automatic selection falls back to Asio when io_uring setup fails") {
  ::setenv("RAWKAFKA_IO_URING_DISABLE", "1", 1);
  std::unique_ptr<Reactor> fallback = Reactor::create({});
  CHECK(fallback->backend() == Backend::asio);
  ReactorOptions uring_only;
  uring_only.backend = Backend::uring;
  CHECK_THROWS_WITH_AS(Reactor::create(uring_only),
                       doctest::Contains("RAWKAFKA_IO_URING_DISABLE"), std::runtime_error);
  ::unsetenv("RAWKAFKA_IO_URING_DISABLE");

  // The fallback is a working reactor.
  Listener listener;
  PeerThread peer([&] {
    int fd = listener.accept();
    Bytes frame = make_frame(Bytes{1, 2, 3});
    write_all(fd, frame.data(), frame.size());
    close_fd(fd);
  });
  Recorder rec;
  fallback->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*fallback, [&] { return rec.closed.has_value(); }));
  CHECK(rec.frames == std::vector<Bytes>{Bytes{1, 2, 3}});

  ReactorOptions asio_only;
  asio_only.backend = Backend::asio;
  CHECK(Reactor::create(asio_only)->backend() == Backend::asio);
  std::unique_ptr<Reactor> automatic = Reactor::create({});
  MESSAGE("automatic backend on this machine: " << to_string(automatic->backend()));
  CHECK(automatic->backend() != Backend::automatic);
}

TEST_CASE("backend names and endpoints read as text") {
  Backend b = Backend::asio;
  CHECK(parse_backend("uring", b));
  CHECK(b == Backend::uring);
  CHECK(parse_backend("auto", b));
  CHECK(b == Backend::automatic);
  CHECK(parse_backend("asio", b));
  CHECK(b == Backend::asio);
  CHECK_FALSE(parse_backend("epoll", b));
  CHECK(to_string(Backend::uring) == "uring");
  CHECK(to_string(Backend::automatic) == "auto");
  CHECK(Endpoint{"127.0.0.1", 9092}.to_string() == "127.0.0.1:9092");
  CHECK(Endpoint{"::1", 9092}.to_string() == "[::1]:9092");
  CHECK(Endpoint{"[::1]", 9092}.to_string() == "[::1]:9092");
  CHECK(Endpoint{"broker-1", 9093}.to_string() == "broker-1:9093");
}

TEST_CASE("pinning a thread to a core") {
  bool pinned = false;
  std::thread t([&] { pinned = pin_current_thread(0); });
  t.join();
  CHECK(pinned);
  std::thread bad([&] { pinned = pin_current_thread(-1) || pin_current_thread(1 << 20); });
  bad.join();
  CHECK_FALSE(pinned);
}
