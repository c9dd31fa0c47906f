// The io_uring backend: one ring per reactor (so one per thread), every socket operation a
// ring request, submissions batched into one io_uring_enter per poll().
//
// Requests carry (connection id << 3 | operation) as user data, so a late completion or a
// cancel never lands on a reused object. A connection keeps at most one connect, one receive
// and one send in flight; its memory (receive buffer, msghdr, iovecs) lives until all three
// have completed, and only then does on_closed run.

#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "backends.hpp"
#include "rawkafka/io/frame_decoder.hpp"
#include "send_queue.hpp"
#include "socket_address.hpp"

namespace rawkafka::io::detail {
namespace {

using Clock = std::chrono::steady_clock;

enum Op : uint64_t { op_ignore = 0, op_wake = 1, op_connect = 2, op_recv = 3, op_send = 4 };
constexpr uint64_t op_bits = 3;
constexpr uint64_t op_mask = (uint64_t{1} << op_bits) - 1;
constexpr size_t max_send_iov = IOV_MAX;
constexpr size_t max_completions_per_poll = 4096;
constexpr uint16_t buffer_group = 0;  // the one group of provided receive buffers

uint64_t tag(ConnectionId id, Op op) { return (id << op_bits) | op; }

__kernel_timespec to_timespec(std::chrono::nanoseconds d) {
  if (d < std::chrono::nanoseconds::zero()) d = std::chrono::nanoseconds::zero();
  __kernel_timespec ts{};
  ts.tv_sec = static_cast<long long>(d.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long long>(d.count() % 1'000'000'000);
  return ts;
}

class UringReactor final : public Reactor {
 public:
  explicit UringReactor(const ReactorOptions& options);
  ~UringReactor() override;
  UringReactor(const UringReactor&) = delete;
  UringReactor& operator=(const UringReactor&) = delete;

  Backend backend() const override { return Backend::uring; }
  ConnectionId connect(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                       ConnectionHandler& handler) override {
    return open(endpoint, timeout, handler, FrameDecoder::Framing::length_prefixed);
  }
  ConnectionId connect_stream(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                              ConnectionHandler& handler) override {
    return open(endpoint, timeout, handler, FrameDecoder::Framing::none);
  }
  void send(ConnectionId id, std::span<const std::span<const uint8_t>> buffers,
            uint64_t token) override;
  void close(ConnectionId id) override;
  TimerId schedule(std::chrono::nanoseconds delay, std::function<void()> callback) override;
  void cancel(TimerId id) override;
  size_t poll(std::chrono::nanoseconds max_wait) override;
  void wake() override;
  ReactorStats stats() const override { return stats_; }

 private:
  enum class State : uint8_t { connecting, open, closing };

  struct Connection {
    Connection(ConnectionId i, ConnectionHandler& h, size_t max_frame_size, FrameDecoder::Framing framing)
        : id(i), handler(&h), decoder(max_frame_size, 64 * 1024, framing) {}
    ConnectionId id;
    ConnectionHandler* handler;
    int fd = -1;
    State state = State::connecting;
    std::vector<SocketAddress> addresses;
    size_t next_address = 0;
    std::string peer;  // address being connected to or connected to
    Clock::time_point connect_deadline;
    std::chrono::milliseconds connect_timeout{};
    __kernel_timespec link_timeout{};
    FrameDecoder decoder;
    SendQueue send_queue;
    std::vector<iovec> send_iov;
    msghdr send_msg{};
    size_t send_bytes = 0;  // bytes in the send request in flight
    bool send_zero_copy = false;  // the send in flight is a SENDMSG_ZC
    int32_t zero_copy_result = 0;  // its result, held until the kernel's notification
    bool connect_pending = false;
    bool recv_pending = false;
    bool send_pending = false;
    bool send_dirty = false;       // listed in dirty_
    bool finalize_queued = false;  // listed in finalize_queue_
    IoError error;

    bool busy() const { return connect_pending || recv_pending || send_pending; }
  };

  struct Timer {
    Clock::time_point deadline;
    std::function<void()> callback;
  };
  struct TimerEntry {
    Clock::time_point deadline;
    TimerId id;
    bool operator>(const TimerEntry& other) const { return deadline > other.deadline; }
  };

  Connection* find(ConnectionId id);
  ConnectionId open(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                    ConnectionHandler& handler, FrameDecoder::Framing framing);
  io_uring_sqe* get_sqe();
  void reserve_sqes(unsigned count);
  void arm_wake();
  void start_connect(Connection& c);
  void setup_provided_buffers();
  void recycle_buffer(unsigned id);
  void arm_recv(Connection& c);
  bool take_frames(Connection& c, std::span<const uint8_t> input);
  void mark_dirty(Connection& c);
  void flush_sends();
  void submit_send(Connection& c);
  void deliver_sent(Connection& c, size_t bytes);
  void fail(Connection& c, IoError error);
  void drop_unsent(Connection& c);
  void maybe_finalize(Connection& c);
  void run_finalizers();
  void reap_completions();
  void handle_completion(uint64_t user_data, int32_t res, uint32_t flags);
  void on_connect_done(Connection& c, int32_t res);
  void on_recv_done(Connection& c, int32_t res, uint32_t flags, const uint8_t* provided);
  void on_send_done(Connection& c, int32_t res);
  void pop_cancelled_timers();
  void run_timers();
  void compact_timer_heap();

  ReactorOptions options_;
  io_uring ring_{};
  bool defer_taskrun_ = false;
  bool zero_copy_ = false;  // zero_copy_send_threshold set and SENDMSG_ZC supported
  // Provided receive buffers (ReactorOptions::multishot_receive): a ring the kernel takes
  // buffers from, and their memory.
  bool multishot_ = false;
  io_uring_buf_ring* buffer_ring_ = nullptr;
  size_t buffer_ring_bytes_ = 0;
  std::unique_ptr<uint8_t[]> receive_buffers_;
  int wake_fd_ = -1;
  bool wake_pending_ = false;
  ConnectionId next_connection_id_ = 1;
  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::vector<ConnectionId> dirty_;
  std::vector<ConnectionId> finalize_queue_;
  std::vector<uint64_t> token_scratch_;
  TimerId next_timer_id_ = 1;
  std::unordered_map<TimerId, Timer> timers_;
  std::vector<TimerEntry> timer_heap_;  // min-heap; cancelled entries are dropped lazily
  size_t ran_ = 0;
  ReactorStats stats_;
  size_t send_byte_limit_ = options_.max_bytes_per_send != 0 ? options_.max_bytes_per_send
                                                              : SIZE_MAX;
};

UringReactor::UringReactor(const ReactorOptions& options) : options_(options) {
  if (uring_disabled_by_environment()) {
    throw std::runtime_error("io_uring disabled by RAWKAFKA_IO_URING_DISABLE");
  }
  unsigned depth = std::clamp(options.queue_depth, 8u, 32768u);
  // Completions are run when this thread enters the kernel (poll() always does, or liburing
  // does for it on the IORING_SQ_TASKRUN flag) instead of interrupting it; kernels before 5.19
  // refuse these flags, and get a plain ring.
  unsigned flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  if (const char* setup = std::getenv("RAWKAFKA_IO_URING_SETUP")) {
    std::string_view mode(setup);  // a diagnostic knob: "plain" or "defer"
    if (mode == "plain") flags = 0;
    if (mode == "defer") flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  }
  int rc = io_uring_queue_init(depth, &ring_, flags);
  if (rc == -EINVAL && flags != 0) {
    flags = 0;
    rc = io_uring_queue_init(depth, &ring_, 0);
  }
  defer_taskrun_ = (flags & IORING_SETUP_DEFER_TASKRUN) != 0;
  if (rc < 0) {
    throw std::runtime_error(std::string("io_uring_queue_init failed: ") + std::strerror(-rc) +
                             (rc == -EPERM || rc == -ENOSYS
                                  ? " (io_uring blocked by seccomp or kernel.io_uring_disabled)"
                                  : ""));
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    int err = errno;
    io_uring_queue_exit(&ring_);
    throw std::runtime_error(std::string("eventfd failed: ") + std::strerror(err));
  }
  io_uring_register_ring_fd(&ring_);  // saves a file lookup per io_uring_enter; optional
  if (options_.zero_copy_send_threshold != 0) {
    if (io_uring_probe* probe = io_uring_get_probe_ring(&ring_)) {
      zero_copy_ = io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC) != 0;
      io_uring_free_probe(probe);
    }
  }
  if (options_.multishot_receive) setup_provided_buffers();
  arm_wake();
}

void UringReactor::setup_provided_buffers() {
  const unsigned count = options_.provided_receive_buffers;
  const size_t size = options_.provided_receive_buffer_size;
  const size_t ring_bytes = count * sizeof(io_uring_buf);
  void* memory = ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE,
                        MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);  // the ring must be page aligned
  if (memory == MAP_FAILED) return;
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<uint64_t>(memory);
  registration.ring_entries = count;
  registration.bgid = buffer_group;
  if (io_uring_register_buf_ring(&ring_, &registration, 0) != 0) {
    ::munmap(memory, ring_bytes);  // a kernel before 5.19: the plain path
    return;
  }
  buffer_ring_ = static_cast<io_uring_buf_ring*>(memory);
  buffer_ring_bytes_ = ring_bytes;
  receive_buffers_.reset(new uint8_t[count * size]);
  io_uring_buf_ring_init(buffer_ring_);
  for (unsigned id = 0; id < count; ++id) {
    io_uring_buf_ring_add(buffer_ring_, receive_buffers_.get() + id * size,
                          static_cast<unsigned>(size), static_cast<uint16_t>(id),
                          io_uring_buf_ring_mask(count), static_cast<int>(id));
  }
  io_uring_buf_ring_advance(buffer_ring_, static_cast<int>(count));
  multishot_ = true;
}

// Gives a provided buffer back to the kernel once its bytes have been handled.
void UringReactor::recycle_buffer(unsigned id) {
  if (buffer_ring_ == nullptr || id >= options_.provided_receive_buffers) return;
  const size_t size = options_.provided_receive_buffer_size;
  io_uring_buf_ring_add(buffer_ring_, receive_buffers_.get() + id * size,
                        static_cast<unsigned>(size), static_cast<uint16_t>(id),
                        io_uring_buf_ring_mask(options_.provided_receive_buffers), 0);
  io_uring_buf_ring_advance(buffer_ring_, 1);
}

UringReactor::~UringReactor() {
  // No handler runs from here on: they may already be gone. Stop every request, wait until the
  // kernel has let go of our buffers, then free them.
  reserve_sqes(1);
  for (auto& [id, c] : connections_) {
    if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);
    drop_unsent(*c);
    for (Op op : {op_connect, op_recv, op_send}) {
      bool pending = op == op_connect ? c->connect_pending
                     : op == op_recv  ? c->recv_pending
                                      : c->send_pending;
      if (!pending) continue;
      io_uring_sqe* sqe = get_sqe();
      io_uring_prep_cancel64(sqe, tag(id, op), 0);
      io_uring_sqe_set_data64(sqe, op_ignore);
    }
  }
  if (wake_pending_) {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, op_wake, 0);
    io_uring_sqe_set_data64(sqe, op_ignore);
  }
  io_uring_submit(&ring_);

