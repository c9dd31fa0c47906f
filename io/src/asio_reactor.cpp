// The Boost.Asio (epoll) backend, for machines where io_uring is unavailable. Same connection
// life as the io_uring backend: at most one connect, receive and send in flight per
// connection; on_closed only once all of them have returned.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <unordered_map>
#include <vector>

#include "backends.hpp"
#include "rawkafka/io/frame_decoder.hpp"
#include "send_queue.hpp"
#include "socket_address.hpp"

namespace rawkafka::io::detail {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

// Asio gathers at most 64 buffers per write; more gives nothing.
constexpr size_t max_send_buffers = 64;

// A view of our buffer vector, so starting a write copies two pointers, not the vector.
struct BufferView {
  const asio::const_buffer* first;
  const asio::const_buffer* last;
  const asio::const_buffer* begin() const { return first; }
  const asio::const_buffer* end() const { return last; }
};

class AsioReactor final : public Reactor {
 public:
  explicit AsioReactor(const ReactorOptions& options)
      : options_(options), io_(1), work_(asio::make_work_guard(io_)) {}
  ~AsioReactor() override;
  AsioReactor(const AsioReactor&) = delete;
  AsioReactor& operator=(const AsioReactor&) = delete;

  Backend backend() const override { return Backend::asio; }
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
  void cancel(TimerId id) override { timers_.erase(id); }
  size_t poll(std::chrono::nanoseconds max_wait) override;
  void wake() override {
    asio::post(io_, [] {});
  }
  ReactorStats stats() const override { return stats_; }

 private:
  enum class State : uint8_t { connecting, open, closing };

  struct Connection {
    Connection(ConnectionId i, ConnectionHandler& h, asio::io_context& io, size_t max_frame_size,
               FrameDecoder::Framing framing)
        : id(i), handler(&h), socket(io), connect_timer(io), decoder(max_frame_size, 64 * 1024, framing) {}
    ConnectionId id;
    ConnectionHandler* handler;
    tcp::socket socket;
    asio::steady_timer connect_timer;
    State state = State::connecting;
    std::vector<SocketAddress> addresses;
    size_t next_address = 0;
    std::string peer;
    Clock::time_point connect_deadline;
    std::chrono::milliseconds connect_timeout{};
    FrameDecoder decoder;
    SendQueue send_queue;
    std::vector<iovec> send_iov;
    std::vector<asio::const_buffer> send_buffers;
    size_t send_bytes = 0;
    bool connect_pending = false;
    bool timer_pending = false;
    bool recv_pending = false;
    bool send_pending = false;
    bool send_dirty = false;
    bool finalize_queued = false;
    IoError error;

    bool busy() const { return connect_pending || timer_pending || recv_pending || send_pending; }
  };

  struct Timer {
    explicit Timer(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::function<void()> callback;
  };

  Connection* find(ConnectionId id);
  ConnectionId open(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                    ConnectionHandler& handler, FrameDecoder::Framing framing);
  void start_connect(Connection& c);
  void on_connect_done(Connection& c, const error_code& ec);
  void on_connect_timer(Connection& c, const error_code& ec);
  void arm_recv(Connection& c);
  void on_recv_done(Connection& c, const error_code& ec, size_t n);
  void submit_send(Connection& c);
  void on_send_done(Connection& c, const error_code& ec, size_t n);
  void deliver_sent(Connection& c, size_t bytes);
  void flush_sends();
  void fail(Connection& c, IoError error);
  void maybe_finalize(Connection& c);
  void run_finalizers();

