#include "rawkafka/io/reactor.hpp"

#include <pthread.h>
#include <sched.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "backends.hpp"

namespace rawkafka::io {

std::string_view to_string(Backend backend) {
  switch (backend) {
    case Backend::automatic:
      return "auto";
    case Backend::uring:
      return "uring";
    case Backend::asio:
      return "asio";
  }
  return "unknown";
}

bool parse_backend(std::string_view text, Backend& out) {
  if (text == "auto") {
    out = Backend::automatic;
  } else if (text == "uring") {
    out = Backend::uring;
  } else if (text == "asio") {
    out = Backend::asio;
  } else {
    return false;
  }
  return true;
}

std::string Endpoint::to_string() const {
  bool bracketed = !host.empty() && host.front() == '[';
  if (!bracketed && host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

std::unique_ptr<Reactor> Reactor::create(const ReactorOptions& options) {
  // Checked whichever backend runs: a bad setting is the caller's mistake, not the machine's.
  if (options.multishot_receive) {
    unsigned count = options.provided_receive_buffers;
    if (count == 0 || count > 32768 || (count & (count - 1)) != 0) {
      throw std::invalid_argument("provided_receive_buffers must be a power of two from 1 to "
                                  "32768, not " + std::to_string(count));
    }
    if (options.provided_receive_buffer_size == 0 ||
        options.provided_receive_buffer_size > UINT32_MAX) {
      throw std::invalid_argument("provided_receive_buffer_size must be from 1 byte to 4 GiB, "
                                  "not " + std::to_string(options.provided_receive_buffer_size));
    }
  }
  switch (options.backend) {
    case Backend::asio:
      return detail::make_asio_reactor(options);
    case Backend::uring:
      return detail::make_uring_reactor(options);
    case Backend::automatic:
      break;
  }
  try {
    return detail::make_uring_reactor(options);
  } catch (const std::runtime_error&) {
    // io_uring is unavailable here (seccomp, kernel.io_uring_disabled, old kernel, memlock).
    return detail::make_asio_reactor(options);
  }
}

bool pin_current_thread(int core) {
  if (core < 0 || core >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

namespace detail {

bool uring_disabled_by_environment() {
  const char* value = std::getenv("RAWKAFKA_IO_URING_DISABLE");
  return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

}  // namespace detail
}  // namespace rawkafka::io
