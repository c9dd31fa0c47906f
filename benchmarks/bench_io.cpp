// Framed 1 MiB sends over loopback to a receiver thread that drains each frame and answers it
// with a 16-byte ack frame, keeping `depth` frames in flight: the io_uring reactor, the Asio
// reactor and a plain blocking send/recv pair, measured in the same run. The *_receive cases
// turn it around: a blocking peer keeps frames of 1 MiB, 16 KiB or 100 bytes in flight towards
// the reactor (plain receives, multishot receives into provided buffers, Asio) or towards a
// blocking recv() loop, the reference.
//
// Counters: bytes_per_second (frame bytes acknowledged), sender_cpu_ns_per_KiB (CPU of the
// sending thread, which runs the reactor, per KiB) and process_cpu_ns_per_KiB (the whole
// process: sender, receiver and any kernel worker of the ring).
//
//   build/benchmarks/bench_io --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//
// RAWKAFKA_BENCH_IO_PIN=S,R pins the sending thread to core S and the receiver to core R, as the
// client pins its reactor threads; unset, the scheduler places both.
//
// An iteration is one acknowledged frame: a poll that brings several acks pays for as many
// iterations. (Counting one iteration per poll instead under-reported every reactor whose poll
// often brings more than one ack, the Asio one most: it read as 30-70% of the blocking pair.)
//
// Measured (2-core VM, kernel 6.18, liburing 2.3; 5 repetitions interleaved, medians; load
// average about 1): bytes/s, sender CPU ns/KiB
//   blocking pair                                 5.06 GB/s  185
//   uring_reactor sndbuf_KiB:0 (the default)      5.69 GB/s  163   113% of the pair
//   uring_reactor sndbuf_KiB:128 / 512            4.44 / 4.00 GB/s
//   asio_reactor sndbuf_KiB:0 (the default)       4.83 GB/s  189    95% of the pair
//   asio_reactor sndbuf_KiB:64 / 128 / 512        2.70 / 4.34 / 3.90 GB/s
//   uring_reactor_zero_copy zc_KiB:0 / 64         4.62 / 2.66 GB/s  (SENDMSG_ZC from 64 KiB)
//   uring_send mode:0 / 1 / 2                     4.48 / 3.30 / 2.55 GB/s (SEND, SEND_ZC, fixed)
// Kernel autotuning of the send buffer wins for both backends, so it is the default. Zero-copy
// loses 30-45%: its notification comes only once TCP has freed the packets, i.e. after the
// peer's ACK, and a connection keeps one send in flight to keep the byte order, so every write
// waits a round trip; over loopback the kernel copies the pages on delivery anyway
// (skb_orphan_frags_rx), so the copy is moved, not saved. Hence zero_copy_send_threshold stays
// 0 (off).
//
// Receiving (same machine, three runs of 5 interleaved repetitions; medians of one run, the
// others in parentheses): bytes/s, receiving thread CPU ns/KiB
//                          blocking recv     uring plain       uring multishot   asio
//   1 MiB, 4 in flight     5.58 GB/s  112    5.96 GB/s  115    6.52 GB/s  129    4.1-6.2 GB/s
//   16 KiB, 16 in flight   4.90 GB/s  144    4.36 GB/s  214    3.86 GB/s  190    4.71 GB/s
//   100 B, 1024 in flight  2.66 GB/s  355    2.60 GB/s  364    2.49 GB/s  370    2.60 GB/s
// Multishot receive gains 9-24% of bytes/s on 1 MiB frames (+9%, +24%, +9%) for 12-14% more
// CPU per byte (the second copy, out of the 64 KiB provided buffers), and loses 11-15% on
// 16 KiB frames and 4% on 100-byte ones, though those are nearly all taken in place. It does
// not pay for what the producer receives (small responses), so ReactorOptions::
// multishot_receive stays off.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <liburing.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "rawkafka/io/reactor.hpp"

