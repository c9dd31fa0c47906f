#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rawkafka/io/frame_decoder.hpp"
#include "rawkafka/io/tls.hpp"
#include "socket_address.hpp"

namespace rawkafka::io {
namespace {

using Clock = std::chrono::steady_clock;

// OpenSSL's reasons queued on this thread, "; "-joined ("certificate verify failed"), then cleared.
std::string openssl_reasons() {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    char buffer[256];
    if (reason == nullptr) {
      ERR_error_string_n(e, buffer, sizeof buffer);
      reason = buffer;
    }
    if (text.find(reason) != std::string::npos) continue;
    if (!text.empty()) text += "; ";
    text += reason;
  }
  return text;
}

int password_callback(char* buffer, int size, int /*rwflag*/, void* user) {
  const auto* password = static_cast<const std::string*>(user);
  if (password == nullptr || size <= 0) return 0;
  int n = static_cast<int>(std::min<size_t>(password->size(), static_cast<size_t>(size)));
  std::memcpy(buffer, password->data(), static_cast<size_t>(n));
  return n;
}

// The host as the certificate must name it: brackets off an IPv6 literal.
std::string bare_host(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

bool is_ip_literal(const std::string& host) {
  in6_addr a6{};
  in_addr a4{};
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

// OpenSSL's output BIO: each record it writes is appended straight to the connection's outgoing
// bytes (the vector BIO_get_data names), which go to the socket as they are: one copy of the
// ciphertext, where a memory BIO would take two and grow by reallocation.
int append_write(BIO* bio, const char* data, int length) {
  auto* out = static_cast<std::vector<uint8_t>*>(BIO_get_data(bio));
  if (out == nullptr || length < 0) return -1;
  out->insert(out->end(), data, data + length);
  return length;
}

long append_ctrl(BIO* /*bio*/, int command, long /*number*/, void* /*pointer*/) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;  // nothing is held back
    default:
      return 0;  // pending, wpending, kTLS queries, ...: none
  }
}

int append_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// Made once for the process (OpenSSL's BIO_METHODs are shared and immutable once set up).
BIO_METHOD* append_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rawkafka TLS output");
    if (m != nullptr) {
      BIO_meth_set_write(m, append_write);
      BIO_meth_set_ctrl(m, append_ctrl);
      BIO_meth_set_create(m, append_create);
    }
    return m;
  }();
  return method;
}

// Plaintext gathered into one TLS record of at most this size before it is encrypted: a
// produce request's header and its batches become few records rather than one each.
constexpr size_t record_payload = 16 * 1024;

class TlsReactor final : public Reactor, private ConnectionHandler {
 public:
  TlsReactor(std::unique_ptr<Reactor> inner, std::shared_ptr<TlsContext> context,
             const ReactorOptions& options)
      : context_(std::move(context)), max_frame_size_(options.max_frame_size), inner_(std::move(inner)) {
    staging_.reserve(record_payload);
  }
  ~TlsReactor() override {
    inner_.reset();  // first: the kernel lets go of every ciphertext buffer, no callback runs
    for (auto& [id, c] : connections_) SSL_free(c.ssl);
  }

  Backend backend() const override { return inner_->backend(); }

  ConnectionId connect(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                       ConnectionHandler& handler) override {
    return open(endpoint, timeout, handler, FrameDecoder::Framing::length_prefixed);
  }
  ConnectionId connect_stream(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                              ConnectionHandler& handler) override {
    return open(endpoint, timeout, handler, FrameDecoder::Framing::none);
  }

  void send(ConnectionId id, std::span<const std::span<const uint8_t>> buffers,
            uint64_t token) override {
    Connection* c = find(id);
    if (c == nullptr || c->closing) return;
    if (!c->established) {
      c->held.push_back({std::vector<std::span<const uint8_t>>(buffers.begin(), buffers.end()), token});
      return;
    }
    encrypt_and_send(id, *c, buffers, token);
  }

  void close(ConnectionId id) override {
    Connection* c = find(id);
    if (c == nullptr || c->closing) return;
    c->closing = true;
    c->failure = detail::closed_locally();
    inner_->close(id);
  }

  TimerId schedule(std::chrono::nanoseconds delay, std::function<void()> callback) override {
    return inner_->schedule(delay, std::move(callback));
  }
  void cancel(TimerId id) override { inner_->cancel(id); }
  size_t poll(std::chrono::nanoseconds max_wait) override { return inner_->poll(max_wait); }
  void wake() override { inner_->wake(); }
  ReactorStats stats() const override { return inner_->stats(); }