  ReactorOptions options_;
  asio::io_context io_;  // declared first: destroyed last, dropping unrun handlers uninvoked
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  ConnectionId next_connection_id_ = 1;
  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::vector<ConnectionId> dirty_;
  std::vector<ConnectionId> finalize_queue_;
  std::vector<uint64_t> token_scratch_;
  TimerId next_timer_id_ = 1;
  std::unordered_map<TimerId, std::unique_ptr<Timer>> timers_;
  size_t ran_ = 0;
  ReactorStats stats_;
  size_t send_byte_limit_ = options_.max_bytes_per_send != 0 ? options_.max_bytes_per_send
                                                              : SIZE_MAX;
};

AsioReactor::~AsioReactor() {
  // No handler runs from here on. Closing the sockets takes them out of epoll, so nothing
  // writes into our buffers; the aborted operations die with io_ without being invoked.
  for (auto& [id, c] : connections_) {
    error_code ignored;
    c->socket.close(ignored);
    c->connect_timer.cancel();
  }
  timers_.clear();
  connections_.clear();
}

AsioReactor::Connection* AsioReactor::find(ConnectionId id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

ConnectionId AsioReactor::open(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                               ConnectionHandler& handler, FrameDecoder::Framing framing) {
  ConnectionId id = next_connection_id_++;
  auto owned = std::make_unique<Connection>(id, handler, io_, options_.max_frame_size, framing);
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
  c.timer_pending = true;
  c.connect_timer.expires_at(c.connect_deadline);
  c.connect_timer.async_wait([this, id](const error_code& ec) {
    if (Connection* conn = find(id)) on_connect_timer(*conn, ec);
  });
  start_connect(c);
  return id;
}

void AsioReactor::start_connect(Connection& c) {
  int last_error = EAFNOSUPPORT;
  while (c.next_address < c.addresses.size()) {
    const SocketAddress& address = c.addresses[c.next_address++];
    c.peer = address.text;
    tcp::endpoint endpoint;
    std::memcpy(endpoint.data(), &address.storage, address.length);
    endpoint.resize(address.length);
    error_code ec;
    c.socket.open(endpoint.protocol(), ec);
    if (ec) {
      last_error = ec.value();
      continue;
    }
    c.socket.set_option(tcp::no_delay(true), ec);
    if (options_.socket_send_buffer > 0) {
      c.socket.set_option(asio::socket_base::send_buffer_size(options_.socket_send_buffer), ec);
    }
    if (options_.socket_receive_buffer > 0) {
      c.socket.set_option(
          asio::socket_base::receive_buffer_size(options_.socket_receive_buffer), ec);
    }
    c.connect_pending = true;
    c.socket.async_connect(endpoint, [this, id = c.id](const error_code& result) {
      if (Connection* conn = find(id)) on_connect_done(*conn, result);
    });
    return;
  }
  fail(c, connect_failed(last_error, c.peer));
}

void AsioReactor::on_connect_timer(Connection& c, const error_code& ec) {
  c.timer_pending = false;
  if (!ec && c.state == State::connecting) {
    fail(c, connect_timed_out(c.peer, c.connect_timeout));
    return;
  }
  maybe_finalize(c);
}

void AsioReactor::on_connect_done(Connection& c, const error_code& ec) {
  c.connect_pending = false;
  if (c.state == State::closing) {
    maybe_finalize(c);
    return;
  }
  if (!ec) {
    c.state = State::open;
    c.connect_timer.cancel();
    arm_recv(c);
    if (!c.send_queue.empty()) submit_send(c);
    ++ran_;
    c.handler->on_connected(c.id);
    return;
  }
  if (Clock::now() >= c.connect_deadline) {
    fail(c, connect_timed_out(c.peer, c.connect_timeout));
    return;
  }
  if (c.next_address < c.addresses.size()) {
    error_code ignored;
    c.socket.close(ignored);
    start_connect(c);
    return;
  }
  fail(c, connect_failed(ec.value(), c.peer));
}

void AsioReactor::arm_recv(Connection& c) {
  std::span<uint8_t> space = c.decoder.writable();
  c.recv_pending = true;
  c.socket.async_read_some(asio::buffer(space.data(), space.size()),
                           [this, id = c.id](const error_code& ec, size_t n) {
                             if (Connection* conn = find(id)) on_recv_done(*conn, ec, n);
                           });
}

void AsioReactor::on_recv_done(Connection& c, const error_code& ec, size_t n) {
  c.recv_pending = false;
  if (c.state == State::closing) {
    maybe_finalize(c);
    return;
  }
  if (ec == asio::error::eof) {
    fail(c, peer_closed(c.peer, c.decoder.buffered() != 0));
    return;
  }
  if (ec) {
    fail(c, receive_failed(ec.value(), c.peer));
    return;
  }
  ++stats_.recv_requests;
  stats_.bytes_received += n;
  c.decoder.commit(n);
  std::span<const uint8_t> frame;
  for (;;) {
    FrameDecoder::Status status = c.decoder.next(frame);
    if (status == FrameDecoder::Status::need_more) break;
    if (status != FrameDecoder::Status::frame) {
      fail(c, bad_frame_length(c.peer, c.decoder.rejected_length(), options_.max_frame_size));
      return;
    }
    ++ran_;
    ++stats_.frames_received;
    c.handler->on_frame(c.id, frame);
    if (c.state != State::open) return;  // the handler closed it
  }
  arm_recv(c);
}

void AsioReactor::send(ConnectionId id, std::span<const std::span<const uint8_t>> buffers,
                       uint64_t token) {
  Connection* c = find(id);
  if (c == nullptr) return;  // on_closed was delivered: nothing will reference the buffers
  c->send_queue.push(buffers, token);
  // Batched: everything queued before the next poll() goes out in one gathered write.
  if (c->state == State::open && !c->send_pending && !c->send_dirty) {
    c->send_dirty = true;
    dirty_.push_back(id);
  }
}

void AsioReactor::flush_sends() {
  for (size_t i = 0; i < dirty_.size(); ++i) {
    Connection* c = find(dirty_[i]);
    if (c == nullptr || !c->send_dirty) continue;
    c->send_dirty = false;
    if (c->state == State::open && !c->send_pending && !c->send_queue.empty()) submit_send(*c);
  }
  dirty_.clear();
}

void AsioReactor::submit_send(Connection& c) {
  c.send_iov.clear();
  size_t count = c.send_queue.gather(c.send_iov, max_send_buffers, send_byte_limit_);
  if (count == 0) {
    deliver_sent(c, 0);  // only empty chains were queued
    return;
  }
  c.send_buffers.clear();
  c.send_bytes = 0;
  for (const iovec& v : c.send_iov) {
    c.send_buffers.emplace_back(v.iov_base, v.iov_len);
    c.send_bytes += v.iov_len;
  }
  c.send_pending = true;
  ++stats_.send_requests;
  BufferView view{c.send_buffers.data(), c.send_buffers.data() + c.send_buffers.size()};
  c.socket.async_write_some(view, [this, id = c.id](const error_code& ec, size_t n) {
    if (Connection* conn = find(id)) on_send_done(*conn, ec, n);
  });
}

void AsioReactor::on_send_done(Connection& c, const error_code& ec, size_t n) {
  c.send_pending = false;
  if (ec || (n == 0 && c.send_bytes != 0)) {
    if (c.state != State::closing) fail(c, send_failed(ec ? ec.value() : EPIPE, c.peer));
    maybe_finalize(c);
    return;
  }
  stats_.bytes_sent += n;
  if (n < c.send_bytes) ++stats_.partial_sends;
  deliver_sent(c, n);
  if (c.state == State::open && !c.send_pending && !c.send_queue.empty()) submit_send(c);
  maybe_finalize(c);
}

void AsioReactor::deliver_sent(Connection& c, size_t bytes) {
  ran_ += c.send_queue.consume_and_report(bytes, token_scratch_,
                                          [&](uint64_t token) { c.handler->on_sent(c.id, token); });
}

void AsioReactor::close(ConnectionId id) {
  if (Connection* c = find(id)) fail(*c, closed_locally());
}

void AsioReactor::fail(Connection& c, IoError error) {
  if (c.state == State::closing) return;
  c.state = State::closing;
  c.error = std::move(error);
  error_code ignored;
  c.socket.close(ignored);  // pending operations complete with operation_aborted
  c.connect_timer.cancel();
  maybe_finalize(c);
}

void AsioReactor::maybe_finalize(Connection& c) {
  if (c.state != State::closing || c.busy() || c.finalize_queued) return;
  c.finalize_queued = true;
  finalize_queue_.push_back(c.id);
}

void AsioReactor::run_finalizers() {
  for (size_t i = 0; i < finalize_queue_.size(); ++i) {
    auto it = connections_.find(finalize_queue_[i]);
    if (it == connections_.end()) continue;
    Connection& c = *it->second;
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

TimerId AsioReactor::schedule(std::chrono::nanoseconds delay, std::function<void()> callback) {
  TimerId id = next_timer_id_++;
  auto timer = std::make_unique<Timer>(io_);
  timer->callback = std::move(callback);
  timer->timer.expires_after(std::max(delay, std::chrono::nanoseconds::zero()));
  timer->timer.async_wait([this, id](const error_code& ec) {
    if (ec) return;
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    std::function<void()> run = std::move(it->second->callback);
    timers_.erase(it);
    ++ran_;
    run();
  });
  timers_.emplace(id, std::move(timer));
  return id;
}

size_t AsioReactor::poll(std::chrono::nanoseconds max_wait) {
  ran_ = 0;
  flush_sends();
  if (io_.stopped()) io_.restart();
  if (max_wait > std::chrono::nanoseconds::zero() && finalize_queue_.empty()) {
    ++stats_.submits;
    io_.run_one_for(max_wait);
  }
  io_.poll();
  run_finalizers();
  return ran_;
}

}  // namespace

std::unique_ptr<Reactor> make_asio_reactor(const ReactorOptions& options) {
  return std::make_unique<AsioReactor>(options);
}

}  // namespace rawkafka::io::detail