namespace {

using namespace rawkafka::io;
using namespace std::chrono_literals;

constexpr size_t frame_body = 1u << 20;
constexpr size_t ack_size = 16;  // 4-byte length (12) + 12 bytes

int64_t thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t process_cpu_ns() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  auto ns = [](timeval tv) { return int64_t{tv.tv_sec} * 1'000'000'000 + tv.tv_usec * 1000; };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

// Cores from RAWKAFKA_BENCH_IO_PIN ("sender,receiver"); -1 when unset.
std::pair<int, int> pin_cores() {
  const char* text = std::getenv("RAWKAFKA_BENCH_IO_PIN");
  int sender = -1;
  int receiver = -1;
  if (text == nullptr || std::sscanf(text, "%d,%d", &sender, &receiver) != 2) return {-1, -1};
  return {sender, receiver};
}

// Pins the calling (sending) thread for the life of one benchmark run.
struct SenderPin {
  cpu_set_t saved;
  bool pinned = false;
  SenderPin() {
    int core = pin_cores().first;
    if (core < 0) return;
    pthread_getaffinity_np(pthread_self(), sizeof saved, &saved);
    pinned = pin_current_thread(core);
  }
  ~SenderPin() {
    if (pinned) pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
  }
};

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::vector<uint8_t> make_frame(size_t body = frame_body) {
  std::vector<uint8_t> frame(4 + body, 0x5a);
  auto n = static_cast<uint32_t>(body);
  frame[0] = static_cast<uint8_t>(n >> 24);
  frame[1] = static_cast<uint8_t>(n >> 16);
  frame[2] = static_cast<uint8_t>(n >> 8);
  frame[3] = static_cast<uint8_t>(n);
  return frame;
}

// Counts the frames completed in a stream read in arbitrary pieces (4-byte big-endian length,
// then the body).
class FrameCounter {
 public:
  // Consumes `n` bytes; returns how many frames they completed.
  size_t feed(const uint8_t* p, size_t n) {
    size_t frames = 0;
    while (n != 0) {
      if (remaining_ == 0 && held_ < 4) {
        size_t take = std::min(n, 4 - held_);
        std::memcpy(prefix_ + held_, p, take);
        held_ += take;
        p += take;
        n -= take;
        if (held_ < 4) break;
        remaining_ = (size_t{prefix_[0]} << 24) | (size_t{prefix_[1]} << 16) |
                     (size_t{prefix_[2]} << 8) | prefix_[3];
        if (remaining_ == 0) {
          held_ = 0;
          ++frames;
        }
        continue;
      }
      size_t take = std::min(n, remaining_);
      p += take;
      n -= take;
      remaining_ -= take;
      if (remaining_ == 0) {
        held_ = 0;
        ++frames;
      }
    }
    return frames;
  }

 private:
  uint8_t prefix_[4];
  size_t held_ = 0;       // bytes of the current prefix in prefix_
  size_t remaining_ = 0;  // body bytes of the current frame still to come
};

int listen_loopback(uint16_t& port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(fd, 4) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("cannot listen on loopback");
  }
  port = ntohs(a.sin_port);
  return fd;
}

int connect_loopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  set_nodelay(fd);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const uint8_t* p, size_t n) {
  while (n != 0) {
    ssize_t sent = send(fd, p, n, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    p += sent;
    n -= static_cast<size_t>(sent);
  }
  return true;
}

// A thread that accepts one loopback connection, runs `serve` on it (pinned to the receiver
// core of RAWKAFKA_BENCH_IO_PIN) and closes it; the destructor waits for it.
class LoopbackPeer {
 public:
  explicit LoopbackPeer(std::function<void(int fd)> serve) {
    listen_fd_ = listen_loopback(port_);
    thread_ = std::thread([this, serve = std::move(serve)] {
      if (int core = pin_cores().second; core >= 0) pin_current_thread(core);
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      set_nodelay(fd);
      serve(fd);
      close(fd);
    });
  }
  ~LoopbackPeer() {
    thread_.join();
    close(listen_fd_);
  }
  LoopbackPeer(const LoopbackPeer&) = delete;
  LoopbackPeer& operator=(const LoopbackPeer&) = delete;
  uint16_t port() const { return port_; }

 private:
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// Reads frames into a scratch buffer and acks each one, until the sender closes.
void ack_frames(int fd) {
  std::vector<uint8_t> buffer(4u << 20);
  uint8_t ack[ack_size] = {0, 0, 0, 12};
  FrameCounter counter;
  for (;;) {
    ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    if (n <= 0) return;
    for (size_t frames = counter.feed(buffer.data(), static_cast<size_t>(n)); frames != 0;
         --frames) {
      send(fd, ack, sizeof ack, MSG_NOSIGNAL);
    }
  }
}

struct AckReceiver : LoopbackPeer {
  AckReceiver() : LoopbackPeer(ack_frames) {}
};

// The other direction: keeps `depth` frames of `body` bytes in flight, sending a new frame for
// each 16-byte ack, until the peer closes.
void source_frames(int fd, size_t body, int64_t depth) {
  // `depth` frames back to back, so one send() carries as many frames as were acked.
  std::vector<uint8_t> frames;
  for (int64_t i = 0; i < depth; ++i) {
    std::vector<uint8_t> frame = make_frame(body);
    frames.insert(frames.end(), frame.begin(), frame.end());
  }
  const size_t frame_size = 4 + body;
  uint8_t acks[ack_size * 256];
  uint64_t ack_bytes = 0;
  uint64_t acked = 0;
  bool ok = send_all(fd, frames.data(), frames.size());
  while (ok) {
    ssize_t n = recv(fd, acks, sizeof acks, 0);
    if (n <= 0) return;
    ack_bytes += static_cast<uint64_t>(n);
    uint64_t fresh = ack_bytes / ack_size - acked;
    acked += fresh;
    ok = send_all(fd, frames.data(), static_cast<size_t>(fresh) * frame_size);
  }
}

struct FrameSource : LoopbackPeer {
  FrameSource(size_t body, int64_t depth)
      : LoopbackPeer([body, depth](int fd) { source_frames(fd, body, depth); }) {}
};

// `thread_ns`: CPU of the benchmark's thread (the sender, or the receiver in the receive
// cases), reported as `thread_counter`.
void report(benchmark::State& state, int64_t thread_ns, int64_t process_ns,
            size_t frame_size = 4 + frame_body,
            const char* thread_counter = "sender_cpu_ns_per_KiB") {
  double bytes = static_cast<double>(state.iterations()) * static_cast<double>(frame_size);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters[thread_counter] = static_cast<double>(thread_ns) / (bytes / 1024);
  state.counters["process_cpu_ns_per_KiB"] = static_cast<double>(process_ns) / (bytes / 1024);
}

// Counts the frames a reactor connection receives (acks in the send cases).
struct FrameCounting : ConnectionHandler {
  bool connected = false;
  bool closed = false;
  std::string error;
  uint64_t frames = 0;
  void on_connected(ConnectionId) override { connected = true; }
  void on_frame(ConnectionId, std::span<const uint8_t>) override { ++frames; }
  void on_sent(ConnectionId, uint64_t) override {}
  void on_closed(ConnectionId, const IoError& e) override {
    closed = true;
    error = e.message;
  }
};

// Connects `reactor` to the loopback peer on `port`; false (the benchmark skipped with the
// reason) when that fails.
bool connect_reactor(benchmark::State& state, Reactor& reactor, uint16_t port,
                     FrameCounting& handler, ConnectionId& id) {
  id = reactor.connect({"127.0.0.1", port}, 5s, handler);
  while (!handler.connected && !handler.closed) reactor.poll(100ms);
  if (handler.closed) state.SkipWithError(handler.error.c_str());
  return !handler.closed;
}

void run_reactor(benchmark::State& state, const ReactorOptions& options, int64_t depth) {
  SenderPin pin;
  AckReceiver receiver;
  std::unique_ptr<Reactor> reactor = Reactor::create(options);
  FrameCounting acks;
  ConnectionId id = 0;
  if (!connect_reactor(state, *reactor, receiver.port(), acks, id)) return;
  std::vector<uint8_t> frame = make_frame();
  std::span<const uint8_t> chain[1] = {{frame.data(), frame.size()}};
  uint64_t sent = 0;
  ReactorStats before = reactor->stats();
  int64_t thread_start = thread_cpu_ns();
  int64_t process_start = process_cpu_ns();
  // One iteration per acknowledged frame: a poll that brings several acks pays for as many
  // iterations, so bytes_per_second counts every frame the receiver confirmed.
  uint64_t counted = acks.frames;
  for (auto _ : state) {
    while (static_cast<int64_t>(sent - acks.frames) < depth) reactor->send(id, chain, sent++);
    while (acks.frames == counted && !acks.closed) reactor->poll(1s);
    ++counted;
  }
  report(state, thread_cpu_ns() - thread_start, process_cpu_ns() - process_start);
  ReactorStats after = reactor->stats();
  double frames = static_cast<double>(state.iterations());
  state.counters["syscalls_per_frame"] =
      static_cast<double>(after.submits - before.submits) / frames;
  state.counters["partial_sends_per_frame"] =
      static_cast<double>(after.partial_sends - before.partial_sends) / frames;
  if (options.zero_copy_send_threshold != 0) {
    state.counters["zero_copy_share"] =
        static_cast<double>(after.zero_copy_sends - before.zero_copy_sends) /
        static_cast<double>(std::max<uint64_t>(1, after.send_requests - before.send_requests));
  }
  while (acks.frames < sent && !acks.closed) reactor->poll(1s);
  reactor->close(id);
  while (!acks.closed) reactor->poll(1s);
}

void BM_reactor(benchmark::State& state, Backend backend) {
  ReactorOptions options;
  options.backend = backend;
  options.max_bytes_per_send = static_cast<size_t>(state.range(1)) * 1024;
  options.socket_send_buffer = static_cast<int>(state.range(2)) * 1024;
  run_reactor(state, options, state.range(0));
}

// The io_uring reactor with ReactorOptions::zero_copy_send_threshold (KiB; 0: off), so the
// plain and zero-copy paths run the same reactor code.
void BM_uring_zero_copy(benchmark::State& state) {
  ReactorOptions options;
  options.backend = Backend::uring;
  options.zero_copy_send_threshold = static_cast<size_t>(state.range(1)) * 1024;
  run_reactor(state, options, state.range(0));
}

// A bare ring, no reactor: one 1 MiB send in flight at a time (as the reactor does), acks read
// by a ring receive; mode 0 IORING_OP_SEND, 1 IORING_OP_SEND_ZC, 2 SEND_ZC from a registered
// (fixed) buffer. A zero-copy send is done only at its notification CQE (IORING_CQE_F_NOTIF),
// when the kernel no longer references the buffer.
void BM_uring_send(benchmark::State& state) {
  const int64_t depth = state.range(0);
  const int64_t mode = state.range(1);
  SenderPin pin;
  AckReceiver receiver;
  io_uring ring;
  if (io_uring_queue_init(16, &ring, 0) != 0) {
    state.SkipWithError("io_uring_queue_init failed");
    return;
  }
  int fd = connect_loopback(receiver.port());
  std::vector<uint8_t> frame = make_frame();
  iovec registered{frame.data(), frame.size()};
  if (fd < 0 || (mode == 2 && io_uring_register_buffers(&ring, &registered, 1) != 0)) {
    state.SkipWithError("connect or io_uring_register_buffers failed");
    if (fd >= 0) close(fd);
    io_uring_queue_exit(&ring);
    return;
  }
  enum : uint64_t { send_tag = 1, recv_tag = 2 };
  uint8_t acks_buffer[ack_size * 64];
  uint64_t ack_bytes = 0;
  uint64_t frames_sent = 0;
  size_t offset = 0;  // bytes of the current frame already sent
  bool send_pending = false;
  bool recv_pending = false;
  int32_t held_result = 0;
  bool ok = true;
  uint64_t zero_copy_notifications = 0;
  auto submit_send = [&] {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    const uint8_t* at = frame.data() + offset;
    size_t len = frame.size() - offset;
    if (mode == 0) io_uring_prep_send(sqe, fd, at, len, MSG_NOSIGNAL);
    if (mode == 1) io_uring_prep_send_zc(sqe, fd, at, len, MSG_NOSIGNAL, 0);
    if (mode == 2) io_uring_prep_send_zc_fixed(sqe, fd, at, len, MSG_NOSIGNAL, 0, 0);
    io_uring_sqe_set_data64(sqe, send_tag);
    send_pending = true;
  };
  auto on_send = [&](int32_t res) {
    send_pending = false;
    if (res <= 0) {
      ok = false;
      return;
    }
    offset += static_cast<size_t>(res);
    if (offset == frame.size()) {
      offset = 0;
      ++frames_sent;
    }
  };
  auto step = [&] {
    int64_t unacked = static_cast<int64_t>(frames_sent - ack_bytes / ack_size);
    if (!send_pending && (offset != 0 || unacked < depth)) submit_send();
    if (!recv_pending) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      io_uring_prep_recv(sqe, fd, acks_buffer, sizeof acks_buffer, 0);
      io_uring_sqe_set_data64(sqe, recv_tag);
      recv_pending = true;
    }
    io_uring_cqe* cqe = nullptr;
    if (io_uring_submit_and_wait(&ring, 1) < 0 || io_uring_wait_cqe(&ring, &cqe) != 0) {
      ok = false;
      return;
    }
    unsigned head;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      if (io_uring_cqe_get_data64(cqe) == recv_tag) {
        recv_pending = false;
        if (cqe->res <= 0) ok = false;
        else ack_bytes += static_cast<uint64_t>(cqe->res);
      } else if (cqe->flags & IORING_CQE_F_MORE) {
        held_result = cqe->res;
      } else if (cqe->flags & IORING_CQE_F_NOTIF) {
        ++zero_copy_notifications;
        on_send(held_result);
      } else {
        on_send(cqe->res);
      }
    }
    io_uring_cq_advance(&ring, seen);
  };
  int64_t thread_start = thread_cpu_ns();
  int64_t process_start = process_cpu_ns();
  uint64_t counted = 0;  // acknowledged frames already paid for by an iteration
  for (auto _ : state) {
    while (ok && ack_bytes / ack_size == counted) step();
    ++counted;
  }
  report(state, thread_cpu_ns() - thread_start, process_cpu_ns() - process_start);
  state.counters["notifications_per_frame"] =
      static_cast<double>(zero_copy_notifications) / static_cast<double>(state.iterations());
  while (ok && (send_pending || offset != 0 || ack_bytes / ack_size < frames_sent)) step();
  if (!ok) state.SkipWithError("send or receive failed");
  shutdown(fd, SHUT_RDWR);
  while (recv_pending || send_pending) step();  // let the kernel give back every buffer
  close(fd);
  io_uring_queue_exit(&ring);
}