 private:
  struct Held {  // plaintext sent before the handshake finished, encrypted once it has
    std::vector<std::span<const uint8_t>> buffers;
    uint64_t token;
  };
  struct Chain {  // ciphertext handed to the inner reactor
    uint64_t sequence;
    std::vector<uint8_t> bytes;
    bool has_token;
    uint64_t token;  // the caller's, reported when the ciphertext is sent
  };
  struct Connection {
    Connection(ConnectionHandler& h, size_t max_frame_size, FrameDecoder::Framing framing)
        : handler(&h), decoder(max_frame_size, 64 * 1024, framing) {}
    ConnectionHandler* handler;
    std::string peer;  // host:port as given
    std::string host;
    std::chrono::milliseconds timeout{};
    Clock::time_point deadline;
    SSL* ssl = nullptr;
    BIO* network_in = nullptr;   // ciphertext from the socket, read by OpenSSL (owned by ssl)
    BIO* network_out = nullptr;  // appends what OpenSSL writes to `out` (owned by ssl)
    std::vector<uint8_t> out;    // ciphertext not yet handed to the inner reactor
    FrameDecoder decoder;
    std::vector<Held> held;
    std::deque<Chain> chains;
    TimerId handshake_timer = 0;
    bool tcp_connected = false;
    bool established = false;
    bool closing = false;  // close() or a TLS failure asked the inner reactor to close
    IoError failure;
  };

  Connection* find(ConnectionId id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : &it->second;
  }

  ConnectionId open(const Endpoint& endpoint, std::chrono::milliseconds timeout,
                    ConnectionHandler& handler, FrameDecoder::Framing framing) {
    // The inner reactor reports nothing from inside connect(): the entry is in place in time.
    ConnectionId id = inner_->connect_stream(endpoint, timeout, *this);
    auto [it, inserted] = connections_.try_emplace(id, handler, max_frame_size_, framing);
    Connection& c = it->second;
    c.peer = endpoint.to_string();
    c.host = bare_host(endpoint.host);
    c.timeout = std::max(timeout, std::chrono::milliseconds::zero());
    c.deadline = Clock::now() + c.timeout;
    return id;
  }

  // Asks the inner reactor to close; on_closed reports `error` once it has.
  void fail(ConnectionId id, Connection& c, IoError error) {
    if (c.closing) return;
    c.closing = true;
    c.failure = std::move(error);
    inner_->close(id);
  }

