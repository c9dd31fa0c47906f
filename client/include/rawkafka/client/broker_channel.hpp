#pragma once
// A synchronous request/response channel to one broker, over an io::Reactor that the calling
// thread owns. For the slow paths (bootstrap, metadata, admin, the verifying fetcher), not for
// the producer's hot path: each call() sends one request and polls the reactor until the
// response with its correlation id arrives, or the timeout passes.
//
// connect() opens the TCP connection and negotiates versions with ApiVersions; call() then
// uses the highest version both sides speak (or the version you pass). Failures come back as a
// ChannelStatus whose message is a sentence naming the broker's address.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rawkafka/client/security.hpp"
#include "rawkafka/io/reactor.hpp"
#include "rawkafka/protocol/api.hpp"
#include "rawkafka/protocol/wire.hpp"

namespace rawkafka::client {

enum class ChannelError : uint8_t {
  none,
  connect_failed,       // TCP connect refused / unreachable / timed out
  timed_out,            // no response within the timeout (the connection is closed)
  closed,               // the broker closed the connection (or it broke)
  unsupported_version,  // the broker does not speak a version of this API that we do
  bad_response,         // the response did not decode, or its correlation id is wrong
  not_connected,        // call() before a successful connect()
  authentication_failed,  // SASL: the broker refused the credentials or the mechanism
};

struct ChannelStatus {
  ChannelError error = ChannelError::none;
  std::string message;  // empty when ok, else e.g. "could not connect to 127.0.0.1:9092: Connection refused"
  bool ok() const { return error == ChannelError::none; }
  explicit operator bool() const { return ok(); }
};

struct BrokerChannelOptions {
  std::string client_id = "rawkafka";
  std::chrono::milliseconds connect_timeout{10000};
  // Used by call() overloads that take no timeout.
  std::chrono::milliseconds request_timeout{30000};
  // With SASL, connect() authenticates (SaslHandshake, SaslAuthenticate) before anything else.
  SecurityConfig security;
};

class BrokerChannel final : private io::ConnectionHandler {
 public:
  BrokerChannel(io::Reactor& reactor, io::Endpoint endpoint, BrokerChannelOptions options = {});
  ~BrokerChannel() override;
  BrokerChannel(const BrokerChannel&) = delete;
  BrokerChannel& operator=(const BrokerChannel&) = delete;

  // Connects (within connect_timeout), sends ApiVersions (v3+, falling back to v0 if the
  // broker answers UNSUPPORTED_VERSION) and, with SASL, authenticates. Idempotent while
  // connected.
  ChannelStatus connect();
  bool connected() const { return state_ == State::connected; }
  void close();

  const io::Endpoint& endpoint() const { return endpoint_; }
  // What the broker listed in ApiVersions (empty before connect()).
  std::span<const protocol::ApiVersionRange> broker_versions() const { return broker_versions_; }
  // The highest version of `key` both sides speak; nullopt if none (or not connected).
  std::optional<int16_t> version_for(protocol::ApiKey key) const;
  // SASL sessions renewed on this channel before the broker's lifetime ended (KIP-368).
  uint64_t reauthentications() const { return reauthentications_; }

  // Sends `request` at the negotiated version of Req::traits and decodes the response into
  // `response`. Req/Resp are protocol message structs: `static constexpr ApiTraits traits`,
  // `void encode(Writer&, int16_t) const`, `bool decode(Reader&, int16_t)`.
  template <class Req, class Resp>
  ChannelStatus call(const Req& request, Resp& response, std::chrono::milliseconds timeout) {
    std::optional<int16_t> version = version_for(Req::traits.key);
    if (!version) return unsupported(Req::traits.key);
    return call(request, response, *version, timeout);
  }
  template <class Req, class Resp>
  ChannelStatus call(const Req& request, Resp& response) {
    return call(request, response, options_.request_timeout);
  }
  // At an explicit version (must be one Req::traits supports).
  template <class Req, class Resp>
  ChannelStatus call(const Req& request, Resp& response, int16_t version,
                     std::chrono::milliseconds timeout) {
    if (!connected()) return not_connected();
    const protocol::ApiTraits& traits = Req::traits;
    if (!traits.supports(version)) return unsupported(traits.key);
    if (ChannelStatus st = renew_session_if_due(traits.key); !st.ok()) return st;
    send_buffer_.clear();
    protocol::Writer w(send_buffer_);
    int32_t correlation_id = next_correlation_id_++;
    size_t at = protocol::begin_request(w, traits.key, version, correlation_id, options_.client_id);
    request.encode(w, version);
    protocol::end_frame(w, at);
    w.finish();
    ChannelStatus st = exchange(correlation_id, timeout, traits.key);
    if (!st.ok()) return st;
    protocol::Reader r(response_);
    int32_t got_correlation_id = 0;
    if (!protocol::read_response_header(r, traits.key, version, got_correlation_id) ||
        got_correlation_id != correlation_id) {
      return bad_response(traits.key, "its header is malformed");
    }
    if (!response.decode(r, version)) return bad_response(traits.key, "its body did not decode");
    return {};
  }