bool uring_opcode_supported(int opcode) {
  io_uring_probe* probe = io_uring_get_probe();
  if (probe == nullptr) return false;
  bool supported = io_uring_opcode_supported(probe, opcode) != 0;
  io_uring_free_probe(probe);
  return supported;
}

// The reference: one blocking socket, send() of each whole frame, blocking recv of acks.
// gathered=1: every frame that may be in flight goes in one writev, as a reactor gathers them.
void BM_blocking_pair(benchmark::State& state) {
  const int64_t depth = state.range(0);
  const bool gathered = state.range(1) != 0;
  SenderPin pin;
  AckReceiver receiver;
  int fd = connect_loopback(receiver.port());
  if (fd < 0) {
    state.SkipWithError("connect failed");
    return;
  }
  std::vector<uint8_t> frame = make_frame();
  auto send_frame = [&] { return send_all(fd, frame.data(), frame.size()); };
  auto read_ack = [&] {
    uint8_t ack[ack_size];
    size_t at = 0;
    while (at < sizeof ack) {
      ssize_t n = recv(fd, ack + at, sizeof ack - at, 0);
      if (n <= 0) return false;
      at += static_cast<size_t>(n);
    }
    return true;
  };
  auto send_frames = [&](int64_t count) {
    std::vector<iovec> iov(static_cast<size_t>(count), iovec{frame.data(), frame.size()});
    size_t left = frame.size() * static_cast<size_t>(count);
    size_t first = 0;
    while (left != 0) {
      ssize_t n = writev(fd, iov.data() + first, static_cast<int>(iov.size() - first));
      if (n <= 0) return false;
      left -= static_cast<size_t>(n);
      for (size_t done = static_cast<size_t>(n); done != 0;) {
        size_t take = std::min(done, iov[first].iov_len);
        iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + take;
        iov[first].iov_len -= take;
        done -= take;
        if (iov[first].iov_len == 0) ++first;
      }
    }
    return true;
  };
  int64_t in_flight = 0;
  int64_t thread_start = thread_cpu_ns();
  int64_t process_start = process_cpu_ns();
  bool ok = true;
  for (auto _ : state) {
    if (gathered && in_flight < depth) {
      ok = ok && send_frames(depth - in_flight);
      in_flight = depth;
    }
    while (ok && in_flight < depth) {
      ok = send_frame();
      ++in_flight;
    }
    ok = ok && read_ack();
    --in_flight;
  }
  report(state, thread_cpu_ns() - thread_start, process_cpu_ns() - process_start);
  while (ok && in_flight-- > 0) ok = read_ack();
  if (!ok) state.SkipWithError("loopback peer failed");
  close(fd);
}