  IoError tls_error(const Connection& c, const char* what) {
    std::string reasons = openssl_reasons();
    std::string message = std::string(what) + " " + c.peer + " failed";
    if (c.ssl != nullptr) {
      long verify = SSL_get_verify_result(c.ssl);
      if (verify != X509_V_OK) {
        message += ": the broker's certificate was not accepted (" +
                   std::string(X509_verify_cert_error_string(verify)) + ")";
        if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
          message += ": it does not name " + c.host +
                     " (ssl.endpoint.identification.algorithm= switches this check off)";
        } else {
          message += ": is ssl.ca.location / ssl.truststore.location the CA that signed it?";
        }
        return {EPROTO, message};
      }
    }
    if (!reasons.empty()) message += ": " + reasons;
    if (reasons.find("alert bad certificate") != std::string::npos ||
        reasons.find("alert certificate required") != std::string::npos ||
        reasons.find("alert unknown ca") != std::string::npos) {
      message += " (the broker wants a client certificate it trusts: ssl.certificate.location and "
                 "ssl.key.location, or ssl.keystore.location)";
    } else if (reasons.find("alert handshake failure") != std::string::npos) {
      message += " (the broker refused the handshake: if it requires a client certificate, set "
                 "ssl.certificate.location and ssl.key.location, or ssl.keystore.location)";
    }
    if (reasons.find("wrong version number") != std::string::npos ||
        reasons.find("packet length too long") != std::string::npos) {
      message += " (the listener does not speak TLS: is security.protocol right for this port?)";
    }
    return {EPROTO, message};
  }

  // ---- inner reactor callbacks -------------------------------------------------------

  void on_connected(ConnectionId id) override {
    Connection* c = find(id);
    if (c == nullptr || c->closing) return;
    c->tcp_connected = true;
    ERR_clear_error();
    c->ssl = SSL_new(context_->native());
    c->network_in = BIO_new(BIO_s_mem());
    BIO_METHOD* method = append_method();
    c->network_out = method != nullptr ? BIO_new(method) : nullptr;
    if (c->network_out != nullptr) BIO_set_data(c->network_out, &c->out);
    if (c->ssl == nullptr || c->network_in == nullptr || c->network_out == nullptr) {
      if (c->ssl == nullptr) {
        BIO_free(c->network_in);
        BIO_free(c->network_out);
      }
      c->network_in = c->network_out = nullptr;
      fail(id, *c, tls_error(*c, "setting up TLS for"));
      return;
    }
    BIO_set_mem_eof_return(c->network_in, -1);  // empty means "wait for more", not EOF
    SSL_set_bio(c->ssl, c->network_in, c->network_out);
    SSL_set_connect_state(c->ssl);
    const bool ip = is_ip_literal(c->host);
    if (!ip) SSL_set_tlsext_host_name(c->ssl, c->host.c_str());  // SNI takes names only
    if (context_->options().verify_certificate && context_->options().verify_hostname) {
      X509_VERIFY_PARAM* param = SSL_get0_param(c->ssl);
      int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, c->host.c_str())
                  : X509_VERIFY_PARAM_set1_host(param, c->host.c_str(), 0);
      if (ok != 1) {
        fail(id, *c, tls_error(*c, "setting the expected host name for"));
        return;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(c->deadline - Clock::now());
    left = std::max(left, std::chrono::milliseconds(1));
    c->handshake_timer = inner_->schedule(left, [this, id] {
      Connection* conn = find(id);
      if (conn == nullptr) return;
      conn->handshake_timer = 0;
      if (!conn->established) {
        fail(id, *conn, {ETIMEDOUT, "no TLS handshake with " + conn->peer + " within " +
                                        std::to_string(conn->timeout.count()) + " ms"});
      }
    });
    drive_handshake(id, *c);
  }

  void on_frame(ConnectionId id, std::span<const uint8_t> bytes) override {
    Connection* c = find(id);
    if (c == nullptr || c->closing || c->ssl == nullptr) return;
    size_t offset = 0;
    while (offset < bytes.size()) {
      int n = BIO_write(c->network_in, bytes.data() + offset,
                        static_cast<int>(std::min<size_t>(bytes.size() - offset, INT_MAX)));
      if (n <= 0) {
        fail(id, *c, {ENOMEM, "TLS could not buffer what " + c->peer + " sent"});
        return;
      }
      offset += static_cast<size_t>(n);
    }
    if (!c->established) {
      drive_handshake(id, *c);
      c = find(id);
      if (c == nullptr || c->closing || !c->established) return;
    }
    read_records(id, *c);
  }

  void on_sent(ConnectionId id, uint64_t sequence) override {
    Connection* c = find(id);
    if (c == nullptr) return;
    // The inner reactor reports chains in the order they were sent.
    while (!c->chains.empty() && c->chains.front().sequence <= sequence) {
      Chain chain = std::move(c->chains.front());
      c->chains.pop_front();
      recycle(std::move(chain.bytes));
      if (chain.has_token) {
        c->handler->on_sent(id, chain.token);
        c = find(id);
        if (c == nullptr) return;
      }
    }
  }

  void on_closed(ConnectionId id, const IoError& error) override {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& c = it->second;
    IoError reported = c.closing ? c.failure : error;
    if (!c.closing && c.tcp_connected && !c.established) {
      // A plaintext listener reads a ClientHello as an oversized request and hangs up.
      reported.message = c.peer + " closed the connection during the TLS handshake (" +
                         error.message +
                         "): a listener without TLS does this; is security.protocol right for this port?";
    }
    if (!c.closing && c.established && c.decoder.buffered() != 0) {
      // The socket ended inside a frame: say so, and that TLS did not end it (truncation).
      reported = detail::peer_closed(c.peer, true);
      reported.message += " (without a TLS close_notify)";
    }
    if (c.handshake_timer != 0) inner_->cancel(c.handshake_timer);
    ConnectionHandler* handler = c.handler;
    std::vector<Held> held = std::move(c.held);
    std::deque<Chain> chains = std::move(c.chains);  // the inner reactor reported them all
    SSL_free(c.ssl);
    connections_.erase(it);
    for (Chain& chain : chains) {
      if (chain.has_token) handler->on_sent(id, chain.token);
    }
    for (const Held& h : held) handler->on_sent(id, h.token);
    handler->on_closed(id, reported);
  }

  // ---- TLS ----------------------------------------------------------------------------

  void drive_handshake(ConnectionId id, Connection& c) {
    ERR_clear_error();
    int r = SSL_do_handshake(c.ssl);
    if (!flush_output(id, c, false, 0)) return;
    if (r != 1) {
      int e = SSL_get_error(c.ssl, r);
      if (e == SSL_ERROR_WANT_READ) return;
      fail(id, c, tls_error(c, "TLS handshake with"));
      return;
    }
    c.established = true;
    if (c.handshake_timer != 0) {
      inner_->cancel(c.handshake_timer);
      c.handshake_timer = 0;
    }
    context_->set_negotiated(std::string(SSL_get_version(c.ssl)) + " " + SSL_get_cipher_name(c.ssl));
    std::vector<Held> held = std::move(c.held);
    c.held.clear();
    for (size_t i = 0; i < held.size(); ++i) {
      if (!encrypt_and_send(id, c, held[i].buffers, held[i].token)) {
        // The connection is failing: what is left goes back through on_closed.
        Connection* now = find(id);
        if (now != nullptr) now->held.assign(held.begin() + static_cast<long>(i) + 1, held.end());
        return;
      }
    }
    ConnectionHandler* handler = c.handler;
    handler->on_connected(id);
    // Records that arrived with the end of the handshake are read by the caller (on_frame).
  }

  void read_records(ConnectionId id, Connection& c) {
    for (;;) {
      std::span<uint8_t> space = c.decoder.writable();
      ERR_clear_error();
      int n = SSL_read(c.ssl, space.data(), static_cast<int>(std::min<size_t>(space.size(), INT_MAX)));
      if (n <= 0) {
        int e = SSL_get_error(c.ssl, n);
        if (e == SSL_ERROR_WANT_READ) break;
        if (e == SSL_ERROR_ZERO_RETURN) {
          fail(id, c, detail::peer_closed(c.peer, c.decoder.buffered() != 0));
        } else {
          fail(id, c, tls_error(c, "reading TLS records from"));
        }
        return;
      }
      c.decoder.commit(static_cast<size_t>(n));
      std::span<const uint8_t> frame;
      for (;;) {
        FrameDecoder::Status status = c.decoder.next(frame);
        if (status == FrameDecoder::Status::need_more) break;
        if (status != FrameDecoder::Status::frame) {
          fail(id, c, detail::bad_frame_length(c.peer, c.decoder.rejected_length(), max_frame_size_));
          return;
        }
        c.handler->on_frame(id, frame);
        Connection* now = find(id);
        if (now == nullptr || now->closing) return;  // the handler closed it
      }
    }
    // TLS 1.3 may answer what it read (a key update): send it.
    flush_output(id, c, false, 0);
  }

  // Encrypts `buffers` in order and hands the ciphertext to the inner reactor; `token` is
  // reported once that is sent. False when the connection failed.
  bool encrypt_and_send(ConnectionId id, Connection& c, std::span<const std::span<const uint8_t>> buffers,
                        uint64_t token) {
    size_t plain = 0;
    for (std::span<const uint8_t> b : buffers) plain += b.size();
    // Room for the ciphertext: each record adds a header, a tag and (TLS 1.3) a type byte.
    c.out.reserve(c.out.size() + plain + (plain / record_payload + buffers.size() + 1) * 64);
    staging_.clear();
    for (std::span<const uint8_t> b : buffers) {
      if (staging_.size() + b.size() <= record_payload) {
        staging_.insert(staging_.end(), b.begin(), b.end());
        continue;
      }
      if (!write_plain(id, c, staging_)) return false;
      staging_.clear();
      if (b.size() < record_payload) {
        staging_.insert(staging_.end(), b.begin(), b.end());
      } else if (!write_plain(id, c, b)) {  // large: encrypted straight from the caller's buffer
        return false;
      }
    }
    if (!write_plain(id, c, staging_)) return false;
    staging_.clear();
    return flush_output(id, c, true, token);
  }

  bool write_plain(ConnectionId id, Connection& c, std::span<const uint8_t> plain) {
    size_t offset = 0;
    while (offset < plain.size()) {
      ERR_clear_error();
      int n = SSL_write(c.ssl, plain.data() + offset,
                        static_cast<int>(std::min<size_t>(plain.size() - offset, INT_MAX / 2)));
      if (n <= 0) {
        fail(id, c, tls_error(c, "encrypting for"));
        return false;
      }
      offset += static_cast<size_t>(n);
    }
    return true;
  }

  // Sends what OpenSSL wrote (c.out) as one chain; with_token: the caller's token is
  // reported when it is sent (from a later poll() even when there was nothing to send).
  bool flush_output(ConnectionId id, Connection& c, bool with_token, uint64_t token) {
    if (c.out.empty()) {
      if (with_token) {
        inner_->schedule(std::chrono::nanoseconds(0), [this, id, token] {
          if (Connection* conn = find(id)) conn->handler->on_sent(id, token);
        });
      }
      return true;
    }
    std::vector<uint8_t> bytes = take_buffer();  // empty; becomes the next output buffer
    bytes.swap(c.out);
    uint64_t sequence = next_sequence_++;
    c.chains.push_back({sequence, std::move(bytes), with_token, token});
    std::span<const uint8_t> chain(c.chains.back().bytes);
    inner_->send(id, std::span<const std::span<const uint8_t>>(&chain, 1), sequence);
    return true;
  }

  std::vector<uint8_t> take_buffer() {
    if (spare_.empty()) return {};
    std::vector<uint8_t> b = std::move(spare_.back());
    spare_.pop_back();
    return b;
  }
  void recycle(std::vector<uint8_t> bytes) {
    if (spare_.size() < 16 && bytes.capacity() <= (4u << 20)) {
      bytes.clear();
      spare_.push_back(std::move(bytes));
    }
  }

  std::shared_ptr<TlsContext> context_;
  size_t max_frame_size_;
  std::unordered_map<ConnectionId, Connection> connections_;
  std::vector<std::vector<uint8_t>> spare_;
  std::vector<uint8_t> staging_;
  uint64_t next_sequence_ = 1;
  std::unique_ptr<Reactor> inner_;  // last: destroyed first
};

}  // namespace