  // ---- Asynchronous requests (the consumer's fetch connections) ----
  // Responses to requests sent with send_request() go to the listener from inside the
  // reactor's poll(), the frame (response header included) valid only during the call. call()
  // still works in between, from outside any callback: its own response comes back to it.
  // Connecting, versions, SASL and KIP-368 renewal stay synchronous (connect(),
  // renew_session()): the caller runs them between polls.
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void on_response(BrokerChannel& channel, int32_t correlation_id, std::span<const uint8_t> frame) = 0;
    // The connection broke or was closed by the broker; close_reason() says why.
    virtual void on_channel_closed(BrokerChannel& channel) = 0;
  };
  void set_listener(Listener* listener) { listener_ = listener; }
  // Queues `request` and returns its correlation id (-1 when not connected). The encoded bytes
  // live in a buffer of the channel until the reactor lets go of them.
  template <class Req>
  int32_t send_request(const Req& request, int16_t version) {
    if (!connected()) return -1;
    AsyncBuffer& buffer = free_async_buffer();
    buffer.bytes.clear();
    protocol::Writer w(buffer.bytes);
    const int32_t correlation_id = next_correlation_id_++;
    size_t at = protocol::begin_request(w, Req::traits.key, version, correlation_id, options_.client_id);
    request.encode(w, version);
    protocol::end_frame(w, at);
    w.finish();
    send_async(buffer);
    return correlation_id;
  }
  // KIP-368: the broker's session is to be renewed before the next request (see renew_session).
  bool session_renewal_due() const { return std::chrono::steady_clock::now() >= renew_session_at_; }
  // Authenticates again on this connection; only with nothing in flight. A failure closes it.
  ChannelStatus renew_session() { return renew_session_if_due(protocol::ApiKey::fetch); }
  // Why the connection ended (empty while it is up).
  const std::string& close_reason() const { return close_reason_; }

  // Acks=0 style: sends a request for which no response will come (or is wanted).
  template <class Req>
  ChannelStatus send_only(const Req& request, int16_t version) {
    if (!connected()) return not_connected();
    send_buffer_.clear();
    protocol::Writer w(send_buffer_);
    size_t at = protocol::begin_request(w, Req::traits.key, version, next_correlation_id_++,
                                        options_.client_id);
    request.encode(w, version);
    protocol::end_frame(w, at);
    w.finish();
    return flush_send(options_.request_timeout);
  }

 private:
  enum class State : uint8_t { idle, connecting, connected, closed };
  // A request sent by send_request(), held until on_sent. Its token has kAsyncToken set.
  struct AsyncBuffer {
    std::vector<uint8_t> bytes;
    std::span<const uint8_t> span[1];
    size_t index = 0;  // in async_buffers_
    bool pending = false;
  };
  static constexpr uint64_t kAsyncToken = uint64_t(1) << 63;
  AsyncBuffer& free_async_buffer();
  void send_async(AsyncBuffer& buffer);

  // Sends send_buffer_ and waits for the frame with `correlation_id` into response_.
  ChannelStatus exchange(int32_t correlation_id, std::chrono::milliseconds timeout,
                         protocol::ApiKey key);
  ChannelStatus flush_send(std::chrono::milliseconds timeout);
  ChannelStatus negotiate_versions();
  ChannelStatus authenticate();
  // KIP-368: once 90% of the broker's session lifetime has passed, authenticates again on this
  // connection before sending `key` (not for the SASL requests themselves); a failure closes it.
  ChannelStatus renew_session_if_due(protocol::ApiKey key);
  ChannelStatus unsupported(protocol::ApiKey key) const;
  ChannelStatus not_connected() const;
  ChannelStatus bad_response(protocol::ApiKey key, const char* why);

  void on_connected(io::ConnectionId id) override;
  void on_frame(io::ConnectionId id, std::span<const uint8_t> frame) override;
  void on_sent(io::ConnectionId id, uint64_t token) override;
  void on_closed(io::ConnectionId id, const io::IoError& error) override;

  io::Reactor& reactor_;
  io::Endpoint endpoint_;
  BrokerChannelOptions options_;
  State state_ = State::idle;
  io::ConnectionId connection_ = 0;
  std::string close_reason_;
  int32_t next_correlation_id_ = 1;
  int32_t awaited_correlation_id_ = -1;
  bool response_ready_ = false;
  bool send_pending_ = false;
  uint64_t send_token_ = 0;
  std::vector<uint8_t> send_buffer_;
  std::span<const uint8_t> send_spans_[1];
  std::vector<uint8_t> response_;  // the awaited response frame (header + body)
  std::vector<protocol::ApiVersionRange> broker_versions_;
  // SASL (KIP-368): when to authenticate again; max() when the broker sets no session lifetime.
  std::chrono::steady_clock::time_point renew_session_at_ = std::chrono::steady_clock::time_point::max();
  bool renewing_ = false;
  uint64_t reauthentications_ = 0;
  Listener* listener_ = nullptr;
  std::vector<std::unique_ptr<AsyncBuffer>> async_buffers_;
};

// Connects to the first of `bootstrap` that answers (in order). On failure returns nullptr
// and sets `status` to one sentence naming every address tried and why each failed.
std::unique_ptr<BrokerChannel> connect_any(io::Reactor& reactor,
                                           const std::vector<io::Endpoint>& bootstrap,
                                           const BrokerChannelOptions& options,
                                           ChannelStatus& status);

}  // namespace rawkafka::client
