#pragma once
// Constructors of the two backends; Reactor::create picks one.

#include <memory>

#include "rawkafka/io/reactor.hpp"

namespace rawkafka::io::detail {

// Throws std::runtime_error naming the reason when io_uring cannot be set up.
std::unique_ptr<Reactor> make_uring_reactor(const ReactorOptions& options);
std::unique_ptr<Reactor> make_asio_reactor(const ReactorOptions& options);

// True when RAWKAFKA_IO_URING_DISABLE is set to anything but "" or "0": io_uring setup is then
// treated as failed, which is how tests exercise the fallback on machines where it works.
bool uring_disabled_by_environment();

}  // namespace rawkafka::io::detail