  auto busy = [&] {
    if (wake_pending_) return true;
    return std::any_of(connections_.begin(), connections_.end(),
                       [](const auto& entry) { return entry.second->busy(); });
  };
  auto give_up = Clock::now() + std::chrono::seconds(5);
  while (busy() && Clock::now() < give_up) {
    __kernel_timespec ts = to_timespec(std::chrono::milliseconds(100));
    io_uring_cqe* cqe = nullptr;
    if (io_uring_wait_cqe_timeout(&ring_, &cqe, &ts) != 0) continue;
    unsigned head;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      uint64_t data = io_uring_cqe_get_data64(cqe);
      Op op = static_cast<Op>(data & op_mask);
      if (op == op_wake) {
        wake_pending_ = false;
        continue;
      }
      if (Connection* c = find(data >> op_bits)) {
        if (op == op_connect) c->connect_pending = false;
        // A multishot receive completes many times; the last one is not flagged MORE.
        if (op == op_recv && (cqe->flags & IORING_CQE_F_MORE) == 0) c->recv_pending = false;
        // A zero-copy send completes twice: its result (flagged MORE), then the notification.
        if (op == op_send && (cqe->flags & IORING_CQE_F_MORE) == 0) c->send_pending = false;
      }
    }
    io_uring_cq_advance(&ring_, seen);
  }
  io_uring_queue_exit(&ring_);
  bool kernel_holds_memory = false;
  for (auto& [id, c] : connections_) {
    if (c->fd >= 0) ::close(c->fd);
    // A request the kernel never gave back may still write into this memory: keep it.
    if (c->busy()) {
      static_cast<void>(c.release());
      kernel_holds_memory = true;
    }
  }
  if (kernel_holds_memory) {
    static_cast<void>(receive_buffers_.release());
  } else if (buffer_ring_ != nullptr) {
    ::munmap(buffer_ring_, buffer_ring_bytes_);
  }
  ::close(wake_fd_);
}

