// null_sink: a measuring instrument for a producer's own ceiling, like iperf's server. It listens
// on 127.0.0.1, speaks just enough Kafka for a producer (see null_sink/kafka_responder.hpp),
// acknowledges every Produce at once and stores nothing; one thread per connection. It never
// stands in for Kafka in a test of correctness.
//
//   null_sink [--port 39392] [--partitions 8] [--verify-crc] [--duration SECONDS]
//
// On SIGTERM/SIGINT (or after --duration) it prints its totals as one JSON object on stdout.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <thread>

#include "null_sink/connection.hpp"

namespace {

using rawkafka::bench::SinkConfig;

struct Options {
  SinkConfig sink;
  double duration_s = 0;  // 0: until a signal
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr,
               "null_sink: %s\nusage: null_sink [--port P] [--partitions N] [--verify-crc] "
               "[--duration SECONDS]\n",
               what.c_str());
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--port") {
      o.sink.port = uint16_t(std::atoi(value()));
    } else if (a == "--partitions") {
      o.sink.partitions = std::atoi(value());
    } else if (a == "--verify-crc") {
      o.sink.verify_crc = true;
    } else if (a == "--duration") {
      o.duration_s = std::atof(value());
    } else {
      usage_error("unknown option '" + std::string(a) + "'");
    }
  }
  if (o.sink.port == 0 || o.sink.partitions <= 0) usage_error("--port and --partitions must be > 0");
  return o;
}

int listen_on(const SinkConfig& config) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(config.port);
  inet_pton(AF_INET, config.host.c_str(), &addr.sin_addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0) {
    std::fprintf(stderr, "null_sink: cannot listen on %s:%u: %s\n", config.host.c_str(), config.port,
                 std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  static rawkafka::bench::SinkStats stats;
  static rawkafka::bench::PartitionOffsets offsets(o.sink.partitions);
  static SinkConfig config = o.sink;

  // Signals are taken by sigwait below; every thread inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  int listener = listen_on(config);
  std::thread([listener] {
    for (;;) {
      int fd = accept(listener, nullptr, nullptr);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        std::fprintf(stderr, "null_sink: accept: %s\n", std::strerror(errno));
        return;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      stats.connections.fetch_add(1, std::memory_order_relaxed);
      std::thread(rawkafka::bench::serve_connection, fd, std::cref(config), std::ref(stats), std::ref(offsets))
          .detach();
    }
  }).detach();
  std::fprintf(stderr, "null_sink: listening on %s:%u, %d partitions per topic\n", config.host.c_str(),
               config.port, config.partitions);

  if (o.duration_s > 0) {
    timespec timeout{time_t(o.duration_s), long((o.duration_s - double(time_t(o.duration_s))) * 1e9)};
    while (sigtimedwait(&signals, nullptr, &timeout) < 0 && errno == EINTR) {
    }
  } else {
    int sig = 0;
    sigwait(&signals, &sig);
  }
  std::printf("%s\n", stats.to_json().c_str());
  std::fflush(stdout);
  _exit(0);  // connection threads are detached and may be mid-request
}