// The receive direction, the shape of fetch responses arriving: a FrameSource keeps `depth`
// frames of `body` bytes in flight towards the reactor. After each poll the frames it brought
// are acked with one send, as the blocking reference acks per read, so that the receive path
// is what is measured, not a send per frame.
struct FrameAcker : FrameCounting {
  explicit FrameAcker(int64_t depth) : acks(ack_size * static_cast<size_t>(depth), 0) {
    for (size_t i = 0; i < acks.size(); i += ack_size) acks[i + 3] = 12;
  }
  // Acks the frames received since the last call (the bytes are all alike, so every send
  // can use the same array).
  void flush(Reactor& reactor, ConnectionId id) {
    while (acked < frames) {
      size_t count = std::min<uint64_t>(frames - acked, acks.size() / ack_size);
      std::span<const uint8_t> chain[1] = {{acks.data(), count * ack_size}};
      reactor.send(id, chain, 0);
      acked += count;
    }
  }

  std::vector<uint8_t> acks;
  uint64_t acked = 0;
};

void BM_reactor_receive(benchmark::State& state, Backend backend, bool multishot) {
  const auto body = static_cast<size_t>(state.range(0));
  const int64_t depth = state.range(1);
  SenderPin pin;  // the reactor's thread
  FrameSource source(body, depth);
  ReactorOptions options;
  options.backend = backend;
  options.multishot_receive = multishot;
  std::unique_ptr<Reactor> reactor = Reactor::create(options);
  FrameAcker acker(depth);
  ConnectionId id = 0;
  if (!connect_reactor(state, *reactor, source.port(), acker, id)) return;
  ReactorStats before = reactor->stats();
  int64_t thread_start = thread_cpu_ns();
  int64_t process_start = process_cpu_ns();
  uint64_t counted = acker.frames;  // one iteration per frame received
  for (auto _ : state) {
    while (acker.frames == counted && !acker.closed) {
      reactor->poll(1s);
      acker.flush(*reactor, id);
    }
    ++counted;
  }
  report(state, thread_cpu_ns() - thread_start, process_cpu_ns() - process_start, 4 + body,
         "receiver_cpu_ns_per_KiB");
  ReactorStats after = reactor->stats();
  double frames = static_cast<double>(after.frames_received - before.frames_received);
  state.counters["reads_per_frame"] =
      static_cast<double>(after.recv_requests - before.recv_requests) / frames;
  state.counters["in_place_share"] =
      static_cast<double>(after.frames_in_place - before.frames_in_place) / frames;
  reactor->close(id);
  while (!acker.closed) reactor->poll(1s);
}