UringReactor::Connection* UringReactor::find(ConnectionId id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

io_uring_sqe* UringReactor::get_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    // The submission queue is full: hand what we have to the kernel now.
    ++stats_.submits;
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void UringReactor::reserve_sqes(unsigned count) {
  if (io_uring_sq_space_left(&ring_) < count) {
    ++stats_.submits;
    io_uring_submit(&ring_);
  }
}

void UringReactor::arm_wake() {
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_poll_add(sqe, wake_fd_, POLLIN);
  io_uring_sqe_set_data64(sqe, op_wake);
  wake_pending_ = true;
}

void UringReactor::wake() {
  uint64_t one = 1;
  // EAGAIN means the counter is saturated, so a wake-up is pending anyway.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

ConnectionId UringReactor::open(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                                ConnectionHandler& handler, FrameDecoder::Framing framing) {
  ConnectionId id = next_connection_id_++;
  auto owned = std::make_unique<Connection>(id, handler, options_.max_frame_size, framing);
  Connection& c = *owned;
  connections_.emplace(id, std::move(owned));
  c.connect_timeout = std::max(timeout, std::chrono::milliseconds::zero());
  c.connect_deadline = Clock::now() + c.connect_timeout;
  c.peer = endpoint.to_string();
  IoError error;
  if (!resolve(endpoint, c.addresses, error)) {
    fail(c, std::move(error));
    return id;
  }
  start_connect(c);
  return id;
}

void UringReactor::start_connect(Connection& c) {
  int last_error = EAFNOSUPPORT;
  while (c.next_address < c.addresses.size()) {
    const SocketAddress& address = c.addresses[c.next_address++];
    c.peer = address.text;
    // A blocking socket: io_uring tries every request without blocking first and then waits
    // for readiness itself.
    int fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (options_.socket_send_buffer > 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &options_.socket_send_buffer, sizeof(int));
    }
    if (options_.socket_receive_buffer > 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options_.socket_receive_buffer, sizeof(int));
    }
    c.fd = fd;
    c.link_timeout = to_timespec(c.connect_deadline - Clock::now());
    reserve_sqes(2);  // the connect and its linked timeout must go in the same submission
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_connect(sqe, fd, address.get(), address.length);
    io_uring_sqe_set_data64(sqe, tag(c.id, op_connect));
    sqe->flags |= IOSQE_IO_LINK;
    io_uring_sqe* timeout = get_sqe();
    io_uring_prep_link_timeout(timeout, &c.link_timeout, 0);
    io_uring_sqe_set_data64(timeout, op_ignore);
    c.connect_pending = true;
    return;
  }
  fail(c, connect_failed(last_error, c.peer));
}

