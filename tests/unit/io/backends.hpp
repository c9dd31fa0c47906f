#pragma once
// The backends every reactor test runs against: io_uring with plain and with multishot
// receives (provided buffers), and Asio.

#include <memory>

#include "loopback_peer.hpp"
#include "rawkafka/io/reactor.hpp"

namespace rawkafka::io::test {

struct Uring {
  static constexpr Backend backend = Backend::uring;
  static constexpr bool multishot_receive = false;
};
struct UringMultishot {
  static constexpr Backend backend = Backend::uring;
  static constexpr bool multishot_receive = true;
};
struct Asio {
  static constexpr Backend backend = Backend::asio;
  static constexpr bool multishot_receive = false;
};

// The reactor a test runs against, or null (with a message) where io_uring is unavailable.
template <class T>
std::unique_ptr<Reactor> make_reactor_for(size_t max_frame_size = 256u << 20) {
  return make_reactor(T::backend, max_frame_size, T::multishot_receive);
}

}  // namespace rawkafka::io::test

#define RAWKAFKA_IO_BACKENDS \
  rawkafka::io::test::Uring, rawkafka::io::test::UringMultishot, rawkafka::io::test::Asio
