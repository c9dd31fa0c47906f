// loopback_bandwidth: the raw limit of TCP over 127.0.0.1 on this machine. One thread writes
// large blocks with blocking send(), another reads them with blocking recv(), for N seconds; the
// report is the bytes the reader received per second. The comparison divides a client's wire
// throughput against the null sink by this figure. The writer's own CPU (user + sys of its
// thread) per 100 bytes sent is the sending side's kernel floor: what any client pays the
// kernel to put a 100-byte record's bytes on loopback TCP, before any work of its own.
//
//   loopback_bandwidth [--seconds 3] [--write-size 1048576] [--json]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Options {
  double seconds = 3;
  size_t write_size = 1 << 20;
  bool json = false;
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "loopback_bandwidth: %s\nusage: loopback_bandwidth [--seconds S] [--write-size BYTES] [--json]\n",
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
    if (a == "--seconds") {
      o.seconds = std::atof(value());
    } else if (a == "--write-size") {
      o.write_size = size_t(std::atoll(value()));
    } else if (a == "--json") {
      o.json = true;
    } else {
      usage_error("unknown option '" + std::string(a) + "'");
    }
  }
  if (o.seconds <= 0 || o.write_size == 0) usage_error("--seconds and --write-size must be > 0");
  return o;
}

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// Listens on an ephemeral loopback port; returns the socket and fills `port`.
int listen_loopback(uint16_t& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind");
  check(listen(fd, 1) == 0, "listen");
  socklen_t len = sizeof addr;
  check(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0, "getsockname");
  port = ntohs(addr.sin_port);
  return fd;
}

int connect_loopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  check(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "connect");
  return fd;
}

// Reads until the peer closes; returns the bytes received.
uint64_t drain(int fd) {
  std::vector<char> buffer(4 << 20);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      total += uint64_t(n);
    } else if (n == 0 || errno != EINTR) {
      return total;
    }
  }
}

double thread_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    check(n > 0, "send");
    data += n;
    size -= size_t(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  try {
    uint16_t port = 0;
    int listener = listen_loopback(port);
    uint64_t received = 0;
    std::thread reader([&] {
      int fd = accept(listener, nullptr, nullptr);
      check(fd >= 0, "accept");
      received = drain(fd);
      close(fd);
    });

    int fd = connect_loopback(port);
    std::vector<char> block(o.write_size, 'x');
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    auto deadline = start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o.seconds));
    uint64_t sent = 0;
    const double cpu0 = thread_cpu_seconds();
    while (clock::now() < deadline) {
      send_all(fd, block.data(), block.size());
      sent += block.size();
    }
    const double writer_cpu = thread_cpu_seconds() - cpu0;
    const double writer_ns_per_100_bytes = sent ? writer_cpu * 1e9 / (double(sent) / 100) : 0;
    shutdown(fd, SHUT_WR);
    reader.join();
    double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    close(fd);
    close(listener);

    double bytes_per_sec = double(received) / elapsed;
    if (o.json) {
      std::printf("{\"bytes\": %llu, \"seconds\": %.3f, \"write_size\": %zu, \"bytes_per_sec\": %.0f, "
                  "\"gbit_per_sec\": %.2f, \"writer_cpu_ns_per_100_bytes\": %.1f}\n",
                  static_cast<unsigned long long>(received), elapsed, o.write_size, bytes_per_sec,
                  bytes_per_sec * 8 / 1e9, writer_ns_per_100_bytes);
    } else {
      std::printf("%.2f GB/s (%.2f Gbit/s) over 127.0.0.1, %zu-byte writes, %.1f s; writer CPU %.1f ns per 100 bytes\n",
                  bytes_per_sec / 1e9, bytes_per_sec * 8 / 1e9, o.write_size, elapsed, writer_ns_per_100_bytes);
    }
    return received == sent ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loopback_bandwidth: %s\n", e.what());
    return 1;
  }
}