void UringReactor::arm_recv(Connection& c) {
  io_uring_sqe* sqe = get_sqe();
  if (multishot_) {
    // Stays armed: one completion per arrival, each naming the provided buffer it filled.
    io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = buffer_group;
  } else {
    std::span<uint8_t> space = c.decoder.writable();
    io_uring_prep_recv(sqe, c.fd, space.data(), std::min<size_t>(space.size(), INT_MAX), 0);
  }
  io_uring_sqe_set_data64(sqe, tag(c.id, op_recv));
  c.recv_pending = true;
  ++stats_.receives_armed;
}

void UringReactor::send(ConnectionId id, std::span<const std::span<const uint8_t>> buffers,
                        uint64_t token) {
  Connection* c = find(id);
  if (c == nullptr) return;  // on_closed was delivered: nothing will reference the buffers
  c->send_queue.push(buffers, token);
  if (c->state == State::open) mark_dirty(*c);
}

void UringReactor::mark_dirty(Connection& c) {
  if (c.send_dirty || c.send_pending) return;  // a completing send picks up the rest
  c.send_dirty = true;
  dirty_.push_back(c.id);
}

void UringReactor::flush_sends() {
  // Index loop: on_sent for empty chains may queue more sends.
  for (size_t i = 0; i < dirty_.size(); ++i) {
    Connection* c = find(dirty_[i]);
    if (c == nullptr || !c->send_dirty) continue;
    c->send_dirty = false;
    if (c->state == State::open && !c->send_pending && !c->send_queue.empty()) submit_send(*c);
  }
  dirty_.clear();
}