// The reference for the receive direction: a blocking recv() into one buffer, counting frames
// and acking, per read, every frame it completed with one send().
void BM_blocking_receive(benchmark::State& state) {
  const auto body = static_cast<size_t>(state.range(0));
  const int64_t depth = state.range(1);
  SenderPin pin;
  FrameSource source(body, depth);
  int fd = connect_loopback(source.port());
  if (fd < 0) {
    state.SkipWithError("connect failed");
    return;
  }
  std::vector<uint8_t> buffer(4u << 20);
  std::vector<uint8_t> acks(ack_size * static_cast<size_t>(depth), 0);
  for (size_t i = 0; i < acks.size(); i += ack_size) acks[i + 3] = 12;
  FrameCounter counter;
  uint64_t received = 0;
  uint64_t counted = 0;
  bool ok = true;
  int64_t thread_start = thread_cpu_ns();
  int64_t process_start = process_cpu_ns();
  for (auto _ : state) {
    while (ok && received == counted) {
      ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
      if (n <= 0) {
        ok = false;
        break;
      }
      size_t frames = counter.feed(buffer.data(), static_cast<size_t>(n));
      received += frames;
      ok = send_all(fd, acks.data(), frames * ack_size);
    }
    ++counted;
  }
  report(state, thread_cpu_ns() - thread_start, process_cpu_ns() - process_start, 4 + body,
         "receiver_cpu_ns_per_KiB");
  if (!ok) state.SkipWithError("loopback peer failed");
  close(fd);
}

