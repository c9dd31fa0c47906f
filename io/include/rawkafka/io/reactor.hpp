#pragma once
// A per-thread event loop over TCP connections that carry Kafka-style frames
// (4-byte big-endian length + body). Knows nothing of Kafka messages.
//
// Threading: a Reactor belongs to the thread that calls poll(); every method except wake()
// must be called on that thread, and every callback runs on it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace rawkafka::io {

enum class Backend : uint8_t { automatic, uring, asio };
std::string_view to_string(Backend backend);
// Parses "uring", "asio" or "auto"; returns false on anything else.
bool parse_backend(std::string_view text, Backend& out);

struct Endpoint {
  std::string host;  // name, IPv4 or IPv6 literal
  uint16_t port = 0;
  std::string to_string() const;  // "host:port", IPv6 as "[::1]:port"
};

// Why a connection ended or could not be made, as a sentence naming the address.
struct IoError {
  int code = 0;  // errno value (ECONNREFUSED, ETIMEDOUT, ECONNRESET, ...), 0 for a clean close
  std::string message;
};

using ConnectionId = uint64_t;
using TimerId = uint64_t;

// Callbacks for one connection; all run on the reactor's thread.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  virtual void on_connected(ConnectionId id) = 0;
  // One complete frame body (without its length prefix); the view is valid during the call.
  virtual void on_frame(ConnectionId id, std::span<const uint8_t> frame) = 0;
  // The buffers given to send() with this token are no longer referenced.
  virtual void on_sent(ConnectionId id, uint64_t token) = 0;
  // The connection failed to connect, broke, or was closed by the peer or by close().
  // No callback for this id follows.
  virtual void on_closed(ConnectionId id, const IoError& error) = 0;
};

struct ReactorOptions {
  Backend backend = Backend::automatic;  // automatic: io_uring, else Asio
  unsigned queue_depth = 256;            // io_uring submission queue entries
  size_t max_frame_size = 256u << 20;    // larger incoming frames close the connection
  // Bytes handed to one gathered write; the rest follows when it completes. 0: no limit.
  size_t max_bytes_per_send = 0;
  // SO_SNDBUF for new connections; 0 (or negative) leaves the kernel's autotuning on (up to
  // tcp_wmem's maximum). bench_io measured autotuning fastest for both backends on loopback,
  // with the least CPU per byte; a fixed 128 or 512 KiB cost 10-25% of the bytes/s.
  int socket_send_buffer = 0;
  // SO_RCVBUF for new connections; 0 leaves the kernel's autotuning on.
  int socket_receive_buffer = 0;
  // io_uring only: a gathered write of at least this many bytes goes out as
  // IORING_OP_SENDMSG_ZC (the kernel pins the pages instead of copying them; on_sent waits for
  // its notification that it let go of them). 0: off, every write is a plain sendmsg. Kernels
  // without the opcode get the plain path. Off by default: bench_io measured it 30-45% slower
  // over loopback, each write waiting for the peer's ACK before its notification (figures
  // there).
  size_t zero_copy_send_threshold = 0;
  // io_uring only: one multishot receive per connection into buffers provided to the kernel
  // (a ring of provided_receive_buffers x provided_receive_buffer_size bytes per reactor).
  // Frames that lie whole in one buffer reach on_frame without a copy; the others are copied
  // into the connection's buffer. Kernels without it (before 6.0) get the plain path: one
  // receive at a time straight into the connection's buffer. Off by default: bench_io measured
  // it 9-24% faster on 1 MiB frames for more CPU per byte, and slower on 16 KiB and 100-byte
  // frames (figures there).
  bool multishot_receive = false;
  unsigned provided_receive_buffers = 64;           // a power of two
  size_t provided_receive_buffer_size = 64 * 1024;
};

// Counters since the reactor was created; for tests and benchmarks.
struct ReactorStats {
  uint64_t submits = 0;          // system calls that handed requests to the kernel (or waited)
  uint64_t send_requests = 0;    // gathered writes issued
  uint64_t partial_sends = 0;    // writes that left part of their chain unsent
  uint64_t recv_requests = 0;    // reads completed with data
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t frames_received = 0;
  uint64_t zero_copy_sends = 0;  // writes issued as zero-copy sends
  uint64_t receives_armed = 0;   // receive requests handed to the kernel
  uint64_t frames_in_place = 0;  // frames delivered straight from a provided buffer
};

class Reactor {
 public:
  // Creates a reactor for the calling thread. With Backend::automatic, falls back to Asio when
  // io_uring cannot be set up (EPERM/ENOSYS under seccomp, old kernels). With Backend::uring,
  // failure throws std::runtime_error with the reason. RAWKAFKA_IO_URING_DISABLE=1 in the
  // environment makes io_uring setup fail on purpose (how tests prove the fallback).
  static std::unique_ptr<Reactor> create(const ReactorOptions& options = {});
  // Destroying a reactor closes every connection and cancels every timer WITHOUT invoking any
  // handler or timer callback (they may already be gone); it returns once the kernel no longer
  // references any buffer, so buffers of unfinished sends may be freed right after.
  virtual ~Reactor() = default;

  virtual Backend backend() const = 0;

  // Starts a non-blocking connect; on_connected or on_closed follows within `timeout`.
  virtual ConnectionId connect(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                               ConnectionHandler& handler) = 0;
  // Like connect(), but the stream is not split into frames: on_frame receives the bytes as
  // they arrive, in pieces of any size (what a TLS layer above the reactor reads its records
  // from). max_frame_size does not apply.
  virtual ConnectionId connect_stream(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                                      ConnectionHandler& handler) = 0;
  // Queues the buffers (already framed by the caller, length prefix included) to be written in
  // order after everything queued before. They must stay valid until on_sent(id, token).
  virtual void send(ConnectionId id, std::span<const std::span<const uint8_t>> buffers,
                    uint64_t token) = 0;
  // Closes now; on_closed(id, {0, ...}) follows. Unsent buffers are released via on_sent.
  // Nothing runs inside close() itself: no on_frame/on_connected is delivered for the id after
  // it, and its on_sent (for every chain not yet reported) and then on_closed come from a later
  // poll(), once the kernel has let go of the buffers.
  virtual void close(ConnectionId id) = 0;

  // One-shot timer; the callback runs on this thread from poll().
  virtual TimerId schedule(std::chrono::nanoseconds delay, std::function<void()> callback) = 0;
  virtual void cancel(TimerId id) = 0;

  // Waits up to max_wait for events and runs their callbacks; returns how many ran. Not to be
  // called from inside a callback.
  virtual size_t poll(std::chrono::nanoseconds max_wait) = 0;
  // Thread-safe: makes a blocked or next poll() return promptly.
  virtual void wake() = 0;

  virtual ReactorStats stats() const { return {}; }
};

// Pins the calling thread to one CPU core; returns false (and leaves it unpinned) on failure.
bool pin_current_thread(int core);

}  // namespace rawkafka::io