void UringReactor::submit_send(Connection& c) {
  c.send_iov.clear();
  size_t count = c.send_queue.gather(c.send_iov, max_send_iov, send_byte_limit_);
  if (count == 0) {
    deliver_sent(c, 0);  // only empty chains were queued
    return;
  }
  c.send_bytes = 0;
  for (const iovec& v : c.send_iov) c.send_bytes += v.iov_len;
  c.send_msg = {};
  c.send_msg.msg_iov = c.send_iov.data();
  c.send_msg.msg_iovlen = count;
  io_uring_sqe* sqe = get_sqe();
  c.send_zero_copy = zero_copy_ && c.send_bytes >= options_.zero_copy_send_threshold;
  if (c.send_zero_copy) {
    io_uring_prep_sendmsg_zc(sqe, c.fd, &c.send_msg, MSG_NOSIGNAL);
    ++stats_.zero_copy_sends;
  } else {
    io_uring_prep_sendmsg(sqe, c.fd, &c.send_msg, MSG_NOSIGNAL);
  }
  ++stats_.send_requests;
  io_uring_sqe_set_data64(sqe, tag(c.id, op_send));
  c.send_pending = true;
}

void UringReactor::deliver_sent(Connection& c, size_t bytes) {
  ran_ += c.send_queue.consume_and_report(bytes, token_scratch_,
                                          [&](uint64_t token) { c.handler->on_sent(c.id, token); });
}

void UringReactor::close(ConnectionId id) {
  if (Connection* c = find(id)) fail(*c, closed_locally());
}

void UringReactor::fail(Connection& c, IoError error) {
  if (c.state == State::closing) return;
  bool was_open = c.state == State::open;
  c.state = State::closing;
  c.error = std::move(error);
  // shutdown() ends a pending receive (0 bytes) and send (EPIPE) at once; the cancels cover
  // the connect and anything shutdown leaves waiting.
  if (was_open) ::shutdown(c.fd, SHUT_RDWR);
  drop_unsent(c);
  for (Op op : {op_connect, op_recv, op_send}) {
    bool pending = op == op_connect ? c.connect_pending
                   : op == op_recv  ? c.recv_pending
                                    : c.send_pending;
    if (!pending) continue;
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, tag(c.id, op), 0);
    io_uring_sqe_set_data64(sqe, op_ignore);
  }
  maybe_finalize(c);
}

