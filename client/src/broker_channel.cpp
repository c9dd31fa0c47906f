#include "rawkafka/client/broker_channel.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "rawkafka/protocol/errors.hpp"
#include "rawkafka/protocol/messages/api_versions.hpp"
#include "rawkafka/protocol/messages/sasl_authenticate.hpp"
#include "rawkafka/protocol/messages/sasl_handshake.hpp"

namespace rawkafka::client {

namespace {
using Clock = std::chrono::steady_clock;

// Polls in short slices so that a deadline is honoured even when nothing happens.
constexpr std::chrono::milliseconds kPollSlice{50};

std::string errno_text(int code) { return code ? std::strerror(code) : "connection closed"; }
}  // namespace

BrokerChannel::BrokerChannel(io::Reactor& reactor, io::Endpoint endpoint,
                             BrokerChannelOptions options)
    : reactor_(reactor), endpoint_(std::move(endpoint)), options_(std::move(options)) {}

BrokerChannel::~BrokerChannel() { close(); }

void BrokerChannel::close() {
  // Whoever closes knows it: the listener hears only of closes it did not ask for.
  listener_ = nullptr;
  if (state_ == State::connecting || state_ == State::connected) {
    reactor_.close(connection_);
    // on_closed (and on_sent for unsent buffers) arrive from poll(); drain them so no
    // callback can reach this object after it is gone.
    auto deadline = Clock::now() + std::chrono::milliseconds(1000);
    auto async_pending = [&] {
      return std::any_of(async_buffers_.begin(), async_buffers_.end(), [](const auto& b) { return b->pending; });
    };
    while ((state_ == State::connecting || state_ == State::connected || send_pending_ || async_pending()) &&
           Clock::now() < deadline) {
      reactor_.poll(kPollSlice);
    }
  }
  state_ = State::closed;
}

std::optional<int16_t> BrokerChannel::version_for(protocol::ApiKey key) const {
  if (broker_versions_.empty()) return std::nullopt;
  return protocol::negotiate(key, broker_versions_);
}

ChannelStatus BrokerChannel::connect() {
  if (state_ == State::connected) return {};
  state_ = State::connecting;
  close_reason_.clear();
  send_pending_ = false;
  response_ready_ = false;
  awaited_correlation_id_ = -1;
  connection_ = reactor_.connect(endpoint_, options_.connect_timeout, *this);
  // The reactor reports on_connected or on_closed within the timeout; allow it a little slack.
  auto deadline = Clock::now() + options_.connect_timeout + std::chrono::milliseconds(500);
  while (state_ == State::connecting && Clock::now() < deadline) reactor_.poll(kPollSlice);
  if (state_ == State::connecting) {
    close();
    return {ChannelError::connect_failed,
            "could not connect to " + endpoint_.to_string() + " within " +
                std::to_string(options_.connect_timeout.count()) + " ms"};
  }
  if (state_ != State::connected) {
    std::string why = close_reason_.empty() ? "connection refused" : close_reason_;
    if (why.find(endpoint_.to_string()) == std::string::npos) {
      why = "could not connect to " + endpoint_.to_string() + ": " + why;
    }
    return {ChannelError::connect_failed, why};
  }
  ChannelStatus st = negotiate_versions();
  if (st.ok() && options_.security.uses_sasl()) st = authenticate();
  if (!st.ok()) close();
  return st;
}

// KIP-152: SaslHandshake v1 names the mechanism, then SaslAuthenticate carries each SASL message
// until the mechanism is done (and, for SCRAM, the broker's signature is verified).
ChannelStatus BrokerChannel::authenticate() {
  const SecurityConfig& sec = options_.security;
  const SaslMechanismKind mechanism = *sec.sasl_mechanism;
  auto failed = [&](const std::string& why) -> ChannelStatus {
    return {ChannelError::authentication_failed, sasl_failure(sec.sasl_username, endpoint_.to_string(), mechanism, why)};
  };
  std::optional<int16_t> handshake_version = version_for(protocol::ApiKey::sasl_handshake);
  if (!handshake_version || *handshake_version < 1 || !version_for(protocol::ApiKey::sasl_authenticate)) {
    return failed("the broker does not take SaslHandshake v1 and SaslAuthenticate (KIP-152); is its listener SASL?");
  }
  protocol::SaslHandshakeRequest handshake;
  handshake.mechanism = std::string(to_string(mechanism));
  protocol::SaslHandshakeResponse handshake_response;
  if (ChannelStatus st = call(handshake, handshake_response, *handshake_version, options_.request_timeout); !st.ok()) {
    return st;
  }
  if (handshake_response.error_code != 0) return failed(sasl_mechanism_not_enabled(mechanism, handshake_response.mechanisms));
  SaslExchange exchange(mechanism, sec.sasl_username, sec.sasl_password);
  if (exchange.failed()) return failed(exchange.error());
  std::string message = exchange.first();
  for (int round = 0; round < 8; ++round) {
    protocol::SaslAuthenticateRequest request;
    request.auth_bytes.assign(message.begin(), message.end());
    protocol::SaslAuthenticateResponse response;
    if (ChannelStatus st = call(request, response, options_.request_timeout); !st.ok()) return st;
    if (response.error_code != 0) return failed(sasl_broker_error(response.error_code, response.error_message));
    SaslStep step = exchange.step(std::string_view(reinterpret_cast<const char*>(response.auth_bytes.data()),
                                                   response.auth_bytes.size()));
    if (!step.ok()) return failed(step.error);
    if (exchange.done()) {
      // KIP-368: the session lifetime comes with the last SaslAuthenticate response.
      renew_session_at_ = response.session_lifetime_ms > 0
                              ? std::chrono::steady_clock::now() +
                                    std::chrono::milliseconds(response.session_lifetime_ms * 9 / 10)
                              : std::chrono::steady_clock::time_point::max();
      return {};
    }
    message = std::move(step.message);
  }
  return failed("the exchange did not end after 8 rounds");
}

ChannelStatus BrokerChannel::renew_session_if_due(protocol::ApiKey key) {
  if (renewing_ || key == protocol::ApiKey::sasl_handshake || key == protocol::ApiKey::sasl_authenticate ||
      std::chrono::steady_clock::now() < renew_session_at_) {
    return {};
  }
  renewing_ = true;
  ChannelStatus st = authenticate();
  renewing_ = false;
  if (!st.ok()) {
    close();
    return st;
  }
  ++reauthentications_;
  return {};
}

ChannelStatus BrokerChannel::negotiate_versions() {
  // ApiVersions v3 first (flexible, carries our software name); a broker that does not know
  // v3 answers with UNSUPPORTED_VERSION in a v0 body listing its range.
  protocol::ApiVersionsRequest request;
  request.client_software_name = "rawkafka";
  request.client_software_version = "0.1.0";
  for (int16_t version : {int16_t(3), int16_t(0)}) {
    protocol::ApiVersionsResponse response;
    ChannelStatus st = call(request, response, version, options_.request_timeout);
    if (!st.ok()) return st;
    if (response.error_code == int16_t(protocol::ErrorCode::UNSUPPORTED_VERSION) && version != 0) {
      continue;
    }
    if (response.error_code != 0) {
      return {ChannelError::bad_response,
              endpoint_.to_string() + " answered ApiVersions with " +
                  std::string(protocol::error_name(response.error_code))};
    }
    broker_versions_ = std::move(response.api_keys);
    return {};
  }
  return {ChannelError::unsupported_version,
          endpoint_.to_string() + " does not accept any ApiVersions version we speak"};
}

ChannelStatus BrokerChannel::flush_send(std::chrono::milliseconds timeout) {
  // Wait for the previous send's buffers to be released before reusing send_buffer_.
  send_pending_ = true;
  send_token_++;
  send_spans_[0] = std::span<const uint8_t>(send_buffer_.data(), send_buffer_.size());
  reactor_.send(connection_, std::span<const std::span<const uint8_t>>(send_spans_, 1), send_token_);
  auto deadline = Clock::now() + timeout;
  while (send_pending_ && state_ == State::connected && Clock::now() < deadline) {
    reactor_.poll(kPollSlice);
  }
  if (state_ != State::connected) {
    return {ChannelError::closed, endpoint_.to_string() + " closed the connection: " +
                                      (close_reason_.empty() ? "connection closed" : close_reason_)};
  }
  if (send_pending_) {
    close();
    return {ChannelError::timed_out, "could not send to " + endpoint_.to_string() + " within " +
                                         std::to_string(timeout.count()) + " ms"};
  }
  return {};
}

ChannelStatus BrokerChannel::exchange(int32_t correlation_id, std::chrono::milliseconds timeout,
                                      protocol::ApiKey key) {
  response_ready_ = false;
  response_.clear();
  awaited_correlation_id_ = correlation_id;
  auto deadline = Clock::now() + timeout;
  send_pending_ = true;
  send_token_++;
  send_spans_[0] = std::span<const uint8_t>(send_buffer_.data(), send_buffer_.size());
  reactor_.send(connection_, std::span<const std::span<const uint8_t>>(send_spans_, 1), send_token_);
  while (!response_ready_ && state_ == State::connected && Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    reactor_.poll(std::min<std::chrono::milliseconds>(kPollSlice, left + std::chrono::milliseconds(1)));
  }
  awaited_correlation_id_ = -1;
  if (response_ready_) {
    // The response cannot arrive before the request left; on_sent normally came already.
    while (send_pending_ && state_ == State::connected) reactor_.poll(std::chrono::milliseconds(0));
    return {};
  }
  if (state_ != State::connected) {
    // A SASL listener answers ApiVersions, then closes a connection whose next request is not
    // SaslHandshake: say so, since nothing else would tell the user.
    const bool maybe_sasl = !options_.security.uses_sasl() && key != protocol::ApiKey::api_versions &&
                            !broker_versions_.empty();
    // A TLS listener reads a plaintext request as a broken TLS record and hangs up.
    const bool maybe_tls = !options_.security.uses_tls() && key == protocol::ApiKey::api_versions;
    return {ChannelError::closed,
            endpoint_.to_string() + " closed the connection while we waited for its " +
                std::string(protocol::api_name(key)) + " response" +
                (close_reason_.empty() ? std::string() : ": " + close_reason_) +
                (maybe_sasl ? " (a listener that requires SASL does this to clients that do not authenticate: "
                              "set security.protocol=SASL_PLAINTEXT and the sasl.* properties)"
                            : std::string()) +
                (maybe_tls ? " (a TLS listener does this to clients that do not speak TLS: set "
                             "security.protocol=SSL or SASL_SSL and ssl.ca.location)"
                           : std::string())};
  }
  close();
  return {ChannelError::timed_out, "no " + std::string(protocol::api_name(key)) + " response from " +
                                       endpoint_.to_string() + " within " +
                                       std::to_string(timeout.count()) + " ms"};
}

ChannelStatus BrokerChannel::unsupported(protocol::ApiKey key) const {
  if (!connected()) return not_connected();
  return {ChannelError::unsupported_version,
          endpoint_.to_string() + " does not support a version of " +
              std::string(protocol::api_name(key)) + " that we speak"};
}

ChannelStatus BrokerChannel::not_connected() const {
  return {ChannelError::not_connected,
          "not connected to " + endpoint_.to_string() +
              (close_reason_.empty() ? std::string() : " (" + close_reason_ + ")")};
}

ChannelStatus BrokerChannel::bad_response(protocol::ApiKey key, const char* why) {
  close();
  return {ChannelError::bad_response, "the " + std::string(protocol::api_name(key)) +
                                          " response from " + endpoint_.to_string() +
                                          " is unreadable: " + why};
}

void BrokerChannel::on_connected(io::ConnectionId id) {
  if (id == connection_ && state_ == State::connecting) state_ = State::connected;
}

BrokerChannel::AsyncBuffer& BrokerChannel::free_async_buffer() {
  for (auto& b : async_buffers_) {
    if (!b->pending) return *b;
  }
  async_buffers_.push_back(std::make_unique<AsyncBuffer>());
  async_buffers_.back()->index = async_buffers_.size() - 1;
  return *async_buffers_.back();
}

void BrokerChannel::send_async(AsyncBuffer& buffer) {
  buffer.pending = true;
  buffer.span[0] = std::span<const uint8_t>(buffer.bytes.data(), buffer.bytes.size());
  reactor_.send(connection_, std::span<const std::span<const uint8_t>>(buffer.span, 1), kAsyncToken | buffer.index);
}

void BrokerChannel::on_frame(io::ConnectionId id, std::span<const uint8_t> frame) {
  if (id != connection_) return;
  // Every response starts with its correlation id; one that is not awaited by call() answers a
  // send_request() (a late answer to a call() that timed out cannot happen: we close then).
  if (frame.size() < 4) return;
  int32_t cid = int32_t(protocol::detail::load_be32(frame.data()));
  if (awaited_correlation_id_ >= 0 && cid == awaited_correlation_id_) {
    response_.assign(frame.begin(), frame.end());
    response_ready_ = true;
    return;
  }
  if (listener_) listener_->on_response(*this, cid, frame);
}

void BrokerChannel::on_sent(io::ConnectionId id, uint64_t token) {
  if (id != connection_) return;
  if (token & kAsyncToken) {
    const size_t index = size_t(token & ~kAsyncToken);
    if (index < async_buffers_.size()) async_buffers_[index]->pending = false;
    return;
  }
  if (token == send_token_) send_pending_ = false;
}

void BrokerChannel::on_closed(io::ConnectionId id, const io::IoError& error) {
  if (id != connection_) return;
  if (close_reason_.empty()) {
    close_reason_ = error.message.empty() ? errno_text(error.code) : error.message;
  }
  send_pending_ = false;
  for (auto& b : async_buffers_) b->pending = false;
  state_ = State::closed;
  if (Listener* listener = std::exchange(listener_, nullptr)) listener->on_channel_closed(*this);
}

}  // namespace rawkafka::client

namespace rawkafka::client {

std::unique_ptr<BrokerChannel> connect_any(io::Reactor& reactor,
                                           const std::vector<io::Endpoint>& bootstrap,
                                           const BrokerChannelOptions& options,
                                           ChannelStatus& status) {
  std::string reasons;
  ChannelError last = ChannelError::connect_failed;
  for (const io::Endpoint& endpoint : bootstrap) {
    auto channel = std::make_unique<BrokerChannel>(reactor, endpoint, options);
    ChannelStatus st = channel->connect();
    if (st.ok()) {
      status = {};
      return channel;
    }
    last = st.error;
    if (!reasons.empty()) reasons += "; ";
    reasons += st.message;
  }
  if (bootstrap.empty()) reasons = "no bootstrap address given";
  status = {last, bootstrap.size() > 1 ? "no bootstrap broker answered: " + reasons : reasons};
  return nullptr;
}

}  // namespace rawkafka::client