std::shared_ptr<TlsContext> TlsContext::create(const TlsOptions& options) {
  std::shared_ptr<TlsContext> self(new TlsContext(options));
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) throw std::runtime_error("TLS could not be set up: " + openssl_reasons());
  self->context_ = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (options.verify_certificate) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    int ok = options.ca_file.empty()
                 ? SSL_CTX_set_default_verify_paths(ctx)
                 : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
    if (ok != 1) {
      throw std::runtime_error("cannot read the CA certificates in '" +
                               (options.ca_file.empty() ? std::string("OpenSSL's default locations")
                                                        : options.ca_file) +
                               "': " + openssl_reasons());
    }
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (!options.certificate_file.empty()) {
    SSL_CTX_set_default_passwd_cb(ctx, password_callback);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &self->options_.key_password);
    if (SSL_CTX_use_certificate_chain_file(ctx, options.certificate_file.c_str()) != 1) {
      throw std::runtime_error("cannot read the client certificate in '" + options.certificate_file +
                               "': " + openssl_reasons());
    }
    const std::string& key = options.key_file.empty() ? options.certificate_file : options.key_file;
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw std::runtime_error("cannot read the private key in '" + key + "' (is ssl.key.password right?): " +
                               openssl_reasons());
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      throw std::runtime_error("the private key in '" + key + "' does not match the certificate in '" +
                               options.certificate_file + "'");
    }
  } else if (!options.key_file.empty()) {
    throw std::runtime_error("a private key ('" + options.key_file + "') needs its certificate too");
  }
  return self;
}

TlsContext::~TlsContext() { SSL_CTX_free(context_); }

std::string TlsContext::negotiated() const {
  std::lock_guard lock(mutex_);
  return negotiated_;
}

void TlsContext::set_negotiated(std::string text) {
  std::lock_guard lock(mutex_);
  if (negotiated_ != text) negotiated_ = std::move(text);
}

std::unique_ptr<Reactor> make_tls_reactor(std::unique_ptr<Reactor> inner,
                                          std::shared_ptr<TlsContext> context,
                                          const ReactorOptions& options) {
  if (!inner || !context) throw std::invalid_argument("make_tls_reactor needs a reactor and a TLS context");
  return std::make_unique<TlsReactor>(std::move(inner), std::move(context), options);
}

}  // namespace rawkafka::io