// A zero-copy send's notification comes only once TCP has freed every packet of it, that is
// once the peer acknowledged the data: a peer that stops reading would hold it, and with it
// the close, forever. An abortive close (SO_LINGER 0: RST, write queue purged) frees them. The
// kernel keeps the socket while a request on it is in flight; it goes when the last one ends.
void UringReactor::drop_unsent(Connection& c) {
  if (!c.send_pending || !c.send_zero_copy || c.fd < 0) return;
  linger abort{1, 0};
  ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  ::close(c.fd);
  c.fd = -1;
}

void UringReactor::maybe_finalize(Connection& c) {
  if (c.state != State::closing || c.busy() || c.finalize_queued) return;
  c.finalize_queued = true;
  finalize_queue_.push_back(c.id);
}

void UringReactor::run_finalizers() {
  // Index loop: handlers may close other connections while we go.
  for (size_t i = 0; i < finalize_queue_.size(); ++i) {
    auto it = connections_.find(finalize_queue_[i]);
    if (it == connections_.end()) continue;
    Connection& c = *it->second;
    if (c.fd >= 0) {
      ::close(c.fd);
      c.fd = -1;
    }
    std::vector<uint64_t> tokens;
    c.send_queue.drain(tokens);
    while (!tokens.empty()) {
      for (uint64_t token : tokens) {
        ++ran_;
        c.handler->on_sent(c.id, token);
      }
      tokens.clear();
      c.send_queue.drain(tokens);  // sends queued by those callbacks
    }
    ++ran_;
    c.handler->on_closed(c.id, c.error);
    ConnectionId id = c.id;
    connections_.erase(id);
  }
  finalize_queue_.clear();
}

void UringReactor::on_connect_done(Connection& c, int32_t res) {
  c.connect_pending = false;
  if (c.state == State::closing) {
    maybe_finalize(c);
    return;
  }
  if (res == 0) {
    c.state = State::open;
    arm_recv(c);
    if (!c.send_queue.empty()) mark_dirty(c);
    ++ran_;
    c.handler->on_connected(c.id);
    return;
  }
  int err = -res;
  // The linked timeout cancels the connect when it fires.
  if (err == ECANCELED || err == ETIME || Clock::now() >= c.connect_deadline) {
    fail(c, connect_timed_out(c.peer, c.connect_timeout));
    return;
  }
  if (c.next_address < c.addresses.size()) {
    ::close(c.fd);
    c.fd = -1;
    start_connect(c);
    return;
  }
  fail(c, connect_failed(err, c.peer));
}

// `provided`: the provided buffer a multishot receive filled, else null (the bytes are already
// in the connection's decoder).
void UringReactor::on_recv_done(Connection& c, int32_t res, uint32_t flags,
                                const uint8_t* provided) {
  const bool armed = (flags & IORING_CQE_F_MORE) != 0;  // the multishot receive goes on
  if (!armed) c.recv_pending = false;
  if (c.state == State::closing) {
    maybe_finalize(c);
    return;
  }
  // ENOBUFS: every provided buffer was taken; each comes back as its completion is handled.
  if (res == -EINTR || res == -EAGAIN || res == -ENOBUFS) {
    if (!armed) arm_recv(c);
    return;
  }
  if (res == -EINVAL && multishot_ && provided == nullptr) {
    multishot_ = false;  // a kernel without multishot receive: the plain path from now on
    if (!armed) arm_recv(c);
    return;
  }
  if (res < 0) {
    fail(c, receive_failed(-res, c.peer));
    return;
  }
  if (res == 0) {
    fail(c, peer_closed(c.peer, c.decoder.buffered() != 0));
    return;
  }
  ++stats_.recv_requests;
  stats_.bytes_received += static_cast<size_t>(res);
  std::span<const uint8_t> input;
  if (provided != nullptr) {
    input = {provided, static_cast<size_t>(res)};
  } else {
    c.decoder.commit(static_cast<size_t>(res));
  }
  if (take_frames(c, input) && !armed) arm_recv(c);
}

