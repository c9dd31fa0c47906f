#pragma once
// The backends every reactor test runs against.

#include "rawkafka/io/reactor.hpp"

namespace rawkafka::io::test {

struct Uring {
  static constexpr Backend backend = Backend::uring;
};
struct Asio {
  static constexpr Backend backend = Backend::asio;
};

}  // namespace rawkafka::io::test

#define RAWKAFKA_IO_BACKENDS rawkafka::io::test::Uring, rawkafka::io::test::Asio