bool uring_available() {
  try {
    ReactorOptions options;
    options.backend = Backend::uring;
    Reactor::create(options);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void register_all() {
  benchmark::RegisterBenchmark("io/blocking_pair/1MiB", BM_blocking_pair)
      ->ArgNames({"depth", "gathered"})->Args({4, 0})->Args({4, 1})->UseRealTime()->MinTime(1.0);
  // Arguments: frames in flight, ReactorOptions::max_bytes_per_send and socket_send_buffer in
  // KiB (0: no limit / kernel autotuning). {4, 0, 0} is the default.
  if (uring_available()) {
    benchmark::RegisterBenchmark("io/uring_reactor/1MiB", BM_reactor, Backend::uring)
        ->ArgNames({"depth", "send_KiB", "sndbuf_KiB"})->Args({4, 0, 0})->Args({4, 256, 0})
        ->Args({4, 0, 128})->Args({4, 0, 512})->UseRealTime()->MinTime(1.0);
    benchmark::RegisterBenchmark("io/uring_reactor_zero_copy/1MiB", BM_uring_zero_copy)
        ->ArgNames({"depth", "zc_KiB"})->Args({4, 0})->Args({4, 64})->UseRealTime()->MinTime(1.0);
    if (uring_opcode_supported(IORING_OP_SEND_ZC)) {
      benchmark::RegisterBenchmark("io/uring_send/1MiB", BM_uring_send)
          ->ArgNames({"depth", "mode"})->Args({4, 0})->Args({4, 1})->Args({4, 2})
          ->UseRealTime()->MinTime(1.0);
    }
  }
  // Receive direction. Arguments: frame body bytes, frames in flight.
  auto receive_cases = [](benchmark::internal::Benchmark* b) {
    b->ArgNames({"body", "depth"})->Args({1 << 20, 4})->Args({16 << 10, 16})->Args({100, 1024});
    b->UseRealTime()->MinTime(1.0);
  };
  receive_cases(benchmark::RegisterBenchmark("io/blocking_receive", BM_blocking_receive));
  if (uring_available()) {
    receive_cases(benchmark::RegisterBenchmark("io/uring_receive", BM_reactor_receive,
                                               Backend::uring, false));
    receive_cases(benchmark::RegisterBenchmark("io/uring_receive_multishot",
                                               BM_reactor_receive, Backend::uring, true));
  }
  receive_cases(benchmark::RegisterBenchmark("io/asio_receive", BM_reactor_receive,
                                             Backend::asio, false));
  benchmark::RegisterBenchmark("io/asio_reactor/1MiB", BM_reactor, Backend::asio)
      ->ArgNames({"depth", "send_KiB", "sndbuf_KiB"})->Args({4, 0, 0})->Args({4, 0, 64})
      ->Args({4, 0, 128})->Args({4, 0, 512})->UseRealTime()->MinTime(1.0);
}

const bool registered = (register_all(), true);

}  // namespace