// Hands every complete frame to the handler: from the decoder, or (`input` not empty) from a
// provided buffer, whole frames in place and the rest through the decoder. False once the
// connection is no longer open (a bad length, or the handler closed it).
bool UringReactor::take_frames(Connection& c, std::span<const uint8_t> input) {
  const bool provided = !input.empty();
  const uint8_t* const first = input.data();
  const uint8_t* const last = first + input.size();
  std::span<const uint8_t> frame;
  for (;;) {
    FrameDecoder::Status status =
        provided ? c.decoder.next_from(input, frame) : c.decoder.next(frame);
    if (status == FrameDecoder::Status::need_more) return true;
    if (status != FrameDecoder::Status::frame) {
      fail(c, bad_frame_length(c.peer, c.decoder.rejected_length(), options_.max_frame_size));
      return false;
    }
    ++ran_;
    ++stats_.frames_received;
    if (provided && frame.data() >= first && frame.data() < last) ++stats_.frames_in_place;
    c.handler->on_frame(c.id, frame);
    if (c.state != State::open) return false;
  }
}

void UringReactor::on_send_done(Connection& c, int32_t res) {
  c.send_pending = false;
  if (c.send_zero_copy && (res == -EOPNOTSUPP || res == -EINVAL)) {
    zero_copy_ = false;  // not for this socket or kernel: the plain path from now on
    if (c.state == State::open) mark_dirty(c);
    maybe_finalize(c);
    return;
  }
  if (res < 0 || (res == 0 && c.send_bytes != 0)) {
    if (res == -EINTR || res == -EAGAIN) {
      if (c.state == State::open) mark_dirty(c);
      return;
    }
    fail(c, send_failed(res == 0 ? EPIPE : -res, c.peer));
    maybe_finalize(c);
    return;
  }
  stats_.bytes_sent += static_cast<size_t>(res);
  if (static_cast<size_t>(res) < c.send_bytes) ++stats_.partial_sends;
  deliver_sent(c, static_cast<size_t>(res));
  if (c.state == State::open && !c.send_queue.empty()) mark_dirty(c);
  maybe_finalize(c);
}

void UringReactor::handle_completion(uint64_t user_data, int32_t res, uint32_t flags) {
  Op op = static_cast<Op>(user_data & op_mask);
  if (op == op_ignore) return;
  if (op == op_wake) {
    uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
    arm_wake();
    return;
  }
  Connection* c = find(user_data >> op_bits);
  if (op == op_recv && (flags & IORING_CQE_F_BUFFER) != 0) {
    // The bytes are in a provided buffer, which goes back to the kernel once handled (also
    // when the connection is gone).
    unsigned id = flags >> IORING_CQE_BUFFER_SHIFT;
    if (c != nullptr && id < options_.provided_receive_buffers) {
      on_recv_done(*c, res, flags,
                   receive_buffers_.get() + id * options_.provided_receive_buffer_size);
    }
    recycle_buffer(id);
    return;
  }
  if (c == nullptr) return;
  switch (op) {
    case op_connect:
      on_connect_done(*c, res);
      break;
    case op_recv:
      on_recv_done(*c, res, flags, nullptr);
      break;
    case op_send:
      // A zero-copy send: its result comes flagged MORE and the buffers stay pinned until the
      // notification, so on_sent waits for that.
      if (flags & IORING_CQE_F_MORE) {
        c->zero_copy_result = res;
      } else {
        on_send_done(*c, (flags & IORING_CQE_F_NOTIF) ? c->zero_copy_result : res);
      }
      break;
    default:
      break;
  }
}

void UringReactor::reap_completions() {
  struct Completion {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
  };
  constexpr unsigned batch = 64;
  io_uring_cqe* cqes[batch];
  Completion local[batch];
  size_t handled = 0;
  while (handled < max_completions_per_poll) {
    unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, batch);
    if (n == 0) break;
    // Copy out and release the slots first: handlers may submit, and the kernel may then
    // post more completions.
    for (unsigned i = 0; i < n; ++i) {
      local[i] = {io_uring_cqe_get_data64(cqes[i]), cqes[i]->res, cqes[i]->flags};
    }
    io_uring_cq_advance(&ring_, n);
    for (unsigned i = 0; i < n; ++i) {
      handle_completion(local[i].user_data, local[i].res, local[i].flags);
    }
    handled += n;
  }
}

