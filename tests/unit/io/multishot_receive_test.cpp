// The io_uring reactor with ReactorOptions::multishot_receive: frames taken in place from the
// provided buffers, a ring too small for the traffic, and bad settings. (Every data-path and
// lifecycle case of reactor_test.cpp and reactor_lifecycle_test.cpp also runs with it on.)

#include <sys/socket.h>
#include <sys/utsname.h>

#include <doctest/doctest.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "loopback_peer.hpp"

using namespace rawkafka::io;
using namespace rawkafka::io::test;
using namespace std::chrono_literals;

namespace {

// Multishot receive came with Linux 6.0; before it the reactor takes the plain path.
bool kernel_has_multishot_receive() {
  utsname name{};
  int major = 0;
  int minor = 0;
  if (::uname(&name) != 0 || std::sscanf(name.release, "%d.%d", &major, &minor) != 2) {
    return false;
  }
  return major >= 6;
}

std::unique_ptr<Reactor> make_multishot_reactor(unsigned buffers, size_t buffer_size) {
  ReactorOptions options;
  options.backend = Backend::uring;
  options.multishot_receive = true;
  options.provided_receive_buffers = buffers;
  options.provided_receive_buffer_size = buffer_size;
  return make_reactor(options);
}

// Frames of 0..16 bytes, and the stream of them all.
Bytes tiny_frames(size_t count, std::vector<Bytes>& bodies) {
  Bytes stream;
  for (uint32_t i = 0; i < count; ++i) {
    bodies.push_back(pattern(i % 17, i));
    Bytes frame = make_frame(bodies.back());
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  return stream;
}

}  // namespace

TEST_CASE("multishot receive: whole frames reach the handler straight from provided buffers") {
  if (!kernel_has_multishot_receive()) {
    MESSAGE("kernel before 6.0 has no multishot receive, skipping");
    return;
  }
  Listener listener;
  std::vector<Bytes> bodies;
  Bytes stream = tiny_frames(1000, bodies);
  PeerThread peer([&] {
    int fd = listener.accept();
    ::send(fd, stream.data(), stream.size(), MSG_NOSIGNAL);
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  auto reactor = make_multishot_reactor(64, 64 * 1024);
  if (!reactor) return;
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() >= 1000 || rec.closed; }));
  CHECK(rec.frames == bodies);
  ReactorStats stats = reactor->stats();
  // About 13 KB arrive in one or a few buffers: nearly every frame lies whole in one, and the
  // one receive stays armed throughout.
  CHECK(stats.frames_in_place >= 990);
  CHECK(stats.receives_armed == 1);
}

TEST_CASE("multishot receive: a ring of one 16-byte buffer still delivers every frame in order") {
  Listener listener;
  std::vector<Bytes> bodies;
  Bytes stream = tiny_frames(500, bodies);
  bodies.push_back(pattern(100'000, 77));  // a frame spanning thousands of buffers
  Bytes big = make_frame(bodies.back());
  stream.insert(stream.end(), big.begin(), big.end());
  PeerThread peer([&] {
    int fd = listener.accept();
    write_all(fd, stream.data(), stream.size());
    uint8_t byte;
    read_exact(fd, &byte, 1);
    close_fd(fd);
  });
  // The kernel runs out of buffers over and over (ENOBUFS ends the multishot receive, which is
  // armed again), and most frames straddle two buffers.
  auto reactor = make_multishot_reactor(1, 16);
  if (!reactor) return;
  Recorder rec;
  reactor->connect({"127.0.0.1", listener.port()}, 5s, rec);
  REQUIRE(poll_until(*reactor, [&] { return rec.frames.size() >= bodies.size() || rec.closed; }));
  CHECK(rec.frames == bodies);
  CHECK_FALSE(rec.closed.has_value());
}

TEST_CASE("multishot receive: bad provided-buffer settings are refused with a sentence") {
  ReactorOptions options;
  options.backend = Backend::uring;
  options.multishot_receive = true;
  options.provided_receive_buffers = 3;
  CHECK_THROWS_WITH_AS(Reactor::create(options),
                       "provided_receive_buffers must be a power of two from 1 to 32768, not 3",
                       std::invalid_argument);
  options.provided_receive_buffers = 8;
  options.provided_receive_buffer_size = 0;
  CHECK_THROWS_AS(Reactor::create(options), std::invalid_argument);
  options.backend = Backend::asio;  // refused whichever backend would run
  CHECK_THROWS_AS(Reactor::create(options), std::invalid_argument);
}