TimerId UringReactor::schedule(std::chrono::nanoseconds delay, std::function<void()> callback) {
  TimerId id = next_timer_id_++;
  Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::max(delay, std::chrono::nanoseconds::zero()));
  timers_.emplace(id, Timer{deadline, std::move(callback)});
  timer_heap_.push_back({deadline, id});
  std::push_heap(timer_heap_.begin(), timer_heap_.end(), std::greater<>());
  if (timer_heap_.size() > 2 * timers_.size() + 1024) compact_timer_heap();
  return id;
}

void UringReactor::cancel(TimerId id) { timers_.erase(id); }

void UringReactor::compact_timer_heap() {
  std::erase_if(timer_heap_, [&](const TimerEntry& e) { return !timers_.contains(e.id); });
  std::make_heap(timer_heap_.begin(), timer_heap_.end(), std::greater<>());
}

void UringReactor::pop_cancelled_timers() {
  while (!timer_heap_.empty() && !timers_.contains(timer_heap_.front().id)) {
    std::pop_heap(timer_heap_.begin(), timer_heap_.end(), std::greater<>());
    timer_heap_.pop_back();
  }
}

void UringReactor::run_timers() {
  Clock::time_point now = Clock::now();
  TimerId first_new = next_timer_id_;  // timers scheduled by these callbacks wait for next poll
  std::vector<TimerEntry> later;
  while (!timer_heap_.empty() && timer_heap_.front().deadline <= now) {
    TimerEntry entry = timer_heap_.front();
    std::pop_heap(timer_heap_.begin(), timer_heap_.end(), std::greater<>());
    timer_heap_.pop_back();
    if (entry.id >= first_new) {
      later.push_back(entry);
      continue;
    }
    auto it = timers_.find(entry.id);
    if (it == timers_.end()) continue;
    std::function<void()> callback = std::move(it->second.callback);
    timers_.erase(it);
    ++ran_;
    callback();
  }
  for (const TimerEntry& entry : later) {
    timer_heap_.push_back(entry);
    std::push_heap(timer_heap_.begin(), timer_heap_.end(), std::greater<>());
  }
}

size_t UringReactor::poll(std::chrono::nanoseconds max_wait) {
  ran_ = 0;
  flush_sends();
  pop_cancelled_timers();
  bool block = max_wait > std::chrono::nanoseconds::zero() && finalize_queue_.empty();
  if (block && !timer_heap_.empty()) {
    auto until = timer_heap_.front().deadline - Clock::now();
    if (until <= Clock::duration::zero()) {
      block = false;
    } else {
      max_wait = std::min(max_wait, std::chrono::duration_cast<std::chrono::nanoseconds>(until));
    }
  }
  if (block) {
    __kernel_timespec ts = to_timespec(max_wait);
    io_uring_cqe* cqe = nullptr;
    ++stats_.submits;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);  // -ETIME: nothing came
  } else if (defer_taskrun_) {
    ++stats_.submits;
    io_uring_submit_and_get_events(&ring_);  // deferred completions are posted only on entry
  } else if (io_uring_sq_ready(&ring_) != 0) {
    ++stats_.submits;
    io_uring_submit(&ring_);
  } else if (IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN) {
    // COOP_TASKRUN: completions wait as task work until we enter the kernel.
    ++stats_.submits;
    io_uring_get_events(&ring_);
  }
  reap_completions();
  run_finalizers();
  run_timers();
  run_finalizers();
  return ran_;
}

}  // namespace

std::unique_ptr<Reactor> make_uring_reactor(const ReactorOptions& options) {
  return std::make_unique<UringReactor>(options);
}

}  // namespace rawkafka::io::detail
